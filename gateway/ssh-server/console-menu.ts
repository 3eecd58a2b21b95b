import type { Actor, Core } from '../../core/index.ts';
import { type OperatorChannel } from '../session/types.ts';
import { runLiveMenu } from './live-menu.ts';

/**
 * The console until the Ink operator console arrives: the accounts the user may use, chosen by
 * number. Typing a number opens that account in place; when the session ends the list comes
 * back; `q` leaves.
 */
export async function runConsoleMenu(
  core: Core,
  actor: Actor,
  channel: OperatorChannel,
  launch: (ref: string) => Promise<number>,
): Promise<number> {
  for (;;) {
    const { entries, total } = await core.as(actor).explorer.all('', 200);
    const lines = [
      '',
      `Custody — ${actor.name}: ${total} account${total === 1 ? '' : 's'} you may use`,
      ...entries.map(
        (e, i) => `  ${String(i + 1).padStart(3)}  ${e.ref}${e.dnsName ? `  (${e.dnsName})` : ''}`,
      ),
      ...(total > entries.length
        ? [`  … ${total - entries.length} more: connect directly with ssh USER:ACCOUNT@RESOURCE@bastion`]
        : []),
      '',
      actor.user.role === 'admin'
        ? 'Number to connect, l for live sessions, q to quit: '
        : 'Number to connect, q to quit: ',
    ];
    channel.write(lines.join('\r\n'));
    const answer = await readLine(channel);
    if (answer === null || /^q(uit)?$/i.test(answer.trim())) return 0;
    if (/^l(ive)?$/i.test(answer.trim())) {
      await runLiveMenu(core, actor, channel, () => readLine(channel));
      continue;
    }
    const n = Number(answer.trim());
    const entry = Number.isInteger(n) ? entries[n - 1] : undefined;
    if (!entry) {
      channel.write(`\r\nno account number '${answer.trim().slice(0, 20)}'\r\n`);
      continue;
    }
    channel.write(`\r\nconnecting to ${entry.ref} …\r\n`);
    await launch(entry.ref);
  }
}

/** A minimal line editor: echo, backspace, Ctrl-C/Ctrl-D to quit. */
export function readLine(channel: OperatorChannel): Promise<string | null> {
  return new Promise((resolve) => {
    let line = '';
    const stopData = channel.onData((chunk) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish(line);
        if (ch === '\u0003' || ch === '\u0004') return finish(null);
        if (ch === '\u007f' || ch === '\b') {
          if (line.length) {
            line = line.slice(0, -1);
            channel.write('\b \b');
          }
        } else if (ch >= ' ' && line.length < 40) {
          line += ch;
          channel.write(ch);
        }
      }
    });
    const stopEnd = channel.onEnd(() => finish(null));
    function finish(v: string | null) {
      stopData();
      stopEnd();
      resolve(v);
    }
  });
}
