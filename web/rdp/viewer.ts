// The RDP viewer in the browser: a canvas fed over the page's WebSocket with the gateway's
// viewer-protocol frames (protocols/rdp/viewer-protocol.ts). Rectangles arrive as the server
// compressed them and are decoded here by the same decoder the gateway's framebuffer runs. The
// operator's keys go as set-1 scancodes by physical key (protocols/rdp/scancodes.ts), so the
// target's own keyboard layout applies. A shadow (data-mode="shadow") draws the same frames and
// sends nothing. The page has no secret to show: the gateway logs in; the browser only draws.
import { scancodeOf } from '../../protocols/rdp/scancodes.ts';
import type { BitmapRect, DesktopInput } from '../../protocols/rdp/types.ts';
import {
  decodeServerMessage,
  encodeClipboardParts,
  encodeHello,
  encodeInput,
  encodeResizeRequest,
  type ServerMessage,
} from '../../protocols/rdp/viewer-protocol.ts';
import { decodeBitmap } from './decoder.ts';
import { desktopSizeFor, ResizeDebounce } from './resize-watch.ts';

const pageTimers = {
  after(ms: number, fn: () => void): () => void {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

const root = document.getElementById('rdp');
const canvas = root?.querySelector('canvas');
const status = document.getElementById('rdp-status');
const socketPath = root?.dataset.socket;
if (root && canvas && status && socketPath) start(root, canvas, status, socketPath);

function start(root: HTMLElement, canvas: HTMLCanvasElement, status: HTMLElement, socketPath: string): void {
  const shadow = root.dataset.mode === 'shadow';
  const g = canvas.getContext('2d', { alpha: false })!;
  const ws = new WebSocket(`wss://${location.host}${socketPath}`);
  ws.binaryType = 'arraybuffer';
  let state: 'connecting' | 'live' | 'ended' = 'connecting';
  const show = (s: typeof state, text: string) => {
    state = s;
    root.dataset.state = s;
    status.textContent = text;
  };
  show('connecting', 'Connecting…');

  let clip: ClipboardPanel | undefined;
  const send = (frame: Uint8Array) => {
    if (ws.readyState === WebSocket.OPEN && state === 'live') ws.send(frame);
  };

  // Frames are drawn strictly in order; a keyframe's inflation is asynchronous, so each frame
  // waits for the one before it.
  let drawing: Promise<void> = Promise.resolve();
  ws.addEventListener('message', (e) => {
    const frame = new Uint8Array(e.data as ArrayBuffer);
    drawing = drawing
      .then(() => draw(decodeServerMessage(frame)))
      .catch((err: unknown) => {
        show(state === 'ended' ? 'ended' : state, `Display error: ${String((err as Error)?.message ?? err)}`);
      });
  });
  ws.addEventListener('close', () => {
    void drawing.then(() => {
      if (state !== 'ended') show('ended', 'The connection to the gateway closed.');
    });
  });
  const wanted = () =>
    desktopSizeFor(root.getBoundingClientRect(), { width: window.innerWidth, height: window.innerHeight });
  ws.addEventListener('open', () => {
    if (shadow) return;
    const first = wanted();
    ws.send(encodeHello(first));
    // The desktop follows the window: the gateway reconnects at the new size (and answers with a
    // RESIZE, which the canvas follows like any other).
    const debounce = new ResizeDebounce(pageTimers, first, (size) => {
      if (ws.readyState === WebSocket.OPEN && state === 'live') ws.send(encodeResizeRequest(size));
    });
    window.addEventListener('resize', () => debounce.changed(wanted()));
  });

  async function draw(m: ServerMessage): Promise<void> {
    switch (m.type) {
      case 'resize':
        canvas.width = m.width;
        canvas.height = m.height;
        if (state === 'connecting') show('live', shadow ? 'Watching (read-only).' : 'Connected.');
        return;
      case 'rects':
        for (const r of m.rects) drawRect(r);
        root.dataset.frames = String(Number(root.dataset.frames ?? '0') + 1);
        return;
      case 'keyframe': {
        const rgba = await inflate(m.deflated);
        if (canvas.width !== m.width || canvas.height !== m.height) {
          canvas.width = m.width;
          canvas.height = m.height;
        }
        g.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, m.width, m.height), 0, 0);
        if (state === 'connecting') show('live', shadow ? 'Watching (read-only).' : 'Connected.');
        root.dataset.keyframes = String(Number(root.dataset.keyframes ?? '0') + 1);
        return;
      }
      case 'notice':
        status.textContent = m.text;
        return;
      case 'end':
        show('ended', `Session ended: ${m.reason}`);
        return;
      case 'clipboard-policy':
        if (!shadow && (m.toTarget || m.fromTarget)) clip = clipboardPanel(root, m.toTarget, send);
        return;
      case 'clipboard':
        clip?.fromTarget(m.text);
        return;
    }
  }

  function drawRect(r: BitmapRect): void {
    const rgba = decodeBitmap(r);
    const w = Math.min(r.width, r.right - r.left + 1);
    const h = Math.min(r.height, r.bottom - r.top + 1);
    if (w <= 0 || h <= 0) return;
    g.putImageData(
      new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, r.width, r.height),
      r.left,
      r.top,
      0,
      0,
      w,
      h,
    );
  }

  if (!shadow)
    bindInput(canvas, (ev) => {
      if (ws.readyState === WebSocket.OPEN && state === 'live') ws.send(encodeInput(ev));
    });
}

interface ClipboardPanel {
  fromTarget(text: string): void;
}

/**
 * The clipboard box under the desktop, shown only when the gateway says the resource's policy
 * opens a direction (the gateway enforces it whatever this page does). Text copied on the target
 * lands in the box and, where the page may (a secure context with permission), in the browser's
 * clipboard; text pasted while the desktop has the focus, or typed in the box and sent, goes to
 * the target's clipboard.
 */
function clipboardPanel(
  root: HTMLElement,
  toTarget: boolean,
  send: (frame: Uint8Array) => void,
): ClipboardPanel {
  const panel = document.createElement('div');
  panel.id = 'rdp-clipboard';
  const box = document.createElement('textarea');
  box.id = 'rdp-clipboard-text';
  box.rows = 3;
  box.cols = 60;
  box.setAttribute('aria-label', 'Clipboard');
  panel.append(box);
  const offer = (text: string) => {
    for (const frame of encodeClipboardParts(text)) send(frame);
    panel.dataset.sent = String(Number(panel.dataset.sent ?? '0') + 1);
  };
  if (toTarget) {
    const button = document.createElement('button');
    button.id = 'rdp-clipboard-send';
    button.type = 'button';
    button.textContent = "Send to the target's clipboard";
    button.addEventListener('click', () => offer(box.value));
    panel.append(button);
    root.querySelector('canvas')?.addEventListener('paste', (e) => {
      const text = e.clipboardData?.getData('text/plain');
      e.preventDefault();
      if (text) offer(text);
    });
  }
  root.after(panel);
  return {
    fromTarget(text) {
      box.value = text;
      panel.dataset.received = String(Number(panel.dataset.received ?? '0') + 1);
      if (window.isSecureContext) void navigator.clipboard?.writeText(text).catch(() => undefined);
    },
  };
}

/** Keyboard, mouse and wheel on the canvas; whatever is held is released when focus goes. */
function bindInput(canvas: HTMLCanvasElement, send: (ev: DesktopInput) => void): void {
  const keys = new Map<string, { scancode: number; extended: boolean }>();
  const buttons = new Set<1 | 2 | 3>();
  let last = { x: 0, y: 0 };
  canvas.tabIndex = 0;
  canvas.focus();
  const key = (e: KeyboardEvent, down: boolean) => {
    const sc = scancodeOf(e.code);
    e.preventDefault();
    if (!sc) return;
    if (down) keys.set(e.code, sc);
    else keys.delete(e.code);
    send({ kind: 'key', ...sc, down });
  };
  canvas.addEventListener('keydown', (e) => key(e, true));
  canvas.addEventListener('keyup', (e) => key(e, false));
  const at = (e: MouseEvent) => {
    const box = canvas.getBoundingClientRect();
    const x = Math.round(((e.clientX - box.left) * canvas.width) / (box.width || 1));
    const y = Math.round(((e.clientY - box.top) * canvas.height) / (box.height || 1));
    return (last = { x: clamp(x, 0, canvas.width - 1), y: clamp(y, 0, canvas.height - 1) });
  };
  const BUTTONS: Record<number, 1 | 2 | 3> = { 0: 1, 1: 3, 2: 2 };
  canvas.addEventListener('mousemove', (e) => send({ kind: 'move', ...at(e) }));
  canvas.addEventListener('mousedown', (e) => {
    const button = BUTTONS[e.button];
    canvas.focus();
    e.preventDefault();
    if (!button) return;
    buttons.add(button);
    send({ kind: 'button', button, down: true, ...at(e) });
  });
  canvas.addEventListener('mouseup', (e) => {
    const button = BUTTONS[e.button];
    e.preventDefault();
    if (!button) return;
    buttons.delete(button);
    send({ kind: 'button', button, down: false, ...at(e) });
  });
  canvas.addEventListener('contextmenu', (e) => e.preventDefault());
  canvas.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      if (e.deltaY) send({ kind: 'wheel', delta: e.deltaY < 0 ? 120 : -120, ...at(e) });
    },
    { passive: false },
  );
  const releaseAll = () => {
    for (const sc of keys.values()) send({ kind: 'key', ...sc, down: false });
    for (const button of buttons) send({ kind: 'button', button, down: false, ...last });
    keys.clear();
    buttons.clear();
  };
  canvas.addEventListener('blur', releaseAll);
  window.addEventListener('blur', releaseAll);
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) releaseAll();
  });
}

async function inflate(deflated: Uint8Array): Promise<Uint8ClampedArray> {
  const stream = new Blob([deflated as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8ClampedArray(await new Response(stream).arrayBuffer());
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
