import { Box, Text } from 'ink';
import React, { useRef, useState } from 'react';
import { plural, recordingPagePath, type RecordingRow } from '../../core/index.ts';
import { useConsole, useNavigation } from '../console-context.tsx';
import { useLoaded } from '../components/use-loaded.ts';
import { useFilterPrompt } from '../components/filter-prompt.tsx';
import { useCursor, VirtualList } from '../components/virtual-list.tsx';
import { Command, commandOf } from '../keys.ts';
import { useKeys } from '../components/use-keys.ts';
import { RecordingSearchResults, useSearchPrompt, type SearchPrompt } from './recording-search.tsx';

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

/**
 * Auditors and administrators: recordings, newest first, filtered; Enter replays. `s` searches
 * what the sessions showed and typed instead (./recording-search.tsx), within the filter.
 */
export function RecordingsScreen(props: { height: number; active: boolean }) {
  // The list's cursor goes back to the first row when the filter changes (the list sets this).
  const toFirstRow = useRef<() => void>(() => undefined);
  const filterPrompt = useFilterPrompt(() => toFirstRow.current());
  const { filter } = filterPrompt;
  const search = useSearchPrompt();
  const [tick, setTick] = useState(0);
  if (search.text)
    return (
      <RecordingSearchResults
        text={search.text}
        filter={parseRecordingFilter(filter)}
        height={props.height}
        active={props.active}
        prompt={search}
      />
    );
  return (
    <RecordingList
      {...props}
      filterPrompt={filterPrompt}
      search={search}
      tick={[tick, setTick]}
      toFirstRow={toFirstRow}
    />
  );
}

function RecordingList(props: {
  height: number;
  active: boolean;
  filterPrompt: ReturnType<typeof useFilterPrompt>;
  search: SearchPrompt;
  tick: [number, React.Dispatch<React.SetStateAction<number>>];
  toFirstRow: React.RefObject<() => void>;
}) {
  const c = useConsole();
  const nav = useNavigation();
  const { filterPrompt, search } = props;
  const { filter } = filterPrompt;
  const [tick, setTick] = props.tick;
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
  props.toFirstRow.current = () => setCursor(0);

  const selected = rows?.[cursor];
  useKeys(
    (input, key) => {
      if (filterPrompt.swallow(input, key) || search.swallow(input, key)) return;
      const cmd = commandOf(['recordings', 'list', 'keys', 'global'], input, key);
      if (move(cmd)) return;
      if (filterPrompt.handle(cmd) || search.handle(cmd)) return;
      if (cmd === Command.Refresh) return setTick((n) => n + 1);
      if (cmd === Command.WebLink && selected)
        return void c.showWebLink(recordingPagePath(selected), `Replay ${selected.id} in a browser`);
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
        {`${rows ? plural(rows.length, 'recording') : '… recordings'}${filter ? ` matching "${filter}"` : ''} · / filter (user:NAME target:TEXT since:DATE until:DATE) · s search · Enter replay · w browser link`}
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
      {filterPrompt.view(search.view())}
    </Box>
  );
}
