// Port forwards are sessions like any other: a live `ssh -W` forward (the channel `ssh -L` opens
// for each local connection) to an echo server on the target's host is listed live with kind
// `forward`, and ends on check-in, on an administrator's terminate, on idle and at its maximum
// duration (a manual clock moved to the instant), each time writing `session.end` with how it
// ended and its bytes.
// Real OpenSSH client, real sshd, the gateway in process.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repos } from '../../core/storage/repos/index.ts';
import { contextOf } from '../support/core-internals.ts';
import { ManualTimers, type Actor } from '../../core/index.ts';
import { sshTargetFixture, startTestGateway, type SshTargetFixture } from '../support/gateway-fixture.ts';
import { Transcript } from '../support/interactive.ts';
import { askpassEnv, sshOptions } from '../support/openssh-client.ts';
import { sshdSkipReason } from '../support/sshd.ts';
import { USER_PASSWORD } from '../support/vault.ts';

const skip = sshdSkipReason();
const IDLE_MS = 10 * 60_000;

interface Forward {
  child: ChildProcess;
  out: Transcript;
  exited: Promise<number>;
}

describe.skipIf(!!skip)(`port forwards in the session lifecycle${skip ? ` (${skip})` : ''}`, () => {
  let fx: SshTargetFixture;
  let echo: net.Server;
  let echoPort: number;
  let alice: Actor;
  const timers = new ManualTimers(new Date());

  beforeAll(async () => {
    fx = await sshTargetFixture('fwdlife', { settings: { idleTimeoutMs: IDLE_MS }, timers });
    await fx.v.core.resources.update(fx.v.host, 'web01', { allowPortForwarding: true });
    await fx.v.core.access.configure(fx.v.host, 'web01', { approvers: ['admin'] });
    const u = (await contextOf(fx.v.core).store.read((r: Repos) => r.users.byName('alice')))!;
    alice = { kind: 'user', user: u, name: u.username, source: 'test' };
    echo = net.createServer((s) => {
      s.on('error', () => undefined);
      s.pipe(s);
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoPort = (echo.address() as net.AddressInfo).port;
  }, 60_000);

  afterAll(async () => {
    echo?.close();
    await fx?.close();
  });

  const checkout = async (reason: string) => {
    // A test that failed half-way leaves its check-out: start from none.
    await fx.v.core.access.checkin(fx.v.host, fx.ref, { force: true }).catch(() => undefined);
    const req = await fx.v.core.access.request(alice, fx.ref, reason);
    await fx.v.core.access.approve(fx.v.host, req.id);
    await fx.v.core.access.checkout(alice, fx.ref);
  };

  /** A forward that has carried one echo round trip (so it is open end to end). */
  const openForward = async (port = fx.gw.port): Promise<Forward> => {
    const id = { password: USER_PASSWORD };
    const child = spawn(
      '/usr/bin/ssh',
      [...sshOptions(port, id), '-W', `127.0.0.1:${echoPort}`, `${fx.direct('alice')}@127.0.0.1`],
      { env: askpassEnv(id), stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const out = new Transcript();
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 255)));
    child.stdin!.write('PING-1\n');
    await out.waitFor(/PING-1/, 15_000);
    return { child, out, exited };
  };

  const liveForwards = async () => (await fx.v.core.live.list(fx.v.host)).filter((s) => s.kind === 'forward');

  const lastEnd = async () => {
    const rows = await fx.v.core.audit.query(fx.v.host, { type: 'session.end', limit: 20 });
    const forwards = rows
      .map((r) => JSON.parse(String(r.details)) as Record<string, unknown>)
      .filter((d) => d.mode === 'port-forward');
    return forwards[0];
  };

  it('is listed live, and a check-in ends it with session.end and its bytes', async () => {
    await checkout('INC-1');
    const f = await openForward();
    const live = await liveForwards();
    expect(live.map((s) => [s.user, s.target, s.state, s.forward])).toEqual([
      ['alice', fx.ref, 'live', `127.0.0.1:${echoPort}`],
    ]);

    await fx.v.core.access.checkin(alice, fx.ref);
    // ssh -W exits (with 0: the channel closed) once the gateway ends the forward.
    await f.exited;
    expect(await liveForwards()).toEqual([]);
    const end = await lastEnd();
    expect(end).toMatchObject({ how: 'terminated', port: echoPort, bytesIn: 7, bytesOut: 7 });
    expect(String(end!.reason)).toMatch(/checked in/);
  }, 60_000);

  it("ends on an administrator's terminate", async () => {
    await checkout('INC-2');
    const f = await openForward();
    const [live] = await liveForwards();
    await fx.v.core.live.terminate(fx.v.host, live!.id, 'closing the change window');
    await f.exited;
    const end = await lastEnd();
    expect(end).toMatchObject({ how: 'terminated', bytesIn: 7, bytesOut: 7 });
    expect(String(end!.reason)).toMatch(/closing the change window/);
    await fx.v.core.access.checkin(alice, fx.ref);
  }, 60_000);

  it('ends when idle, at the instant the idle time is reached', async () => {
    await checkout('INC-3');
    const f = await openForward();
    let gone = false;
    void f.exited.then(() => (gone = true));
    timers.advance(IDLE_MS - 1);
    // Still working a moment before the instant: another round trip goes through.
    f.child.stdin!.write('PING-2\n');
    await f.out.waitFor(/PING-2/, 10_000);
    expect(gone).toBe(false);
    // That round trip was traffic: the quiet period starts again from it.
    timers.advance(IDLE_MS - 1);
    expect((await liveForwards()).length).toBe(1);
    timers.advance(1);
    await f.exited;
    const end = await lastEnd();
    expect(end).toMatchObject({ how: 'idle', bytesIn: 14, bytesOut: 14 });
    await fx.v.core.access.checkin(alice, fx.ref);
  }, 60_000);

  it('ends at its maximum duration', async () => {
    const hour = 3_600_000;
    const clock = new ManualTimers(new Date());
    const gw = await startTestGateway(fx.v, { maxDurationMs: hour }, { timers: clock });
    try {
      await checkout('INC-4');
      const f = await openForward(gw.port);
      clock.advance(hour - 1);
      f.child.stdin!.write('PING-3\n');
      await f.out.waitFor(/PING-3/, 10_000);
      clock.advance(1);
      await f.exited;
      const end = await lastEnd();
      expect(end).toMatchObject({ how: 'max-duration', reason: 'maximum session duration reached' });
      await fx.v.core.access.checkin(alice, fx.ref);
    } finally {
      await gw.close();
    }
  }, 60_000);
});
