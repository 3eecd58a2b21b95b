// An RDP server stand-in for viewer tests that need no real server: the dialer hands out a
// desktop that paints uncompressed 32-bit rectangles when the test asks and records every input
// it receives, and a framebuffer that draws exactly those rectangles. The real servers (xrdp,
// FreeRDP's shadow) are in ./rdp-servers.ts.
import type { SessionGrant } from '../../core/index.ts';
import type { DesktopDialer, DesktopFramebuffer, DesktopTarget } from '../../gateway/index.ts';
import type { BitmapRect, DesktopInput, DesktopSize } from '../../protocols/rdp/types.ts';

export interface StandInDesktop {
  size: DesktopSize;
  grant: SessionGrant;
  /** Every input that reached the "server", in order. */
  inputs: DesktopInput[];
  /** Fills a rectangle with one colour (one uncompressed 32 bpp bitmap). */
  paint(x: number, y: number, w: number, h: number, rgb: [number, number, number]): void;
  /** The server ends the session. */
  hangUp(reason: string): void;
  closed: boolean;
  /** Display Control stand-ins: the sizes asked for on this connection. */
  layouts: DesktopSize[];
  /** Display Control stand-ins: the server reactivates this connection at `size` and repaints. */
  reactivate(size: DesktopSize): void;
}

export function standInDialer(
  opts: {
    size?: DesktopSize;
    background?: [number, number, number];
    /**
     * The server has Display Control: 'acts' reactivates at the size asked for (as xrdp does),
     * 'ignores' takes the layout and does nothing (the gateway's bound then reconnects).
     */
    displayControl?: 'acts' | 'ignores';
  } = {},
): {
  dial: DesktopDialer;
  desktops: StandInDesktop[];
  /** Resolves with the next desktop dialled. */
  next(): Promise<StandInDesktop>;
} {
  const desktops: StandInDesktop[] = [];
  const waiting: ((d: StandInDesktop) => void)[] = [];
  const dial: DesktopDialer = async (grant, asked) => {
    let size = opts.size ?? asked;
    let emit: (rects: BitmapRect[]) => void = () => undefined;
    let serverResized: (s: DesktopSize) => void = () => undefined;
    let finish: (d: { reason: string }) => void = () => undefined;
    const done = new Promise<{ reason: string }>((r) => (finish = r));
    const d: StandInDesktop = {
      size,
      grant,
      inputs: [],
      closed: false,
      paint: (x, y, w, h, rgb) => emit([solid(x, y, w, h, rgb)]),
      hangUp: (reason) => finish({ reason }),
      layouts: [],
      reactivate: (s) => {
        size = d.size = s;
        serverResized(s);
        d.paint(0, 0, s.width, s.height, opts.background ?? [0, 0, 96]);
      },
    };
    const target: DesktopTarget = {
      get size() {
        return size;
      },
      onBitmap: (cb) => (emit = cb),
      ...(opts.displayControl
        ? {
            requestSize: (s: DesktopSize) => {
              d.layouts.push(s);
              if (opts.displayControl === 'acts') setImmediate(() => d.reactivate(s));
              return true;
            },
            onServerResize: (cb: (s: DesktopSize) => void) => void (serverResized = cb),
          }
        : {}),
      input: (ev) => d.inputs.push(ev),
      close: () => {
        d.closed = true;
        finish({ reason: 'closed by the gateway' });
      },
      done,
    };
    desktops.push(d);
    for (const w of waiting.splice(0)) w(d);
    // The first picture, as a real server draws its desktop right after the login.
    setImmediate(() => d.paint(0, 0, size.width, size.height, opts.background ?? [0, 0, 96]));
    return target;
  };
  return {
    dial,
    desktops,
    next: () => new Promise((resolve) => waiting.push(resolve)),
  };
}

/** One colour, as a raw bitmap: B, G, R, X per pixel, rows bottom-up. */
export function solid(
  x: number,
  y: number,
  w: number,
  h: number,
  [r, g, b]: [number, number, number],
): BitmapRect {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < data.length; i += 4) {
    data[i] = b;
    data[i + 1] = g;
    data[i + 2] = r;
    data[i + 3] = 0;
  }
  return {
    left: x,
    top: y,
    right: x + w - 1,
    bottom: y + h - 1,
    width: w,
    height: h,
    bpp: 32,
    compressed: false,
    data,
  };
}

/** Draws the stand-in's raw 32 bpp rectangles (and nothing else). */
export function rawFramebuffer(width: number, height: number): DesktopFramebuffer {
  let w = width;
  let h = height;
  let px = new Uint8ClampedArray(w * h * 4);
  return {
    get width() {
      return w;
    },
    get height() {
      return h;
    },
    apply(r) {
      if (r.compressed || r.bpp !== 32) throw new Error('the stand-in framebuffer draws raw 32 bpp only');
      for (let y = 0; y < r.height && r.top + y <= Math.min(r.bottom, h - 1); y++)
        for (let x = 0; x < r.width && r.left + x <= Math.min(r.right, w - 1); x++) {
          const from = ((r.height - 1 - y) * r.width + x) * 4;
          const to = ((r.top + y) * w + r.left + x) * 4;
          px[to] = r.data[from + 2]!;
          px[to + 1] = r.data[from + 1]!;
          px[to + 2] = r.data[from]!;
          px[to + 3] = 255;
        }
    },
    snapshot: () => px.slice(),
    resize(nw, nh) {
      w = nw;
      h = nh;
      px = new Uint8ClampedArray(w * h * 4);
    },
  };
}
