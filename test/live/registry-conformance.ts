// The live-registry contract as tests, for any implementation: the in-process one now, a Redis +
// PostgreSQL one for the cluster later runs the same function. Nothing here assumes delivery is
// synchronous or that the registry lives in this process: every effect is awaited (a control
// message landing at its endpoint, an event reaching a viewer), and absence is shown by ordering
// (a later message arrives first) rather than by waiting for nothing to happen.
import { afterEach, describe, expect, it } from 'vitest';
import type {
  LiveControl,
  LiveEvent,
  LiveRegistration,
  LiveRegistry,
  LiveSessionInfo,
  LiveSubscription,
} from '../../core/index.ts';

export interface RegistryUnderTest {
  registry: LiveRegistry;
  /** Releases what make() opened (connections, timers). */
  close(): Promise<void>;
}

/** A session's side as the gateway keeps it: a screen that reflects everything published so far. */
class FakeSession {
  readonly published: string[] = [];
  readonly controls: LiveControl[] = [];
  screenCalls = 0;
  registration!: LiveRegistration;
  #waiters: { count: number; resolve: () => void }[] = [];

  constructor(readonly info: LiveSessionInfo) {}

  /** The current picture: which chunks it already shows (so a viewer can check what follows). */
  screen(): Buffer {
    this.screenCalls++;
    return Buffer.from(`SCREEN@${this.published.length}`);
  }

  control(m: LiveControl): void {
    this.controls.push(m);
    this.#waiters = this.#waiters.filter((w) => {
      if (this.controls.length < w.count) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once `count` control messages have arrived. */
  controlled(count = 1): Promise<LiveControl[]> {
    if (this.controls.length >= count) return Promise.resolve(this.controls);
    return new Promise((resolve) => this.#waiters.push({ count, resolve: () => resolve(this.controls) }));
  }

  /** Like the mux: the screen takes the chunk in before it goes out to viewers. */
  publish(text: string): void {
    this.published.push(text);
    this.registration.publish(Buffer.from(text));
  }
}

let serial = 0;

function info(over: Partial<LiveSessionInfo> = {}): LiveSessionInfo {
  serial++;
  return {
    id: `s${serial}`,
    user: 'alice',
    target: 'web01/root',
    protocol: 'ssh',
    kind: 'terminal',
    state: 'opening',
    requestId: null,
    expiresAt: null,
    route: [],
    source: '192.0.2.7',
    startedAt: `2026-01-01T00:00:${String(serial % 60).padStart(2, '0')}.000Z`,
    bytesIn: 0,
    bytesOut: 0,
    node: 'node-a',
    ...over,
  };
}

async function open(registry: LiveRegistry, over: Partial<LiveSessionInfo> = {}): Promise<FakeSession> {
  const s = new FakeSession(info(over));
  s.registration = await registry.register(s.info, {
    screen: () => s.screen(),
    control: (m) => s.control(m),
  });
  return s;
}

/** Reads events until `stop` says so (or the iteration ends); the iterator is left open. */
async function readUntil(
  it: AsyncIterator<LiveEvent>,
  stop: (e: LiveEvent) => boolean,
): Promise<LiveEvent[]> {
  const got: LiveEvent[] = [];
  for (;;) {
    const r = await it.next();
    if (r.done) return got;
    got.push(r.value);
    if (stop(r.value)) return got;
  }
}

const readToEnd = (sub: LiveSubscription) => readUntil(sub[Symbol.asyncIterator](), (e) => e.type === 'end');

/** Events as short strings: `screen:SCREEN@2`, `resync:SCREEN@7`, `out:c3`, `end:bye`. */
function described(events: LiveEvent[]): string[] {
  return events.map((e) =>
    e.type === 'end'
      ? `end:${e.reason}`
      : e.type === 'screen'
        ? `${e.resync ? 'resync' : 'screen'}:${e.data.toString()}`
        : `out:${e.data.toString()}`,
  );
}

function hasFunction(v: unknown): boolean {
  if (typeof v === 'function') return true;
  if (v && typeof v === 'object') return Object.values(v).some(hasFunction);
  return false;
}

export function describeLiveRegistry(name: string, make: () => Promise<RegistryUnderTest>): void {
  describe(`live registry conformance: ${name}`, () => {
    let opened: RegistryUnderTest[] = [];
    const fresh = async () => {
      const r = await make();
      opened.push(r);
      return r.registry;
    };
    afterEach(async () => {
      for (const r of opened) await r.close();
      opened = [];
    });

    it('keeps session info as plain data: it survives JSON and structuredClone unchanged', async () => {
      const registry = await fresh();
      const s = await open(registry, { requestId: 'req-1', expiresAt: '2026-01-01T01:00:00.000Z' });
      await s.registration.confirm({ route: ['jump01'] });
      const listed = await registry.list();
      const got = await registry.get(s.info.id);
      for (const x of [got, ...listed]) {
        expect(hasFunction(x)).toBe(false);
        expect(JSON.parse(JSON.stringify(x))).toEqual(x);
        expect(structuredClone(x)).toEqual(x);
      }
      expect(got).toEqual({ ...s.info, state: 'live', route: ['jump01'] });
    });

    it('keeps its own copies: changing what was registered or returned changes nothing registered', async () => {
      const registry = await fresh();
      const s = await open(registry, { route: ['jump01'] });
      const registered = structuredClone(s.info);
      s.info.user = 'changed-after-register';
      s.info.route.push('changed');
      expect(await registry.get(s.info.id)).toEqual(registered);
      const got = (await registry.get(s.info.id))!;
      got.user = 'mallory';
      got.route.push('elsewhere');
      const [listed] = await registry.list();
      listed!.target = 'other/acct';
      expect(await registry.get(s.info.id)).toEqual(registered);
    });

    it('shows a session as opening until confirm(), then live with the route it used', async () => {
      const registry = await fresh();
      const s = await open(registry);
      expect(await registry.get(s.info.id)).toMatchObject({ state: 'opening', route: [] });
      await s.registration.confirm({ route: ['jump01', 'jump02'] });
      expect(await registry.get(s.info.id)).toMatchObject({ state: 'live', route: ['jump01', 'jump02'] });
      // No route in the update: the one it has stays.
      await s.registration.confirm({});
      expect(await registry.get(s.info.id)).toMatchObject({ state: 'live', route: ['jump01', 'jump02'] });
    });

    it('lists by start time (then id) and filters by user, target and request, combined', async () => {
      const registry = await fresh();
      const a = await open(registry, { startedAt: '2026-01-01T00:00:03.000Z', requestId: 'req-1' });
      const b = await open(registry, { startedAt: '2026-01-01T00:00:01.000Z', user: 'bob' });
      const c = await open(registry, {
        startedAt: '2026-01-01T00:00:02.000Z',
        target: 'db01/postgres',
        requestId: 'req-1',
      });
      const d = await open(registry, { startedAt: '2026-01-01T00:00:02.000Z', id: `${c.info.id}z` });
      const ids = async (f?: Parameters<LiveRegistry['list']>[0]) =>
        (await registry.list(f)).map((i) => i.id);
      expect(await ids()).toEqual([b.info.id, c.info.id, d.info.id, a.info.id]);
      expect(await ids({ user: 'alice' })).toEqual([c.info.id, d.info.id, a.info.id]);
      expect(await ids({ user: 'bob' })).toEqual([b.info.id]);
      expect(await ids({ target: 'db01/postgres' })).toEqual([c.info.id]);
      expect(await ids({ requestId: 'req-1' })).toEqual([c.info.id, a.info.id]);
      expect(await ids({ requestId: 'req-1', target: 'web01/root' })).toEqual([a.info.id]);
      expect(await ids({ user: 'carol' })).toEqual([]);
    });

    it('answers undefined or false for an id it does not know', async () => {
      const registry = await fresh();
      await open(registry);
      expect(await registry.get('no-such-session')).toBeUndefined();
      expect(await registry.terminate('no-such-session', 'x', 'admin')).toBe(false);
      expect(await registry.subscribe('no-such-session')).toBeUndefined();
      expect(await registry.terminateByRequest('no-such-request', 'x', 'admin')).toEqual([]);
    });

    it('delivers terminate to the session’s endpoint as a message', async () => {
      const registry = await fresh();
      const s = await open(registry);
      const other = await open(registry);
      expect(await registry.terminate(s.info.id, 'terminated by admin: change window', 'admin')).toBe(true);
      expect(await s.controlled()).toEqual([
        { type: 'terminate', reason: 'terminated by admin: change window', by: 'admin' },
      ]);
      // Terminating is asking: the entry stays until the session itself ends.
      expect(await registry.get(s.info.id)).toBeDefined();
      await registry.terminate(other.info.id, 'probe', 'admin');
      await other.controlled();
      expect(s.controls).toHaveLength(1);
    });

    it('terminateByRequest reaches exactly the sessions of that check-out', async () => {
      const registry = await fresh();
      const mine1 = await open(registry, { requestId: 'req-1' });
      const mine2 = await open(registry, { requestId: 'req-1', user: 'alice', target: 'db01/postgres' });
      const otherRequest = await open(registry, { requestId: 'req-2' });
      const noRequest = await open(registry, { requestId: null });
      const reached = await registry.terminateByRequest(
        'req-1',
        'checked in: web01/root was checked in',
        'adm1',
      );
      expect([...reached].sort()).toEqual([mine1.info.id, mine2.info.id].sort());
      for (const s of [mine1, mine2])
        expect(await s.controlled()).toEqual([
          { type: 'terminate', reason: 'checked in: web01/root was checked in', by: 'adm1' },
        ]);
      // The others get nothing from it: a probe sent afterwards is the first they hear.
      for (const s of [otherRequest, noRequest]) {
        await registry.terminate(s.info.id, 'probe', 'test');
        expect((await s.controlled()).map((m) => m.reason)).toEqual(['probe']);
      }
    });

    it('gives a late joiner the current screen, then the output in order, then the end with its reason', async () => {
      const registry = await fresh();
      const s = await open(registry);
      s.publish('c0');
      s.publish('c1');
      const sub = (await registry.subscribe(s.info.id))!;
      s.publish('c2');
      s.publish('c3');
      await s.registration.end('session ended: exit');
      expect(described(await readToEnd(sub))).toEqual([
        'screen:SCREEN@2',
        'out:c2',
        'out:c3',
        'end:session ended: exit',
      ]);
    });

    it('wakes a viewer that is waiting for output, and one that is waiting for the end', async () => {
      const registry = await fresh();
      const s = await open(registry);
      const it = (await registry.subscribe(s.info.id))![Symbol.asyncIterator]();
      expect(described(await readUntil(it, () => true))).toEqual(['screen:SCREEN@0']);
      const waiting = it.next();
      s.publish('late');
      expect(described([(await waiting).value as LiveEvent])).toEqual(['out:late']);
      const waitingEnd = it.next();
      await s.registration.end('bye');
      expect(described([(await waitingEnd).value as LiveEvent])).toEqual(['end:bye']);
      expect((await it.next()).done).toBe(true);
    });

    it('serves two viewers independently: one leaving does not disturb the other', async () => {
      const registry = await fresh();
      const s = await open(registry);
      const v1 = (await registry.subscribe(s.info.id))!;
      const v2 = (await registry.subscribe(s.info.id))!;
      s.publish('a');
      const it1 = v1[Symbol.asyncIterator]();
      expect(described(await readUntil(it1, (e) => e.type === 'output'))).toEqual([
        'screen:SCREEN@0',
        'out:a',
      ]);
      v1.close();
      s.publish('b');
      await s.registration.end('done');
      expect((await it1.next()).done).toBe(true);
      expect(described(await readToEnd(v2))).toEqual(['screen:SCREEN@0', 'out:a', 'out:b', 'end:done']);
    });

    it('resynchronises a viewer that falls behind its buffer, without holding up the session or other viewers', async () => {
      const registry = await fresh();
      const s = await open(registry);
      const slow = (await registry.subscribe(s.info.id, { maxBufferedBytes: 64 }))!;
      const fast = (await registry.subscribe(s.info.id, { maxBufferedBytes: 64 }))!;
      const fastIt = fast[Symbol.asyncIterator]();
      expect(described(await readUntil(fastIt, () => true))).toEqual(['screen:SCREEN@0']);
      const chunks = Array.from({ length: 40 }, (_, i) => `chunk-${String(i).padStart(2, '0')}`); // 8 bytes each
      // The fast viewer keeps up: every chunk, in order. The slow one reads nothing meanwhile.
      for (const c of chunks) {
        s.publish(c); // returns at once: publishing never waits for a viewer
        const [e] = await readUntil(fastIt, () => true);
        expect(described([e!])).toEqual([`out:${c}`]);
      }
      await s.registration.end('done');
      expect(described(await readUntil(fastIt, () => true))).toEqual(['end:done']);

      const got = described(await readToEnd(slow));
      // What it had not read (its first screen included) was replaced by a fresh picture…
      expect(got[0]).toMatch(/^(screen|resync):/);
      expect(got.at(-1)).toBe('end:done');
      const last = got.map((g) => g.startsWith('resync:')).lastIndexOf(true);
      expect(last).toBeGreaterThanOrEqual(0);
      const outputs = got.filter((g) => g.startsWith('out:'));
      expect(outputs.length).toBeLessThan(chunks.length);
      // …a picture that, with what follows it, is exactly the rest of the stream.
      const shows = Number(got[last]!.split('@')[1]);
      expect(got.slice(last + 1, -1)).toEqual(chunks.slice(shows).map((c) => `out:${c}`));
      // It read nothing until the end, so all it received was queued at once: never more than
      // its buffer (what it missed is dropped, not kept behind the fresh picture).
      const queued = got.slice(0, -1).reduce((n, g) => n + g.length - g.indexOf(':') - 1, 0);
      expect(queued).toBeLessThanOrEqual(64);
    });

    it('close() finishes the iteration and stops delivery to that viewer; so does leaving the loop', async () => {
      const registry = await fresh();
      const s = await open(registry);
      // Closed while a read is pending: the read finishes, no end event needed.
      const waiting = (await registry.subscribe(s.info.id, { maxBufferedBytes: 16 }))!;
      const it = waiting[Symbol.asyncIterator]();
      await readUntil(it, () => true);
      const pending = it.next();
      waiting.close();
      expect((await pending).done).toBe(true);
      waiting.close(); // idempotent
      // Closed before reading anything: nothing to read.
      const early = (await registry.subscribe(s.info.id, { maxBufferedBytes: 16 }))!;
      early.close();
      expect(await readToEnd(early)).toEqual([]);
      // Left with break: the viewer is gone too.
      const broken = (await registry.subscribe(s.info.id, { maxBufferedBytes: 16 }))!;
      for await (const e of broken) {
        expect(e.type).toBe('screen');
        break;
      }
      // A viewer still attached would overflow its 16 bytes here and ask for a fresh screen; none
      // is asked for, and a new viewer sees the session carry on.
      const screens = s.screenCalls;
      for (let i = 0; i < 8; i++) s.publish(`more-${i}-xxxx`);
      const probe = (await registry.subscribe(s.info.id))!;
      expect(s.screenCalls).toBe(screens + 1);
      s.publish('tail');
      await s.registration.end('done');
      expect(described(await readToEnd(probe))).toEqual(['screen:SCREEN@8', 'out:tail', 'end:done']);
    });

    it('end() is idempotent, tells each viewer once, and removes the session', async () => {
      const registry = await fresh();
      const s = await open(registry, { requestId: 'req-9' });
      const keep = await open(registry);
      const sub = (await registry.subscribe(s.info.id))!;
      await s.registration.end('first reason');
      await s.registration.end('second reason');
      expect(described(await readToEnd(sub))).toEqual(['screen:SCREEN@0', 'end:first reason']);
      expect(await registry.get(s.info.id)).toBeUndefined();
      expect((await registry.list()).map((i) => i.id)).toEqual([keep.info.id]);
      expect(await registry.terminate(s.info.id, 'x', 'admin')).toBe(false);
      expect(await registry.terminateByRequest('req-9', 'x', 'admin')).toEqual([]);
      // After the end: no subscription, and the session's late calls change nothing.
      expect(await registry.subscribe(s.info.id)).toBeUndefined();
      s.publish('after');
      await s.registration.confirm({ route: ['late'] });
      expect(await registry.get(s.info.id)).toBeUndefined();
    });
  });
}
