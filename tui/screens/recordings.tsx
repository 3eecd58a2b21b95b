import { Box, Text } from 'ink';
import React, { useState } from 'react';
import { plural, type RecordingRow } from '../../core/index.ts';
import { useConsole, useNavigation } from '../console-context.tsx';
import { useLoaded } from '../components/use-loaded.ts';
import { useFilterPrompt } from '../components/filter-prompt.tsx';
import { useCursor, VirtualList } from '../components/virtual-list.tsx';
import { Command, commandOf } from '../keys.ts';
import { useKeys } from '../components/use-keys.ts';

/**
 * `/` filter syntax: words `user:NAME`, `target:TEXT` (resource or RESOURCE/ACCOUNT), `since:DATE`,
 * `until:DATE` (ISO dates or times); a bare word matches user or target.
 */
export function parseRecordingFilter(text: string): {
  user?: string;
  target?: string;
  since?: string;
  until?: string;
  any?: string;
} {
  const out: ReturnType<typeof parseRecordingFilter> = {};
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const m = /^(user|target|since|until):(.+)$/.exec(word);
    if (m) out[m[1] as 'user' | 'target' | 'since' | 'until'] = m[2]!;
    else out.any = word;
  }
  return out;
}

/** Auditors and administrators: recordings, newest first, filtered; Enter replays. */
export function RecordingsScreen(props: { height: number; active: boolean }) {
  const c = useConsole();
  const nav = useNavigation();
  const filterPrompt = useFilterPrompt(() => setCursor(0));
  const { filter } = filterPrompt;
  const [tick, setTick] = useState(0);
  const rows = useLoaded<RecordingRow>(async () => {
    const f = parseRecordingFilter(filter);
    const lc = (s: string) => s.toLowerCase();
    return (await c.me.recordings.list({ limit: 2000 })).filter(
      (r) =>
        (!f.user || lc(r.user) === lc(f.user)) &&
        (!f.target || lc(r.target).includes(lc(f.target))) &&
        (!f.since || r.startedAt >= f.since) &&
        (!f.until || r.startedAt <= f.until) &&
        (!f.any || lc(r.user).includes(lc(f.any)) || lc(r.target).includes(lc(f.any))),
    );
  }, [filter, tick, c.session]);
  const listHeight = Math.max(1, props.height - 2);
  const [cursor, move, setCursor] = useCursor(rows?.length ?? 0, listHeight);

  const selected = rows?.[cursor];
  useKeys(
    (input, key) => {
      if (filterPrompt.swallow(input, key)) return;
      const cmd = commandOf(['recordings', 'list', 'keys', 'global'], input, key);
      if (move(cmd)) return;
      if (filterPrompt.handle(cmd)) return;
      if (cmd === Command.Refresh) return setTick((n) => n + 1);
      if (cmd === Command.Replay && selected)
        nav.open({
          screen: 'player',
          recordingId: selected.id,
          title: `${selected.user} → ${selected.target}  ${selected.startedAt}`,
        });
    },
    { isActive: props.active },
  );

  return (
    <Box flexDirection="column" height={props.height}>
      <Text color={c.theme.muted} wrap="truncate-end">
        {`${rows ? plural(rows.length, 'recording') : '… recordings'}${filter ? ` matching "${filter}"` : ''} · / filter (user:NAME target:TEXT since:DATE until:DATE) · Enter replay`}
      </Text>
      <VirtualList
        count={rows?.length ?? 0}
        selected={cursor}
        height={listHeight}
        empty={rows === null ? 'loading…' : 'No recordings.'}
        row={(i) => {
          const r = rows![i]!;
          return `${r.startedAt.replace('T', ' ').slice(0, 19)}  ${r.user.padEnd(12)} ${r.target}  ${r.protocol}  ${r.status}  ${Math.round(r.bytes / 1024)} KiB`;
        }}
      />
      {filterPrompt.view()}
    </Box>
  );
}
