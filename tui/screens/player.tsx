import { Box, Text } from 'ink';
import React, { useEffect, useRef, useState } from 'react';
import { refusal, useConsole, useNavigation } from '../console-context.tsx';
import { Command, commandOf } from '../keys.ts';
import { printable, type RecordingMarker } from '../../core/index.ts';
import { Replay } from '../player/replay.ts';
import { useKeys } from '../components/use-keys.ts';

const SPEEDS = [0.5, 1, 2, 4, 8] as const;
/** Frame interval while playing: smooth enough for a terminal, cheap over SSH. */
const TICK_MS = 100;
/** With "skip idle" on, a pause longer than this is cut to it. */
const IDLE_CAP_SECONDS = 1;

const clock = (s: number) => {
  const t = Math.max(0, Math.floor(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return `${h ? `${h}:` : ''}${String(m).padStart(h ? 2 : 1, '0')}:${String(sec).padStart(2, '0')}`;
};

/** Rows the marker list takes under the screen when it is shown. */
const MARKER_ROWS = 6;

/**
 * Replays a terminal recording inside the console: play/pause, 0.5–8×, ±10 s, ±1 min, skip idle,
 * and the recording's markers (session start, shadows, termination, commands typed): `[` and `]`
 * jump to the previous and next one, `m` lists them. Opened from a search hit (`at`), it shows
 * that moment, paused.
 */
export function PlayerScreen(props: {
  recordingId: string;
  title: string;
  at?: number;
  height: number;
  active: boolean;
}) {
  const c = useConsole();
  const nav = useNavigation();
  const replay = useRef<Replay | null>(null);
  const [lines, setLines] = useState<string[]>([]);
  const [t, setT] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<(typeof SPEEDS)[number]>(1);
  const [skipIdle, setSkipIdle] = useState(true);
  const [seekMs, setSeekMs] = useState<number | null>(null);
  const [ready, setReady] = useState<'loading' | 'preparing' | 'ready'>('loading');
  /** Why the recording is read whole once before it plays (no usable screen index), if it is. */
  const [rebuilt, setRebuilt] = useState<string | undefined>(undefined);
  const [indexed, setIndexed] = useState<RecordingMarker[]>([]);
  const [seen, setSeen] = useState<RecordingMarker[]>([]);
  const markers = indexed.length > 0 ? indexed : seen;
  const [showMarkers, setShowMarkers] = useState(false);
  const busy = useRef(false);
  // Seeks and playback steps drive one emulator: they run one after another, each from where the
  // previous one left it (two seeks started together would both start from the same position and
  // write the recording into the emulator twice over).
  const work = useRef<Promise<void>>(Promise.resolve());
  const serial = (fn: () => Promise<void>) => {
    const run = work.current.then(fn);
    work.current = run.catch(() => undefined);
    return run;
  };

  useEffect(() => {
    let gone = false;
    (async () => {
      const reader = await c.me.recordings.openReader(props.recordingId);
      const r = Replay.open(reader);
      if (gone) return r.dispose();
      // Without a search index the list fills with the markers playback passes.
      r.onMarker = (at, label) =>
        setSeen((ms) =>
          ms.some((m) => m.offset === at && m.label === label)
            ? ms
            : [...ms, { offset: at, kind: 'marker' as const, label }].sort((x, y) => x.offset - y.offset),
        );
      replay.current = r;
      setRebuilt(reader.prepared ? undefined : reader.rebuilt);
      setReady('preparing');
      await r.prepare();
      if (gone) return;
      if (props.at !== undefined) await r.seek(props.at);
      if (gone) return;
      setLines(r.lines());
      setT(r.position);
      setReady('ready');
      setPlaying(props.at === undefined);
    })().catch((e: unknown) => {
      if (gone) return;
      c.flash(refusal(e), 'error');
      nav.back();
    });
    // Markers come from the search index; without one (indexing off) the list is empty.
    c.me.recordingSearch.markers(props.recordingId).then(
      (m) => void (gone || setIndexed(m)),
      () => undefined,
    );
    return () => {
      gone = true;
      replay.current?.dispose();
    };
  }, [props.recordingId]);

  // Playback: each tick moves the recording on by the wall time that passed, times the speed.
  useEffect(() => {
    const r = replay.current;
    if (!playing || !r || ready !== 'ready') return;
    const started = c.timers.now();
    const handle = c.timers.setTimeout(() => {
      if (busy.current) return;
      busy.current = true;
      const elapsed = ((c.timers.now() - started) / 1000) * speed;
      void serial(async () => {
        // From where the emulator is now: a seek queued before this step has moved it.
        const from = r.position;
        let next = from + elapsed;
        if (skipIdle) {
          const upcoming = await r.nextEventAfter(from);
          if (upcoming !== undefined && upcoming - from > IDLE_CAP_SECONDS && next < upcoming)
            next = Math.max(next, upcoming - IDLE_CAP_SECONDS);
        }
        await r.advanceTo(next);
      })
        .then(() => {
          setLines(r.lines());
          setT(r.position);
          if (r.position >= r.duration) setPlaying(false);
        })
        .finally(() => (busy.current = false));
    }, TICK_MS);
    return () => c.timers.clearTimeout(handle);
  }, [playing, t, speed, skipIdle, ready, c.timers]);

  const seekBy = (delta: number) => seekTo((r) => r.position + delta);
  const seekTo = (where: (r: Replay) => number | undefined) => {
    const r = replay.current;
    if (!r || ready !== 'ready') return;
    void serial(async () => {
      const to = where(r);
      if (to === undefined) return;
      const started = performance.now();
      await r.seek(to);
      setSeekMs(performance.now() - started);
      setLines(r.lines());
      setT(r.position);
    });
  };

  useKeys(
    (input, key) => {
      const cmd = commandOf(['player', 'keys', 'global'], input, key);
      if (cmd === Command.Back) return nav.back();
      if (cmd === Command.PlayPause) {
        const r = replay.current;
        if (r && !playing && r.position >= r.duration) void serial(() => r.seek(0)).then(() => setT(0));
        return setPlaying((p) => !p);
      }
      if (cmd === Command.Faster)
        return setSpeed((v) => SPEEDS[Math.min(SPEEDS.length - 1, SPEEDS.indexOf(v) + 1)]!);
      if (cmd === Command.Slower) return setSpeed((v) => SPEEDS[Math.max(0, SPEEDS.indexOf(v) - 1)]!);
      if (cmd === Command.SeekBack) return seekBy(-10);
      if (cmd === Command.SeekForward) return seekBy(10);
      if (cmd === Command.SeekBackMinute) return seekBy(-60);
      if (cmd === Command.SeekForwardMinute) return seekBy(60);
      if (cmd === Command.SkipIdle) return setSkipIdle((s) => !s);
      if (cmd === Command.Markers) return setShowMarkers((s) => !s);
      // Half a second of slack: `[` right after a jump goes to the marker before, not the same one.
      if (cmd === Command.NextMarker)
        return seekTo((r) => markers.find((m) => m.offset > r.position + 0.001)?.offset);
      if (cmd === Command.PreviousMarker)
        return seekTo((r) => markers.findLast((m) => m.offset < r.position - 0.5)?.offset ?? 0);
    },
    { isActive: props.active },
  );

  const r = replay.current;
  const listRows = showMarkers ? Math.min(MARKER_ROWS, Math.max(1, markers.length)) : 0;
  const screenRows = Math.max(1, props.height - 2 - listRows);
  const current = markers.findLastIndex((m) => m.offset <= t + 0.001);
  const first = Math.max(0, Math.min(current - 1, markers.length - listRows));
  const status =
    ready !== 'ready'
      ? `${ready === 'loading' ? 'opening' : 'indexing'} ${props.title}${rebuilt ? ` (${rebuilt}: one pass over the recording)` : ''} …`
      : `${playing ? '▶' : '❚❚'} ${clock(t)} / ${clock(r?.duration ?? 0)}  ${speed}×  skip idle ${skipIdle ? 'on' : 'off'}${seekMs !== null ? `  seek ${seekMs.toFixed(0)} ms` : ''}${current >= 0 ? `  ◆ ${markers[current]!.kind === 'command' ? '$ ' : ''}${printable(markers[current]!.label, 60)}` : ''}  ·  Space ± ←→ ↑↓ i [ ] m${markers.length ? ` (${markers.length} markers)` : ''}  Esc back`;
  return (
    <Box flexDirection="column" height={props.height}>
      <Text color={c.theme.accent} wrap="truncate-end">
        {printable(props.title, 500)}
      </Text>
      <Box flexDirection="column" height={screenRows} overflow="hidden" borderStyle={undefined}>
        {lines.slice(0, screenRows).map((l, i) => (
          <Text key={i} wrap="truncate-end">
            {l || ' '}
          </Text>
        ))}
      </Box>
      {showMarkers ? (
        <Box flexDirection="column" height={listRows}>
          {markers.length === 0 ? (
            <Text color={c.theme.muted}>
              No markers yet (without a search index, markers appear as playback passes them).
            </Text>
          ) : (
            markers.slice(first, first + listRows).map((m, i) => (
              <Text key={first + i} wrap="truncate-end" inverse={first + i === current}>
                {`${first + i === current ? '›' : ' '} ${clock(m.offset).padStart(8)}  ${m.kind === 'command' ? '$ ' : ''}${printable(m.label, 300)}`}
              </Text>
            ))
          )}
        </Box>
      ) : null}
      <Text color={c.theme.muted} wrap="truncate-end">
        {status}
      </Text>
    </Box>
  );
}
