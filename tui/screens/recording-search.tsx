import { Box, Text, type Key } from 'ink';
import React, { useState } from 'react';
import { plural, type RecordingHit } from '../../core/index.ts';
import { refusal, useConsole, useNavigation } from '../console-context.tsx';
import { Prompt, usePrompt } from '../components/prompt.tsx';
import { useKeys } from '../components/use-keys.ts';
import { useLoaded } from '../components/use-loaded.ts';
import { useCursor, VirtualList } from '../components/virtual-list.tsx';
import { Command, commandOf } from '../keys.ts';

/** h:mm:ss into a recording. */
export function offsetClock(seconds: number): string {
  const t = Math.max(0, Math.floor(seconds));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
}

/** The Recordings screen's `s`: asks for the words; Esc on the results goes back to the list. */
export function useSearchPrompt() {
  const [text, setText] = useState('');
  const prompt = usePrompt<true>();
  return {
    text,
    clear: () => setText(''),
    swallow: (input: string, key: Key) => prompt.swallow(input, key),
    handle(cmd: Command | undefined): boolean {
      if (cmd !== Command.Search) return false;
      prompt.ask(true);
      return true;
    },
    view(otherwise: React.ReactNode = null): React.ReactNode {
      if (!prompt.open) return otherwise;
      return (
        <Prompt
          early={prompt.early}
          label="Search recordings for:"
          initial={text}
          onCancel={() => prompt.close()}
          onSubmit={(v) => {
            prompt.close();
            setText(v);
          }}
        />
      );
    },
  };
}

export type SearchPrompt = ReturnType<typeof useSearchPrompt>;

/**
 * Lines the sessions showed or typed that match the search, newest recording first; Enter opens
 * the player paused at that moment. Core decides who may search (the same people as may replay).
 */
export function RecordingSearchResults(props: {
  text: string;
  filter: { user?: string; target?: string; since?: string; until?: string };
  height: number;
  active: boolean;
  prompt: SearchPrompt;
}) {
  const c = useConsole();
  const nav = useNavigation();
  const { prompt, filter } = props;
  const [error, setError] = useState<string | undefined>(undefined);
  const hits = useLoaded<RecordingHit>(async () => {
    try {
      setError(undefined);
      const resource = filter.target?.split('/')[0];
      return await c.me.recordingSearch.search(props.text, {
        ...(filter.user ? { user: filter.user } : {}),
        ...(resource ? { resource } : {}),
        ...(filter.since ? { since: filter.since } : {}),
        ...(filter.until ? { until: filter.until } : {}),
        limit: 1000,
      });
    } catch (e) {
      setError(refusal(e));
      return [];
    }
  }, [props.text, filter.user, filter.target, filter.since, filter.until, c.session]);
  const listHeight = Math.max(1, props.height - 2);
  const [cursor, move] = useCursor(hits?.length ?? 0, listHeight);
  const selected = hits?.[cursor];
  useKeys(
    (input, key) => {
      if (prompt.swallow(input, key)) return;
      const cmd = commandOf(['recordings', 'list', 'keys', 'global'], input, key);
      if (move(cmd)) return;
      if (prompt.handle(cmd)) return;
      if (cmd === Command.Back) return prompt.clear();
      if ((cmd === Command.Replay || cmd === Command.Open) && selected)
        nav.open({
          screen: 'player',
          recordingId: selected.recordingId,
          title: `${selected.user} → ${selected.target}  ${selected.startedAt}  at ${offsetClock(selected.offset)}`,
          at: selected.offset,
        });
    },
    { isActive: props.active },
  );
  const count = hits ? plural(hits.length, 'match', 'matches') : '… matches';
  return (
    <Box flexDirection="column" height={props.height}>
      <Text color={error ? c.theme.danger : c.theme.muted} wrap="truncate-end">
        {error ??
          `${count} for "${props.text}" · Enter replays from the hit · s search again · Esc back to the list`}
      </Text>
      <VirtualList
        count={hits?.length ?? 0}
        selected={cursor}
        height={listHeight}
        empty={hits === null ? 'searching…' : 'No matches.'}
        row={(i) => {
          const h = hits![i]!;
          return `${h.startedAt.replace('T', ' ').slice(0, 16)}  ${offsetClock(h.offset)}  ${h.user.padEnd(10)} ${h.target}  ${h.kind === 'command' ? '$' : ' '} ${h.line}`;
        }}
      />
      {prompt.view()}
    </Box>
  );
}
