// The pieces of "the desktop follows the browser window", on a manual clock: the page's debounce
// (one request once the window stops changing), the gateway's checks on the size asked for (a
// stable error outside Display Control's bounds, widths rounded to a multiple of 4, the gateway's
// own limits), the rate limit on reconnects (one every two seconds, the newest size wins, never two
// at once), and the connection swap (a failed reconnect leaves the old desktop in place).
import { describe, expect, it } from 'vitest';
import { CustodyError, ManualTimers } from '../../../core/index.ts';
import { DesktopLink } from '../../../gateway/session/desktop/desktop-link.ts';
import { requestedSize } from '../../../gateway/session/desktop/desktop-size.ts';
import { ResizeLimiter } from '../../../gateway/session/desktop/resize-limiter.ts';
import type { DesktopTarget } from '../../../gateway/session/desktop/types.ts';
import { TargetError } from '../../../core/index.ts';
import type { BitmapRect, DesktopSize } from '../../../protocols/rdp/types.ts';
import { solid } from '../../support/stand-in-desktop.ts';
import { desktopSizeFor, ResizeDebounce } from '../../../web/rdp/resize-watch.ts';

function fakeTarget(size: DesktopSize) {
  let finish: (d: { reason: string }) => void = () => undefined;
  const t = {
    closed: false,
    inputs: 0,
    hangUp: (reason: string) => finish({ reason }),
    target: {
      size,
      onBitmap: () => undefined,
      input: () => void t.inputs++,
      close: () => {
        t.closed = true;
        finish({ reason: 'closed' });
      },
      done: new Promise<{ reason: string }>((r) => (finish = r)),
    } satisfies DesktopTarget,
  };
  return t;
}

describe('desktop resize', () => {
  it('the page asks once the window has been still for 500 ms, and only for a new size', () => {
    const timers = new ManualTimers();
    const sent: DesktopSize[] = [];
    const d = new ResizeDebounce(timers, { width: 1200, height: 800 }, (s) => sent.push(s));
    for (let w = 1000; w <= 1090; w += 10) {
      d.changed({ width: w, height: 700 });
      timers.advance(100);
    }
    expect(sent).toEqual([]);
    timers.advance(399);
    expect(sent).toEqual([]);
    timers.advance(1);
    expect(sent).toEqual([{ width: 1090, height: 700 }]);
    // Back and forth to the same size: nothing new to ask for.
    d.changed({ width: 1000, height: 700 });
    timers.advance(200);
    d.changed({ width: 1090, height: 700 });
    timers.advance(500);
    expect(sent).toHaveLength(1);
    expect(timers.pending).toBe(0);
  });

  it('the page measures its box within the desktop limits', () => {
    expect(desktopSizeFor({ width: 1183.6, top: 92 }, { width: 1200, height: 900 })).toEqual({
      width: 1183,
      height: 800,
    });
    expect(desktopSizeFor({ width: 50, top: 10 }, { width: 60, height: 100 })).toEqual({
      width: 200,
      height: 200,
    });
    expect(desktopSizeFor({ width: 9000, top: 0 }, { width: 9000, height: 9000 })).toEqual({
      width: 4096,
      height: 2160,
    });
  });

  it('a size outside 200..8192 a side is a stable error; inside, it is rounded and bounded', () => {
    for (const bad of [
      { width: 199, height: 600 },
      { width: 800, height: 8193 },
      { width: 0, height: 0 },
      { width: 800.5, height: 600 },
    ]) {
      let err: unknown;
      try {
        requestedSize(bad);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(bad)).toBeInstanceOf(CustodyError);
      expect((err as CustodyError).code).toBe('E_VALIDATION');
      expect((err as CustodyError).details.reason).toBe('desktop-size');
    }
    expect(requestedSize({ width: 1027, height: 701 })).toEqual({ width: 1024, height: 701 });
    expect(requestedSize({ width: 8192, height: 8192 })).toEqual({ width: 4096, height: 2160 });
  });

  it('reconnects at most once every 2 s, never two at once, the newest size winning', async () => {
    const timers = new ManualTimers();
    const runs: DesktopSize[] = [];
    let release: () => void = () => undefined;
    const limiter = new ResizeLimiter(timers, (size) => {
      runs.push(size);
      return new Promise<void>((r) => (release = r));
    });
    limiter.request({ width: 800, height: 600 });
    timers.advance(0);
    expect(runs).toEqual([{ width: 800, height: 600 }]);
    // While that reconnect is under way (it takes 3 s here), two more arrive.
    limiter.request({ width: 900, height: 600 });
    limiter.request({ width: 1000, height: 600 });
    timers.advance(3000);
    expect(runs).toHaveLength(1);
    release();
    await Promise.resolve();
    await Promise.resolve();
    timers.advance(0);
    expect(runs).toEqual([
      { width: 800, height: 600 },
      { width: 1000, height: 600 },
    ]);
    release();
    await Promise.resolve();
    await Promise.resolve();
    // 1.9 s after that one started: the next waits for the rest of the interval.
    timers.advance(1900);
    limiter.request({ width: 1200, height: 600 });
    timers.advance(99);
    expect(runs).toHaveLength(2);
    timers.advance(1);
    expect(runs).toHaveLength(3);
    release();
    await Promise.resolve();
    limiter.stop();
    limiter.request({ width: 1300, height: 600 });
    timers.advance(10_000);
    expect(runs).toHaveLength(3);
  });

  it('updates the first desktop paints before the data path listens are kept for it, in order', () => {
    let paint: (rects: BitmapRect[]) => void = () => undefined;
    const t = fakeTarget({ width: 800, height: 600 });
    const link = new DesktopLink({ ...t.target, onBitmap: (cb) => (paint = cb) }, () =>
      Promise.reject(new Error('not dialled')),
    );
    const a = [solid(0, 0, 4, 4, [1, 2, 3])];
    const b = [solid(4, 0, 4, 4, [4, 5, 6])];
    paint(a);
    paint(b);
    const got: BitmapRect[][] = [];
    link.onBitmap((rects) => got.push(rects));
    const c = [solid(8, 0, 4, 4, [7, 8, 9])];
    paint(c);
    expect(got).toEqual([a, b, c]);
  });

  it('a failed reconnect leaves the old desktop in place; a successful one closes it and is no end of the session', async () => {
    const first = fakeTarget({ width: 800, height: 600 });
    const second = fakeTarget({ width: 1024, height: 700 });
    let fail = true;
    const link = new DesktopLink(first.target, () =>
      fail ? Promise.reject(new TargetError('target win01 unreachable')) : Promise.resolve(second.target),
    );
    const resized: DesktopSize[] = [];
    link.onResized((s) => resized.push(s));
    let ended: string | undefined;
    void link.done.then((d) => (ended = d.reason));

    expect(await link.reconnect({ width: 1024, height: 700 })).toEqual({
      ok: false,
      reason: 'target win01 unreachable',
    });
    expect(first.closed).toBe(false);
    expect(link.size).toEqual({ width: 800, height: 600 });

    fail = false;
    expect(await link.reconnect({ width: 1024, height: 700 })).toEqual({
      ok: true,
      size: { width: 1024, height: 700 },
    });
    expect(resized).toEqual([{ width: 1024, height: 700 }]);
    expect(first.closed).toBe(true);
    await Promise.resolve();
    expect(ended).toBeUndefined();
    link.input({ kind: 'move', x: 1, y: 1 });
    expect([first.inputs, second.inputs]).toEqual([0, 1]);
    second.hangUp('the RDP server ended the session');
    await link.done;
    expect(ended).toBe('the RDP server ended the session');
  });
});

/** A target that joined `cliprdr`: what it was sent, and a way to deliver a channel message. */
function channelTarget(size: DesktopSize) {
  const base = fakeTarget(size);
  let listener: ((name: string, message: Uint8Array | undefined) => void) | undefined;
  const sent: string[] = [];
  return {
    ...base,
    sent,
    deliver: (text: string) => listener?.('cliprdr', new TextEncoder().encode(text)),
    target: {
      ...base.target,
      channels: ['cliprdr'],
      onChannel: (fn: (name: string, message: Uint8Array | undefined) => void) => void (listener = fn),
      sendChannel: (_name: string, m: Uint8Array) => (sent.push(new TextDecoder().decode(m)), true),
    } satisfies DesktopTarget,
  };
}

describe('desktop resize and virtual channels', () => {
  it('moves the channel listener and sends to the new connection; the old one is heard no more', async () => {
    const first = channelTarget({ width: 800, height: 600 });
    const second = channelTarget({ width: 1024, height: 700 });
    let dialled: () => void = () => undefined;
    const link = new DesktopLink(
      first.target,
      () => new Promise<DesktopTarget>((r) => (dialled = () => r(second.target))),
    );
    const heard: string[] = [];
    link.onChannel((name, m) => heard.push(`${name}:${new TextDecoder().decode(m)}`));
    expect(link.channels).toEqual(['cliprdr']);
    first.deliver('monitor ready 1');
    expect(link.sendChannel('cliprdr', new TextEncoder().encode('caps 1'))).toBe(true);

    const reconnected = link.reconnect({ width: 1024, height: 700 });
    // While the new connection is dialled nothing is sent: it would go to the desktop being left.
    expect(link.sendChannel('cliprdr', new TextEncoder().encode('lost'))).toBe(false);
    dialled();
    expect(await reconnected).toEqual({ ok: true, size: { width: 1024, height: 700 } });

    second.deliver('monitor ready 2');
    first.deliver('late from the old connection');
    expect(link.sendChannel('cliprdr', new TextEncoder().encode('caps 2'))).toBe(true);
    expect(heard).toEqual(['cliprdr:monitor ready 1', 'cliprdr:monitor ready 2']);
    expect([first.sent, second.sent]).toEqual([['caps 1'], ['caps 2']]);
  });
});
