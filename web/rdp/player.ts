// The desktop recording player: a canvas drawn by the same RDP decoder the gateway runs, from
// stretches of the recording the gateway decrypts and hands over still deflated
// (protocols/rdp/desktop-segment.ts). A seek asks for the stretch starting at the keyframe before
// the moment and replays up to it; playback then asks for the next stretch before this one runs
// out. Seek, pause and speed (0.5–8×) are the page's controls; `window.custodyDesktopPlayer` and
// the root's data-state / data-position attributes let tests (and later controls: markers, skip
// idle, thumbnails) drive it.
import { Framebuffer } from '../../protocols/rdp/codec/index.ts';
import { decodeDesktopEvents, type DesktopEvent } from '../../protocols/rdp/desktop-log.ts';
import { decodeDesktopSegment, type DesktopSegment } from '../../protocols/rdp/desktop-segment.ts';
import { keyframeRect } from '../../protocols/rdp/keyframe.ts';

const SPEEDS = [0.5, 1, 2, 4, 8];
/** Ask for the next stretch when fewer than this many seconds of events are left. */
const READ_AHEAD_SECONDS = 10;

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
    setSpeed: (s: number) => {
      if (SPEEDS.includes(s)) {
        speed = s;
        speedSelect.value = String(s);
      }
    },
  };
  requestAnimationFrame(tick);
  seek(0).catch(fail);
}
