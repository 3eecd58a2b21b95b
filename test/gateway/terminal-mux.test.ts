// The terminal multiplexer, wired to the live registry as the gateway wires it: fan-out to client,
// recorder and viewers; the screen for late joiners; terminate as a registry message; and a
// client that throws never holding up the viewers. (Slow viewers are the registry's business:
// test/live/registry-conformance.ts.)
import { describe, expect, it } from 'vitest';
import {
  InProcessRegistry,
  type LiveEvent,
  type LiveRegistration,
  type LiveSubscription,
  type RecordingSummary,
  type RecordingWriter,
} from '../../core/index.ts';
import { HeadlessScreen } from '../../gateway/mux/screen.ts';
import { incompleteTail } from '../../gateway/mux/utf8.ts';
import { TerminalMux, type TerminalMuxOptions } from '../../gateway/mux/terminal-mux.ts';
import { liveInfo } from '../support/live.ts';

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
  marker(): void {}
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

/**
 * A mux wired to the in-process live registry the way the gateway wires it: the registry's
 * screen() is the mux's, a terminate message ends the mux, and output is published.
 */
async function setup(over: Partial<TerminalMuxOptions> = {}) {
  const client: Buffer[] = [];
  const toTarget: Buffer[] = [];
  const terminated: string[] = [];
  const recorder = new FakeRecorder();
  const registry = new InProcessRegistry();
  const live: { registration?: LiveRegistration } = {};
  const mux = new TerminalMux({
    sessionId: 'sess-1',
    cols: 80,
    rows: 24,
    client: (c) => void client.push(c),
    toTarget: (c) => void toTarget.push(c),
    recorder,
    publish: (c) => live.registration?.publish(c),
    onTerminate: (r) => void terminated.push(r),
    ...over,
  });
  const registration = await registerFake(registry, { id: 'sess-1' });
  live.registration = registration;
  return { mux, client, toTarget, terminated, recorder, registry, registration };

  async function registerFake(r: InProcessRegistry, info: { id: string }) {
    return r.register(liveInfo(info), {
      screen: () => mux.screen(),
      control: (m) => mux.terminate(m.reason),
    });
  }
}

/** Everything a viewer receives until the end (or until `count` events). */
async function drain(sub: LiveSubscription, count = Infinity): Promise<LiveEvent[]> {
  const got: LiveEvent[] = [];
  for await (const e of sub) {
    got.push(e);
    if (got.length >= count) break;
  }
  return got;
}

const bytesOf = (events: LiveEvent[]) =>
  Buffer.concat(events.map((e) => (e.type === 'end' ? Buffer.alloc(0) : e.data))).toString('utf8');

const text = (xs: Buffer[]) => Buffer.concat(xs).toString('utf8');
const b = (s: string) => Buffer.from(s, 'utf8');

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
    const { mux, client, recorder, registry, registration } = await setup();
    const v1 = (await registry.subscribe('sess-1'))!;
    const v2 = (await registry.subscribe('sess-1'))!;
    mux.output(b('uptime\r\n'));
    mux.output(b(' 10:00 up 3 days\r\n'));
    expect(text(client)).toBe('uptime\r\n 10:00 up 3 days\r\n');
    expect(text(recorder.out)).toBe('uptime\r\n 10:00 up 3 days\r\n');
    mux.end('exit');
    await registration.end('exit');
    for (const v of [v1, v2]) {
      const got = await drain(v);
      // The (empty) screen first, then exactly the live stream, then the end.
      expect(got.map((e) => e.type)).toEqual(['screen', 'output', 'output', 'end']);
      expect(bytesOf(got.slice(1))).toBe('uptime\r\n 10:00 up 3 days\r\n');
    }
    expect(mux.snapshot()).toContain('10:00 up 3 days');
  });

  it('takes input from the owner only', async () => {
    const { mux, toTarget, recorder } = await setup();
    mux.input(b('ls\r'));
    expect(text(toTarget)).toBe('ls\r');
    expect(text(recorder.inp)).toBe('ls\r');
  });

  it('sends a late joiner the current screen, not text that was cleared', async () => {
    const { mux, registry } = await setup();
    mux.output(b('old-secret-text on screen\r\nmore old lines\r\n'));
    await mux.settled();
    mux.output(b('\x1b[H\x1b[2J')); // clear
    mux.output(b('\x1b[5;1Hhello'));

    // Joining at once (xterm has not parsed the last writes yet): the viewer still ends up with
    // exactly the current screen.
    const [early] = await drain((await registry.subscribe('sess-1'))!, 1);
    const screen = await render(bytesOf([early!]));
    expect(screen[4]).toBe('hello');
    expect(screen.join('\n')).not.toContain('old-secret-text');

    // Once parsed, the snapshot itself holds only the current screen.
    await mux.settled();
    const snap = mux.snapshot();
    expect(snap).toContain('hello');
    expect(snap).not.toContain('old-secret-text');
    expect(snap).not.toContain('more old lines');
    const late = (await registry.subscribe('sess-1'))!;
    mux.output(b(' world'));
    const got = await drain(late, 2);
    expect(bytesOf(got)).toBe(snap + ' world');
    const shown = await render(bytesOf(got));
    expect(shown[4]).toBe('hello world');
  });

  it('keeps a character split across chunks whole for a viewer joining in between', async () => {
    const { mux, registry } = await setup();
    const euro = b('€');
    mux.output(Buffer.concat([b('price: '), euro.subarray(0, 1)]));
    const viewer = (await registry.subscribe('sess-1'))!;
    mux.output(euro.subarray(1));
    const [first, next] = await drain(viewer, 2);
    // The screen carries the started character's first byte; the stream brings the rest.
    expect(bytesOf([first!, next!])).toMatch(/€$/);
    expect(mux.snapshot()).not.toContain('\ufffd');
    expect(first!.type === 'screen' && first!.data.at(-1)).toBe(euro[0]);
    await mux.settled();
    expect(mux.snapshot()).toContain('price: €');
    expect(incompleteTail(b('😀').subarray(0, 3))).toBe(3);
    expect(incompleteTail(b('a€'))).toBe(0);
  });

  it('follows resizes in the headless screen and the recording', async () => {
    const { mux, recorder } = await setup();
    mux.resize(132, 43);
    mux.resize(132, 43); // unchanged: nothing new
    expect(recorder.sizes).toEqual(['132x43']);
    expect([mux.cols, mux.rows]).toEqual([132, 43]);
  });

  it('a terminate message reaches the owner with the reason in the same tick, then ends the session', async () => {
    const { mux, client, terminated, recorder, registry } = await setup();
    const viewer = (await registry.subscribe('sess-1'))!;
    mux.output(b('$ '));
    const sent = registry.terminate('sess-1', 'terminated by admin: maintenance window', 'admin');
    // No await: already there.
    expect(text(client)).toBe('$ \r\n[custody] session terminated by admin: maintenance window\r\n');
    expect(text(recorder.out)).toContain('[custody] session terminated by admin: maintenance window');
    expect(terminated).toEqual(['terminated by admin: maintenance window']);
    expect(await sent).toBe(true);
    expect(mux.ended).toBe(true);
    expect(mux.endReason).toBe('session terminated by admin: maintenance window');
    // The viewer saw the notice too.
    const got = await drain(viewer, 3);
    expect(bytesOf(got)).toContain('[custody] session terminated by admin: maintenance window');
    // Nothing moves after the end.
    mux.output(b('after'));
    mux.input(b('x'));
    expect(text(client)).not.toContain('after');
    mux.terminate('again');
    expect(terminated).toHaveLength(1);
  });

  it('flattens a reason to one printable line', async () => {
    const { mux, client, terminated } = await setup();
    mux.terminate('bye\r\n\x1b[2Jnow');
    expect(text(client)).toBe('\r\n[custody] session terminated: bye [2Jnow\r\n');
    expect(terminated).toEqual(['bye [2Jnow']);
  });

  it('keeps serving viewers when the client throws', async () => {
    const { mux, registry } = await setup({
      client: () => {
        throw new Error('client gone');
      },
    });
    const viewer = (await registry.subscribe('sess-1'))!;
    mux.output(b('data'));
    const got = await drain(viewer, 2);
    expect(got[1]).toEqual({ type: 'output', data: b('data') });
  });
});
