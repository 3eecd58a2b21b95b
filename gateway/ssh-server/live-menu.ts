import type { Actor, Core } from '../../core/index.ts';
import type { OperatorChannel } from '../session/types.ts';
import { operatorMessage } from '../session/types.ts';

/**
 * Live sessions for administrators in the console: list, watch (read-only shadow: the current
 * screen first, then the live stream; any key leaves) and terminate with a reason.
 */
export async function runLiveMenu(
  core: Core,
  actor: Actor,
  channel: OperatorChannel,
  readLine: () => Promise<string | null>,
): Promise<void> {
  for (;;) {
    let sessions;
    try {
      sessions = await core.as(actor).live.list();
    } catch (e) {
      channel.write(`\r\n${operatorMessage(e)}\r\n`);
      return;
    }
    channel.write(
      [
        '',
        `Live sessions: ${sessions.length}`,
        ...sessions.map(
          (s, i) =>
            `  ${String(i + 1).padStart(3)}  ${s.user} → ${s.target}${s.route.length ? ` via ${s.route.join(' → ')}` : ''}  since ${s.startedAt.slice(11, 19)}  ${s.bytesOut} B out`,
        ),
        '',
        'w N to watch, t N REASON to terminate, Enter to go back: ',
      ].join('\r\n'),
    );
    const answer = (await readLine())?.trim();
    if (!answer) return;
    const m = /^([wt])\s*(\d+)\s*(.*)$/i.exec(answer);
    const chosen = m ? sessions[Number(m[2]) - 1] : undefined;
    if (!m || !chosen) {
      channel.write(`\r\nnot understood: '${answer.slice(0, 40)}'\r\n`);
      continue;
    }
    try {
      if (m[1]!.toLowerCase() === 't') {
        await core.as(actor).live.terminate(chosen.id, m[3] || '');
        channel.write(`\r\nterminated ${chosen.user} → ${chosen.target}\r\n`);
      } else {
        await watch(core, actor, channel, chosen.id);
      }
    } catch (e) {
      channel.write(`\r\n${operatorMessage(e)}\r\n`);
    }
  }
}

async function watch(core: Core, actor: Actor, channel: OperatorChannel, id: string): Promise<void> {
  const shadow = await core.as(actor).live.shadow(id);
  channel.write(
    `\x1b[2J\x1b[H[custody] watching ${shadow.info.user} → ${shadow.info.target} (read-only; any key leaves)\r\n`,
  );
  let note: string | undefined;
  // Any key or the admin's own disconnect leaves: leave() closes the subscription, which ends the
  // loop below. The key itself is read here and goes nowhere else.
  const stopKeys = channel.onData(() => {
    note ??= 'left the session';
    void shadow.leave();
  });
  const stopEnd = channel.onEnd(() => void shadow.leave());
  try {
    for await (const event of shadow) {
      if (event.type === 'end') note ??= `the session ended: ${event.reason}`;
      else channel.write(event.data);
    }
  } finally {
    stopKeys();
    stopEnd();
    await shadow.leave();
  }
  if (note) channel.write(`\r\n[custody] ${note}\r\n`);
}
