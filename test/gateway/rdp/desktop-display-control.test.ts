// The desktop follows the window through Display Control where the target has it: the link asks
// the connection for the new size instead of dialling a new one, the server's new size goes the
// same way a reconnect's does (onResized: screen, recording, viewers), and a server that does not
// act on the request within the bound gets the reconnect after all. On a manual clock.
import { describe, expect, it } from 'vitest';
import { ManualTimers } from '../../../core/index.ts';
import { DesktopLink, DISPLAY_CONTROL_TIMEOUT_MS } from '../../../gateway/session/desktop/desktop-link.ts';
import type { DesktopTarget } from '../../../gateway/session/desktop/types.ts';
import type { DesktopSize } from '../../../protocols/rdp/types.ts';

/** A target whose server has Display Control (`acts`: it reactivates at the size asked for). */
function displayControlTarget(start: DesktopSize, opts: { displayControl: boolean }) {
  let finish: (d: { reason: string }) => void = () => undefined;
  let serverResized: (size: DesktopSize) => void = () => undefined;
  const t: {
    size: DesktopSize;
    asked: DesktopSize[];
    closed: boolean;
    reactivate(size: DesktopSize): void;
    hangUp(reason: string): void;
    target: DesktopTarget;
  } = {
    size: start,
    asked: [] as DesktopSize[],
    closed: false,
    /** The server reactivates at `size` (the engine's `resized`). */
    reactivate: (size: DesktopSize) => {
      t.size = size;
      serverResized(size);
    },
    hangUp: (reason: string) => finish({ reason }),
    target: {
      get size(): DesktopSize {
        return t.size;
      },
      onBitmap: () => undefined,
      input: () => undefined,
      close: () => {
        t.closed = true;
        finish({ reason: 'closed' });
      },
      done: new Promise<{ reason: string }>((r) => (finish = r)),
      requestSize: (size: DesktopSize) => opts.displayControl && (t.asked.push(size), true),
      onServerResize: (cb: (size: DesktopSize) => void) => void (serverResized = cb),
    },
  };
  return t;
}

const settle = () => new Promise((r) => setImmediate(r));

describe('desktop resize through Display Control', () => {
  it('asks the same connection; the new size goes through onResized; nothing is dialled or released', async () => {
    const timers = new ManualTimers();
    const first = displayControlTarget({ width: 1024, height: 768 }, { displayControl: true });
    let dials = 0;
    const link = new DesktopLink(first.target, () => (dials++, Promise.reject(new Error('no dial'))), timers);
    const resized: DesktopSize[] = [];
    link.onResized((s) => resized.push(s));
    let released = 0;
    const result = link.resize({ width: 1280, height: 720 }, () => released++);
    expect(first.asked).toEqual([{ width: 1280, height: 720 }]);
    // a second request while the server has not answered is refused (the limiter never sends one)
    expect(await link.resize({ width: 900, height: 700 })).toMatchObject({ ok: false });
    first.reactivate({ width: 1280, height: 720 });
    expect(await result).toEqual({ ok: true, size: { width: 1280, height: 720 }, via: 'display-control' });
    expect(resized).toEqual([{ width: 1280, height: 720 }]);
    expect(link.size).toEqual({ width: 1280, height: 720 });
    expect([dials, released, first.closed, timers.pending]).toEqual([0, 0, false, 0]);
  });

  it('a server that does not act within the bound gets a reconnect, with held input released first', async () => {
    const timers = new ManualTimers();
    const first = displayControlTarget({ width: 1024, height: 768 }, { displayControl: true });
    const second = displayControlTarget({ width: 1280, height: 720 }, { displayControl: true });
    const link = new DesktopLink(first.target, () => Promise.resolve(second.target), timers);
    const resized: DesktopSize[] = [];
    link.onResized((s) => resized.push(s));
    let released = 0;
    const result = link.resize({ width: 1280, height: 720 }, () => released++);
    timers.advance(DISPLAY_CONTROL_TIMEOUT_MS - 1);
    await settle();
    expect([released, resized.length]).toEqual([0, 0]);
    timers.advance(1);
    expect(await result).toEqual({ ok: true, size: { width: 1280, height: 720 }, via: 'reconnect' });
    expect([released, first.closed]).toEqual([1, true]);
    expect(resized).toEqual([{ width: 1280, height: 720 }]);
    // the old connection's late reactivation changes nothing
    first.reactivate({ width: 1280, height: 720 });
    expect(resized).toHaveLength(1);
  });

  it('a server without Display Control is reconnected at once', async () => {
    const timers = new ManualTimers();
    const first = displayControlTarget({ width: 1024, height: 768 }, { displayControl: false });
    const second = displayControlTarget({ width: 1280, height: 720 }, { displayControl: false });
    const link = new DesktopLink(first.target, () => Promise.resolve(second.target), timers);
    expect(await link.resize({ width: 1280, height: 720 })).toEqual({
      ok: true,
      size: { width: 1280, height: 720 },
      via: 'reconnect',
    });
    expect(timers.pending).toBe(0);
  });

  it('a session ending while the server has the request is not reconnected', async () => {
    const timers = new ManualTimers();
    const first = displayControlTarget({ width: 1024, height: 768 }, { displayControl: true });
    let dials = 0;
    const link = new DesktopLink(first.target, () => (dials++, Promise.reject(new Error('no dial'))), timers);
    const result = link.resize({ width: 1280, height: 720 });
    first.hangUp('the RDP server ended the session');
    expect(await result).toMatchObject({ ok: false });
    expect(dials).toBe(0);
    expect((await link.done).reason).toBe('the RDP server ended the session');
  });

  it('a reactivation the server makes of its own accord reaches onResized too, unless at the same size', () => {
    const first = displayControlTarget({ width: 1024, height: 768 }, { displayControl: true });
    const link = new DesktopLink(
      first.target,
      () => Promise.reject(new Error('no dial')),
      new ManualTimers(),
    );
    const resized: DesktopSize[] = [];
    link.onResized((s) => resized.push(s));
    first.reactivate({ width: 1600, height: 900 });
    expect(resized).toEqual([{ width: 1600, height: 900 }]);
    // one at the size the desktop already has is no resize (no marker, no redraw at another size)
    first.reactivate({ width: 1600, height: 900 });
    expect(resized).toHaveLength(1);
  });
});
