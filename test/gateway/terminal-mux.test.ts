// The terminal multiplexer: fan-out to client, recorder and viewers; read-only viewers; the screen
// for late joiners; terminate; and viewers that throw or stall never holding up the owner.
import { describe, expect, it } from 'vitest';
import { InProcessLiveRegistry, type RecordingSummary, type RecordingWriter } from '../../core/index.ts';
import { HeadlessScreen } from '../../gateway/mux/screen.ts';
import { incompleteTail } from '../../gateway/mux/utf8.ts';
import { TerminalMux, type TerminalMuxOptions } from '../../gateway/mux/terminal-mux.ts';

class FakeRecorder implements RecordingWriter {
  readonly id = 'rec-test';
  out: Buffer[] = [];
  inp: Buffer[] = [];
  sizes: string[] = [];
  output(d: Buffer): void {
    this.out.push(d);
  }
  input(d: Buffer): void {
    this.inp.push(d);
  }
  resize(c: number, r: number): void {
    this.sizes.push(`${c}x${r}`);
  }
  suspend(): void {}
  resume(): void {}
  onFailure(): void {}
  backlog(): number {
    return 0;
  }
  async drained(): Promise<void> {}
  async committed(): Promise<boolean> {
    return true;
  }
  async close(): Promise<RecordingSummary> {
    return { id: this.id, path: '', bytes: 0, events: 0, durationMs: 0 };
  }
}

function setup(over: Partial<TerminalMuxOptions> = {}) {
  const client: Buffer[] = [];
  const toTarget: Buffer[] = [];
  const terminated: string[] = [];
  const recorder = new FakeRecorder();
  const mux = new TerminalMux({
    info: {
      id: 'sess-1',
      user: 'alice',
      target: 'web01/root',
      protocol: 'ssh',
      route: [],
      source: '10.0.0.9',
      startedAt: '2026-01-01T00:00:00.000Z',
      node: 'node-a',
    },
    cols: 80,
    rows: 24,
    client: (c) => void client.push(c),
    toTarget: (c) => void toTarget.push(c),
    recorder,
    onTerminate: (r) => void terminated.push(r),
    ...over,
  });
  return { mux, client, toTarget, terminated, recorder };
}

const text = (xs: Buffer[]) => Buffer.concat(xs).toString('utf8');
const b = (s: string) => Buffer.from(s, 'utf8');
const tick = () => new Promise((r) => setTimeout(r, 0));

/** What a viewer's terminal shows after receiving `bytes`. */
async function render(bytes: string, cols = 80, rows = 24): Promise<string[]> {
  const s = new HeadlessScreen(cols, rows);
  s.write(bytes);
  await s.settled();
  const lines = s.lines();
  s.dispose();
  return lines;
}

describe('terminal multiplexer', () => {
  it('fans target output out to the client, the recorder and two viewers', async () => {
    const { mux, client, recorder } = setup();
    const v1: Buffer[] = [];
    const v2: Buffer[] = [];
    mux.join((c) => void v1.push(c));
    mux.join((c) => void v2.push(c));
    expect(mux.viewerCount).toBe(2);
    mux.output(b('uptime\r\n'));
    mux.output(b(' 10:00 up 3 days\r\n'));
    expect(text(client)).toBe('uptime\r\n 10:00 up 3 days\r\n');
    expect(text(recorder.out)).toBe('uptime\r\n 10:00 up 3 days\r\n');
    for (const v of [v1, v2]) {
      // The (empty) screen first, then exactly the live stream.
      expect(v).toHaveLength(3);
      expect(text(v.slice(1))).toBe('uptime\r\n 10:00 up 3 days\r\n');
    }
    expect(mux.info()).toMatchObject({ id: 'sess-1', bytesOut: 26, bytesIn: 0 });
    await mux.settled();
    expect(mux.snapshot()).toContain('10:00 up 3 days');
  });

  it('takes input from the owner only: viewer input is discarded', () => {
    const { mux, toTarget, recorder } = setup();
    const viewer = mux.join(() => undefined);
    viewer.input(b('rm -rf /\r'));
    mux.subscribe(
      () => undefined,
      () => undefined,
    );
    expect(toTarget).toEqual([]);
    expect(recorder.inp).toEqual([]);
    expect(mux.discardedInput).toBe(9);
    mux.input(b('ls\r'));
    expect(text(toTarget)).toBe('ls\r');
    expect(text(recorder.inp)).toBe('ls\r');
    expect(mux.info().bytesIn).toBe(3);
  });

  it('sends a late joiner the current screen, not text that was cleared', async () => {
    const { mux } = setup();
    mux.output(b('old-secret-text on screen\r\nmore old lines\r\n'));
    await mux.settled();
    mux.output(b('\x1b[H\x1b[2J')); // clear
    mux.output(b('\x1b[5;1Hhello'));

    // Joining at once (xterm has not parsed the last writes yet): the viewer still ends up with
    // exactly the current screen.
    const early: Buffer[] = [];
    mux.join((c) => void early.push(c));
    const screen = await render(text(early));
    expect(screen[4]).toBe('hello');
    expect(screen.join('\n')).not.toContain('old-secret-text');

    // Once parsed, the snapshot itself holds only the current screen.
    await mux.settled();
    const snap = mux.snapshot();
    expect(snap).toContain('hello');
    expect(snap).not.toContain('old-secret-text');
    expect(snap).not.toContain('more old lines');
    const late: Buffer[] = [];
    mux.join((c) => void late.push(c));
    mux.output(b(' world'));
    expect(text(late)).toBe(snap + ' world');
    const shown = await render(text(late));
    expect(shown[4]).toBe('hello world');
  });

  it('keeps a character split across chunks whole for a subscriber joining in between', async () => {
    const { mux } = setup();
    const euro = b('€');
    mux.output(Buffer.concat([b('price: '), euro.subarray(0, 1)]));
    const got: Buffer[] = [];
    const snap = mux.snapshot();
    mux.subscribe(
      (c) => void got.push(c),
      () => undefined,
    );
    mux.output(euro.subarray(1));
    expect(snap).not.toContain('\ufffd');
    expect(text(got)).toBe('€');
    await mux.settled();
    expect(mux.snapshot()).toContain('price: €');
    expect(incompleteTail(b('😀').subarray(0, 3))).toBe(3);
    expect(incompleteTail(b('a€'))).toBe(0);
  });

  it('follows resizes in the headless screen and the recording', () => {
    const { mux, recorder } = setup();
    mux.resize(132, 43);
    mux.resize(132, 43); // unchanged: nothing new
    expect(recorder.sizes).toEqual(['132x43']);
    expect([mux.cols, mux.rows]).toEqual([132, 43]);
  });

  it('terminate reaches the owner with the reason in the same tick, then ends the session', async () => {
    const { mux, client, terminated, recorder } = setup();
    const registry = new InProcessLiveRegistry();
    registry.register(mux);
    const ends: string[] = [];
    mux.join(
      () => undefined,
      (r) => void ends.push(r),
    );
    mux.output(b('$ '));
    registry.get('sess-1')!.terminate('terminated by admin: maintenance window');
    // No await: already there.
    expect(text(client)).toBe('$ \r\n[custody] session terminated by admin: maintenance window\r\n');
    expect(text(recorder.out)).toContain('[custody] session terminated by admin: maintenance window');
    expect(terminated).toEqual(['terminated by admin: maintenance window']);
    expect(ends).toEqual(['session terminated by admin: maintenance window']);
    expect(mux.ended).toBe(true);
    // Nothing moves after the end; a late subscriber hears the end at once.
    mux.output(b('after'));
    mux.input(b('x'));
    expect(text(client)).not.toContain('after');
    const lateEnd: string[] = [];
    mux.subscribe(
      () => undefined,
      (r) => void lateEnd.push(r),
    );
    await tick();
    expect(lateEnd).toEqual(['session terminated by admin: maintenance window']);
    mux.terminate('again');
    expect(terminated).toHaveLength(1);
  });

  it('flattens a reason to one printable line', () => {
    const { mux, client, terminated } = setup();
    mux.terminate('bye\r\n\x1b[2Jnow');
    expect(text(client)).toBe('\r\n[custody] session terminated: bye [2Jnow\r\n');
    expect(terminated).toEqual(['bye [2Jnow']);
  });

  it('drops a stalled viewer past 1 MiB without stalling the owner or the other viewers', async () => {
    const { mux, client } = setup();
    const stalled: Buffer[] = [];
    const stalledEnd: string[] = [];
    mux.join(
      (c) => {
        stalled.push(c);
        return new Promise<void>(() => undefined); // never drains
      },
      (r) => void stalledEnd.push(r),
    );
    const fast: Buffer[] = [];
    mux.join((c) => void fast.push(c));
    const throwingEnd: string[] = [];
    mux.join(
      () => {
        throw new Error('broken pipe');
      },
      (r) => void throwingEnd.push(r),
    );
    expect(throwingEnd).toEqual(['viewer failed: broken pipe']);

    const chunk = Buffer.alloc(64 * 1024, 'x');
    for (let i = 0; i < 32; i++) mux.output(chunk); // 2 MiB
    expect(Buffer.concat(client).length).toBe(2 * 1024 * 1024);
    expect(Buffer.concat(fast.slice(1)).length).toBe(2 * 1024 * 1024);
    expect(stalledEnd).toHaveLength(1);
    expect(stalledEnd[0]).toMatch(/^too far behind/);
    expect(text([stalled.at(-1)!])).toContain('[custody] shadow view dropped: too far behind');
    expect(mux.viewerCount).toBe(1);
    // The owner's session goes on.
    mux.output(b('still here'));
    expect(text([client.at(-1)!])).toBe('still here');
  });

  it('keeps serving viewers when the client throws', () => {
    const { mux } = setup({
      client: () => {
        throw new Error('client gone');
      },
    });
    const v: Buffer[] = [];
    mux.join((c) => void v.push(c));
    mux.output(b('data'));
    expect(text(v.slice(1))).toBe('data');
  });
});
