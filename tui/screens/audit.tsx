import { Box, Text } from 'ink';
import React, { useState } from 'react';
import { plural, printable, type AuditRecord } from '../../core/index.ts';
import { useConsole } from '../console-context.tsx';
import { useLoaded } from '../components/use-loaded.ts';
import { useFilterPrompt } from '../components/filter-prompt.tsx';
import { useCursor, VirtualList } from '../components/virtual-list.tsx';
import { Command, commandOf } from '../keys.ts';
import { useKeys } from '../components/use-keys.ts';

/** `/` filter words: `type:`, `actor:`, `target:`, `result:`, `since:`, `until:`. */
export function parseAuditFilter(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const m = /^(type|actor|target|result|since|until):(.+)$/.exec(word);
    if (m) out[m[1]!] = m[2]!;
    else out.type = word;
  }
  return out;
}

/** The audit trail, newest first, filtered through core (auditors and administrators). */
export function AuditScreen(props: { height: number; active: boolean }) {
  const c = useConsole();
  const filterPrompt = useFilterPrompt(() => setCursor(0));
  const { filter } = filterPrompt;
  const [tick, setTick] = useState(0);
  const rows = useLoaded(() => {
    const f = parseAuditFilter(filter);
    return c.me.audit.query({
      ...f,
      result: f.result as AuditRecord['result'] | undefined,
      limit: 1000,
    });
  }, [filter, tick, c.session]);
  const listHeight = Math.max(1, props.height - 3);
  const [cursor, move, setCursor] = useCursor(rows?.length ?? 0, listHeight);

  const selected = rows?.[cursor];
  useKeys(
    (input, key) => {
      if (filterPrompt.swallow(input, key)) return;
      const cmd = commandOf(['list', 'keys', 'global'], input, key);
      if (move(cmd)) return;
      if (filterPrompt.handle(cmd)) return;
      if (cmd === Command.Refresh) setTick((n) => n + 1);
    },
    { isActive: props.active },
  );

  return (
    <Box flexDirection="column" height={props.height}>
      <Text color={c.theme.muted} wrap="truncate-end">
        {`${rows ? plural(rows.length, 'event') : '… events'}${filter ? ` matching "${filter}"` : ''} · / filter (type: actor: target: result: since: until:)`}
      </Text>
      <VirtualList
        count={rows?.length ?? 0}
        selected={cursor}
        height={listHeight}
        empty={rows === null ? 'loading…' : 'No events.'}
        muted={(i) => rows![i]!.result !== 'success'}
        row={(i) => {
          const r = rows![i]!;
          return `${r.at.replace('T', ' ').slice(0, 19)}  ${r.type.padEnd(22)} ${r.result.padEnd(7)} ${r.actor.padEnd(12)} ${r.targetKind}:${r.targetName}`;
        }}
      />
      {filterPrompt.view(
        <Text color={c.theme.muted} wrap="truncate-end">
          {selected
            ? printable(
                `#${selected.seq} ${selected.code} from ${selected.source}: ${selected.details}`,
                1000,
              )
            : ' '}
        </Text>,
      )}
    </Box>
  );
}
