import { Box, Text } from 'ink';
import React, { useEffect, useState } from 'react';
import { livePagePath, printable, type ConsoleTerminal, type LiveSessionInfo } from '../../core/index.ts';
import { refusal, useConsole, type ConsoleState } from '../console-context.tsx';
import { Prompt, usePrompt } from '../components/prompt.tsx';
import { useCursor, VirtualList } from '../components/virtual-list.tsx';
import { Command, commandOf } from '../keys.ts';
import { useKeys } from '../components/use-keys.ts';

type LiveInfo = LiveSessionInfo;

/** Ctrl-] leaves a shadow, as in telnet: a key no shell program needs, so it is never ambiguous. */
const LEAVE_SHADOW = '\x1d';

const kib = (n: number) => (n < 10_240 ? `${n} B` : `${Math.round(n / 1024)} KiB`);

/** Administrators: the sessions running now; shadow in place (read-only) or terminate with a reason. */
export function LiveSessionsScreen(props: { height: number; active: boolean }) {
  const c = useConsole();
  const { me } = c;
  const [list, setList] = useState<LiveInfo[]>([]);
  const [tick, setTick] = useState(0);
  const prompt = usePrompt<LiveInfo>();
  const asking = prompt.open;
  const listHeight = Math.max(1, props.height - 2);
  const [cursor, move] = useCursor(list.length, listHeight);

  useEffect(() => {
    let shown = true;
    me.live.list().then(
      (sessions) => shown && setList(sessions),
      (e: unknown) => shown && c.flash(refusal(e), 'error'),
    );
    // Sessions come and go: the list refreshes every second while the screen is shown.
    const t = c.timers.setTimeout(() => setTick((n) => n + 1), 1000);
    return () => {
      shown = false;
      c.timers.clearTimeout(t);
    };
  }, [me, tick, c]);

  const selected = list[cursor];
  useKeys(
    (input, key) => {
      if (prompt.swallow(input, key)) return;
      const cmd = commandOf(['live', 'list', 'keys', 'global'], input, key);
      if (move(cmd)) return;
      if (cmd === Command.Shadow && selected) return void shadowInPlace(c, selected.id);
      if (cmd === Command.Terminate && selected) return prompt.ask(selected);
      if (cmd === Command.WebLink && selected)
        return void c.showWebLink(livePagePath(selected.id), `Watch ${selected.id} in a browser`);
      if (cmd === Command.Refresh) return setTick((n) => n + 1);
    },
    { isActive: props.active },
  );

  return (
    <Box flexDirection="column" height={props.height}>
      <Text color={c.theme.muted} wrap="truncate-end">
        {`${list.length} live session${list.length === 1 ? '' : 's'} · s shadow · k terminate · w browser link`}
      </Text>
      <VirtualList
        count={list.length}
        selected={cursor}
        height={listHeight}
        empty="No live sessions."
        row={(i) => {
          const s = list[i]!;
          const route = s.route.length ? ` via ${s.route.join(' → ')}` : '';
          // What runs: a shell shows its protocol; a forward its far end; an opening one says so.
          const what =
            s.kind === 'forward'
              ? `forward → ${s.forward ?? '?'}`
              : s.kind === 'file-transfer'
                ? 'file transfer'
                : s.protocol;
          const state = s.state === 'opening' ? '  (opening)' : '';
          return `${printable(s.user, 40).padEnd(12)} ${printable(s.target, 80)}${route}  ${printable(what, 80)}${state}  since ${s.startedAt.slice(11, 19)}  ↓${kib(s.bytesOut)} ↑${kib(s.bytesIn)}  ${s.id}`;
        }}
      />
      {asking ? (
        <Prompt
          early={prompt.early}
          label={`Reason to terminate ${asking.user}'s session to ${asking.target}:`}
          onCancel={() => prompt.close()}
          onSubmit={(reason) => {
            const s = asking;
            prompt.close();
            if (!reason) return c.flash('a reason is required to terminate', 'error');
            me.live
              .terminate(s.id, reason)
              .then(() => {
                c.flash(`session ${s.id} terminated`, 'success');
                setTick((n) => n + 1);
              })
              .catch((e: unknown) => c.flash(refusal(e), 'error'));
          }}
        />
      ) : null}
    </Box>
  );
}

/** Joins the session read-only: its current screen, then live output, until Ctrl-] or its end. */
export async function shadowInPlace(c: ConsoleState, id: string): Promise<void> {
  let shadow;
  try {
    shadow = await c.me.live.shadow(id);
  } catch (e) {
    return c.flash(refusal(e), 'error');
  }
  const s = shadow;
  const ended = await c.aside(async (terminal: ConsoleTerminal): Promise<string | null> => {
    // The notice goes on the bottom row after the session's screen (which clears the screen when
    // it is drawn, again after a resynchronisation), with the cursor saved and restored around it.
    const notice = `\x1b7\x1b[999;1H\x1b[7m [custody] shadowing ${printable(s.info.user, 40)} on ${printable(s.info.target, 80)}: read-only, Ctrl-] to leave \x1b[0m\x1b8`;
    // Only the leave key is read: a shadow never types into the session.
    const stopKeys = terminal.onData((chunk) => {
      if (chunk.includes(LEAVE_SHADOW)) void s.leave();
    });
    const stopEnd = terminal.onEnd(() => void s.leave());
    let reason: string | null = null;
    try {
      for await (const event of s) {
        if (event.type === 'end') reason = event.reason;
        else {
          terminal.write(event.data);
          if (event.type === 'screen') terminal.write(notice);
        }
      }
    } finally {
      stopKeys();
      stopEnd();
      await s.leave();
    }
    return reason;
  });
  c.flash(ended ? `the session ended: ${ended}` : `left the shadow of ${s.info.user}`, 'info');
}
