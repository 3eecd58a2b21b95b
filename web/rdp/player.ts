// The desktop recording player: a canvas drawn by the same RDP decoder the gateway runs, from
// stretches of the recording the gateway decrypts and hands over still deflated
// (protocols/rdp/desktop-segment.ts). A seek asks for the stretch starting at the keyframe before
// the moment and replays up to it; playback then asks for the next stretch before this one runs
// out. Seek, pause, speed (0.5–8×) and skip idle are the page's controls; under the canvas the
// timeline (protocols/rdp/desktop-timeline.ts, fetched once) draws the activity track (screen
// changes, keys, mouse; markers as red ticks; click to seek), the keyframes as thumbnails and the
// marker list, each a way to seek. `window.custodyDesktopPlayer` and the root's data-state /
// data-position / data-skips attributes let tests drive and watch it.
import { Framebuffer } from '../../protocols/rdp/codec/index.ts';
import { decodeDesktopEvents, type DesktopEvent } from '../../protocols/rdp/desktop-log.ts';
import { decodeDesktopSegment, type DesktopSegment } from '../../protocols/rdp/desktop-segment.ts';
import type { DesktopTimeline } from '../../protocols/rdp/desktop-timeline.ts';
import { keyframeRect } from '../../protocols/rdp/keyframe.ts';

const SPEEDS = [0.5, 1, 2, 4, 8];
/** Ask for the next stretch when fewer than this many seconds of events are left. */
const READ_AHEAD_SECONDS = 10;
/** Thumbnails on the timeline at most (spread evenly over the keyframes). */
const MAX_THUMBNAILS = 12;
/**
 * Skip idle plays this much of each end of an idle stretch, so the viewer sees it begin and end
 * (the terminal player likewise caps an idle pause at two seconds).
 */
const IDLE_KEPT_SECONDS = 1;
/** The activity track's colours: background, idle stretch, screen, keys, mouse, marker. */
const TRACK = {
  background: '#f4f4f4',
  idle: '#dcdcdc',
  screen: '#808080',
  keys: '#2060c0',
  pointer: '#20a050',
  marker: '#d03030',
} as const;
const TRACK_ROWS = ['screen', 'keys', 'pointer'] as const;

const root = document.getElementById('desktop-player');
if (root) start(root);

async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function eventsOf(seg: DesktopSegment): Promise<DesktopEvent[]> {
  const out: DesktopEvent[] = [];
  for (const log of seg.logs) out.push(...decodeDesktopEvents(await inflate(log)));
  return out;
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function start(root: HTMLElement): void {
  const url = root.dataset.segments!;
  const canvas = root.querySelector('canvas')!;
  const g = canvas.getContext('2d', { alpha: false })!;
  const playButton = root.querySelector<HTMLButtonElement>('[data-act="play"]')!;
  const seekBar = root.querySelector<HTMLInputElement>('[data-act="seek"]')!;
  const speedSelect = root.querySelector<HTMLSelectElement>('[data-act="speed"]')!;
  const timeLabel = root.querySelector<HTMLElement>('[data-role="time"]')!;
  const status = root.querySelector<HTMLElement>('[data-role="status"]')!;
  const skipBox = root.querySelector<HTMLInputElement>('[data-act="skip-idle"]')!;
  const track = root.querySelector<HTMLCanvasElement>('[data-role="activity"]')!;
  const thumbnails = root.querySelector<HTMLElement>('[data-role="thumbnails"]')!;
  const markerList = root.querySelector<HTMLElement>('[data-role="markers"]')!;

  let fb: Framebuffer | undefined;
  let pending: DesktopEvent[] = [];
  let position = 0;
  let duration = Number(root.dataset.duration ?? '0');
  let next = 0;
  let chunks = 0;
  let playing = false;
  let speed = 1;
  let dirty = false;
  let generation = 0;
  let reading: Promise<void> | undefined;
  let lastFrame = 0;
  let timeline: DesktopTimeline | undefined;
  let skipIdle = false;
  let skips = 0;

  const setState = (s: string) => {
    root.dataset.state = s;
    root.dataset.position = position.toFixed(3);
  };
  const fetchSegment = async (query: string): Promise<DesktopSegment> => {
    const r = await fetch(`${url}?${query}`, { credentials: 'same-origin' });
    if (!r.ok) throw new Error(`the recording cannot be read (${r.status})`);
    const seg = decodeDesktopSegment(new Uint8Array(await r.arrayBuffer()));
    duration = Math.max(duration, seg.durationMs / 1000);
    seekBar.max = String(duration);
    next = seg.next;
    chunks = seg.chunks;
    return seg;
  };
  const apply = (ev: DesktopEvent) => {
    if (ev.kind === 'resize') {
      if (!fb) fb = new Framebuffer(ev.width, ev.height);
      else fb.resize(ev.width, ev.height);
      dirty = true;
    } else if (ev.kind === 'rect' && fb) {
      try {
        fb.apply(ev.rect);
      } catch {
        // What the decoder refused live was not drawn then either.
      }
      dirty = true;
    }
  };
  const draw = () => {
    if (!fb || !dirty) return;
    if (canvas.width !== fb.width || canvas.height !== fb.height) {
      canvas.width = fb.width;
      canvas.height = fb.height;
    }
    g.putImageData(new ImageData(fb.snapshot() as Uint8ClampedArray<ArrayBuffer>, fb.width, fb.height), 0, 0);
    dirty = false;
  };
  const showTime = () => {
    timeLabel.textContent = `${clock(position)} / ${clock(duration)}`;
    if (document.activeElement !== seekBar) seekBar.value = String(position);
  };
  const fail = (e: unknown) => {
    playing = false;
    status.textContent = e instanceof Error ? e.message : String(e);
    setState('error');
  };

  const seek = async (t: number): Promise<void> => {
    const mine = ++generation;
    setState('loading');
    const target = Math.max(0, t);
    const seg = await fetchSegment(`at=${encodeURIComponent(target.toFixed(3))}`);
    const events = await eventsOf(seg);
    let screen: Framebuffer | undefined;
    if (seg.keyframe) {
      const k = seg.keyframe;
      screen = new Framebuffer(k.width, k.height);
      screen.apply(keyframeRect(await inflate(k.deflated), k.width, k.height));
    }
    if (mine !== generation) return; // a later seek took over
    fb = screen;
    dirty = true;
    let i = 0;
    for (; i < events.length && events[i]!.t <= target; i++) apply(events[i]!);
    pending = events.slice(i);
    position = Math.min(target, duration);
    draw();
    showTime();
    setState(playing ? 'playing' : 'paused');
  };
  const readAhead = () => {
    if (reading || next >= chunks) return;
    const mine = generation;
    reading = fetchSegment(`chunk=${next}`)
      .then(eventsOf)
      .then((events) => {
        if (mine === generation) pending.push(...events);
      })
      .catch(fail)
      .finally(() => {
        reading = undefined;
      });
  };
  const play = () => {
    if (position >= duration && next >= chunks) void seek(0).catch(fail);
    playing = true;
    lastFrame = performance.now();
    playButton.textContent = 'Pause';
    setState('playing');
  };
  const pause = () => {
    playing = false;
    playButton.textContent = 'Play';
    setState('paused');
  };
  const tick = (now: number) => {
    if (playing && root.dataset.state === 'playing') {
      position += ((now - lastFrame) / 1000) * speed;
      if (skipIdle && skipOver()) {
        lastFrame = now;
        requestAnimationFrame(tick);
        return;
      }
      while (pending.length && pending[0]!.t <= position) apply(pending.shift()!);
      const left = pending.length ? pending[pending.length - 1]!.t - position : 0;
      if (left < READ_AHEAD_SECONDS) readAhead();
      if (position >= duration && !pending.length && next >= chunks) {
        position = duration;
        pause();
        setState('ended');
      }
      draw();
      showTime();
      root.dataset.position = position.toFixed(3);
    }
    lastFrame = now;
    requestAnimationFrame(tick);
  };

  /**
   * Inside an idle stretch (past its first second, before its last): on to its last second. Within
   * what is already fetched that is a fast-forward; further on it is a seek.
   */
  const skipOver = (): boolean => {
    const stretch = timeline?.idle.find(
      (s) => position >= s.from + IDLE_KEPT_SECONDS && position < s.to - IDLE_KEPT_SECONDS,
    );
    if (!stretch) return false;
    const target = stretch.to - IDLE_KEPT_SECONDS;
    skips++;
    root.dataset.skips = String(skips);
    root.dataset.lastSkip = `${stretch.from}-${stretch.to}`;
    const fetched = next >= chunks || (pending.length > 0 && pending[pending.length - 1]!.t >= target);
    if (fetched) {
      position = target;
      return false;
    }
    void seek(target).catch(fail);
    return true;
  };

  const drawTrack = (t: DesktopTimeline) => {
    const g2 = track.getContext('2d', { alpha: false })!;
    const w = track.width;
    const rowHeight = Math.floor(track.height / TRACK_ROWS.length);
    const seconds = Math.max(duration, t.durationMs / 1000, 0.001);
    const x = (s: number) => Math.round((s / seconds) * w);
    g2.fillStyle = TRACK.background;
    g2.fillRect(0, 0, w, track.height);
    g2.fillStyle = TRACK.idle;
    for (const s of t.idle) g2.fillRect(x(s.from), 0, Math.max(1, x(s.to) - x(s.from)), track.height);
    TRACK_ROWS.forEach((row, r) => {
      const values = row === 'screen' ? t.painted : row === 'keys' ? t.keys : t.pointer;
      const max = Math.max(...values, row === 'screen' ? 1 : 0, 1e-9);
      g2.fillStyle = TRACK[row];
      values.forEach((v, b) => {
        if (!v) return;
        const from = x(b * t.bucketSeconds);
        const to = Math.max(from + 1, x((b + 1) * t.bucketSeconds));
        // At least two pixels high, so one key press still shows.
        const h = Math.max(2, Math.round((v / max) * (rowHeight - 1)));
        g2.fillRect(from, (r + 1) * rowHeight - h, to - from, h);
      });
    });
    g2.fillStyle = TRACK.marker;
    for (const m of t.markers) g2.fillRect(Math.min(w - 2, x(m.t)), 0, 2, track.height);
  };
  const seekButton = (t: number, text: string): HTMLButtonElement => {
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.t = String(t);
    b.textContent = text;
    b.addEventListener('click', () => void seek(t).catch(fail));
    return b;
  };
  const showTimeline = (t: DesktopTimeline) => {
    timeline = t;
    duration = Math.max(duration, t.durationMs / 1000);
    drawTrack(t);
    const picks =
      t.keyframes.length <= MAX_THUMBNAILS
        ? t.keyframes
        : Array.from(
            { length: MAX_THUMBNAILS },
            (_, i) => t.keyframes[Math.round((i * (t.keyframes.length - 1)) / (MAX_THUMBNAILS - 1))]!,
          );
    thumbnails.replaceChildren(
      ...picks.map((k) => {
        const b = seekButton(k.t, '');
        const img = document.createElement('img');
        img.alt = `the screen at ${clock(k.t)}`;
        img.title = clock(k.t);
        img.loading = 'lazy';
        img.src = `${root.dataset.thumbnailUrl!}?chunk=${k.chunk}`;
        b.append(img);
        return b;
      }),
    );
    markerList.replaceChildren(
      ...t.markers.map((m) => {
        const li = document.createElement('li');
        li.append(seekButton(m.t, clock(m.t)), ` ${m.label}`);
        return li;
      }),
    );
    root.dataset.timeline = 'ready';
  };
  const loadTimeline = async () => {
    const r = await fetch(root.dataset.timelineUrl!, { credentials: 'same-origin' });
    if (!r.ok) throw new Error(`the timeline cannot be read (${r.status})`);
    showTimeline((await r.json()) as DesktopTimeline);
  };
  track.addEventListener('click', (e) => {
    const box = track.getBoundingClientRect();
    void seek(((e.clientX - box.left) / box.width) * duration).catch(fail);
  });
  skipBox.addEventListener('change', () => (skipIdle = skipBox.checked));

  playButton.addEventListener('click', () => (playing ? pause() : play()));
  seekBar.addEventListener('change', () => void seek(Number(seekBar.value)).catch(fail));
  speedSelect.addEventListener('change', () => {
    const s = Number(speedSelect.value);
    if (SPEEDS.includes(s)) speed = s;
  });
  root.addEventListener('keydown', (e) => {
    if (e.key === ' ' && e.target === root) {
      e.preventDefault();
      if (playing) pause();
      else play();
    }
  });

  (window as unknown as { custodyDesktopPlayer: unknown }).custodyDesktopPlayer = {
    seek: (t: number) => seek(t),
    play,
    pause,
    setSkipIdle: (on: boolean) => {
      skipIdle = on;
      skipBox.checked = on;
    },
    timeline: () => timeline,
    setSpeed: (s: number) => {
      if (SPEEDS.includes(s)) {
        speed = s;
        speedSelect.value = String(s);
      }
    },
  };
  requestAnimationFrame(tick);
  seek(0).catch(fail);
  // The timeline is an aid: without it the recording still plays.
  loadTimeline().catch((e: unknown) => {
    status.textContent = e instanceof Error ? e.message : String(e);
    root.dataset.timeline = 'failed';
  });
}
