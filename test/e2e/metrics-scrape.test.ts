// GET /metrics scraped over HTTP and read with a real Prometheus text parser while real OpenSSH
// clients sign in to the gateway and run sessions on a real sshd: the counters move with what
// happened, the live-session gauge shows the session while it runs, and nothing else moves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, systemTimers } from '../../core/index.ts';
import net from 'node:net';
import { sshTargetFixture, startTestGateway, type SshTargetFixture } from '../support/gateway-fixture.ts';
import { ssh, sshInteractive } from '../support/openssh-client.ts';
import { startOpsHttp, type OpsHttp } from '../support/ops-http.ts';
import { parseExposition, sample, type ParsedFamily } from '../support/prometheus.ts';
import { sshdSkipReason } from '../support/sshd.ts';
import { USER_PASSWORD } from '../support/vault.ts';

const skip = sshdSkipReason();

describe.skipIf(!!skip)(`GET /metrics with real sessions and logins${skip ? ` (${skip})` : ''}`, () => {
  let fx: SshTargetFixture;
  let web: OpsHttp;

  beforeAll(async () => {
    fx = await sshTargetFixture('metrx', { operators: ['alice'] });
    web = await startOpsHttp({
      core: fx.v.core,
      allowFrom: ['127.0.0.1', '::1'],
      acceptingSessions: () => fx.gw.accepting(),
      timers: systemTimers,
      logger: silentLogger,
    });
  }, 60_000);

  afterAll(async () => {
    await web?.close();
    await fx?.close();
  });

  async function scrape(): Promise<ParsedFamily[]> {
    const r = await web.get('/metrics');
    expect(r.status).toBe(200);
    expect(r.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(r.body);
  }

  it('counts sign-ins, session starts and ends, and recording bytes; shows the live session', async () => {
    const before = await scrape();
    const loginsOk = { outcome: 'success', method: 'password' };
    const loginsBad = { outcome: 'failure', method: 'password' };

    // One failed sign-in (wrong password).
    const wrong = await ssh(fx.gw.port, fx.direct('alice'), { password: 'not-the-password' }, ['true']);
    expect(wrong.code).not.toBe(0);

    // One interactive session, scraped while it runs.
    const alice = sshInteractive(fx.gw.port, fx.direct('alice'), { password: USER_PASSWORD });
    await alice.out.waitFor(/\$ $/m, 15_000);
    alice.child.stdin!.write('echo METRICS-$((6*7))\n');
    await alice.out.waitFor(/METRICS-42/);
    const during = await scrape();
    expect(sample(during, 'custody_live_sessions', { protocol: 'ssh', node: 'test' })).toBe(1);
    alice.child.stdin!.write('exit\n');
    expect(await alice.exited).toBe(0);

    // One command session.
    const cmd = await ssh(fx.gw.port, fx.direct('alice'), { password: USER_PASSWORD }, ['echo', 'ran']);
    expect(cmd.stdout).toContain('ran');

    // session.end is written as the session is torn down, just after the client hears the end.
    let after = await scrape();
    for (
      let i = 0;
      i < 50 && sample(after, 'custody_session_ends_total', { mode: 'exec', how: 'closed' }) < 1;
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
      after = await scrape();
    }
    const delta = (name: string, labels: Record<string, string> = {}) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(delta('custody_logins_total', loginsOk)).toBe(2);
    // The client tries the wrong password once per method it offers (password, then
    // keyboard-interactive): the counter is the audit trail's count of failed sign-ins.
    const failedRows = await fx.v.core.audit.query(fx.v.host, { type: 'user.login', result: 'failure' });
    expect(failedRows.length).toBeGreaterThan(0);
    expect(delta('custody_logins_total', loginsBad)).toBe(failedRows.length);
    expect(delta('custody_session_starts_total', { mode: 'shell' })).toBe(1);
    expect(delta('custody_session_starts_total', { mode: 'exec' })).toBe(1);
    expect(delta('custody_session_ends_total', { mode: 'shell', how: 'closed' })).toBe(1);
    expect(delta('custody_session_ends_total', { mode: 'exec', how: 'closed' })).toBe(1);
    expect(delta('custody_session_refusals_total', { reason: 'not-permitted' })).toBe(0);
    expect(delta('custody_recording_bytes_written_total')).toBeGreaterThan('METRICS-42'.length);
    expect(delta('custody_recording_failures_total')).toBe(0);
    expect(delta('custody_lockouts_total')).toBe(0);
    expect(sample(after, 'custody_live_sessions', { protocol: 'ssh', node: 'test' })).toBe(0);
  }, 90_000);

  it('counts a refusal by where it happened: an account the operator may not use', async () => {
    const before = await scrape();
    // `bob` exists but holds no share on the account: core refuses at authorisation.
    await fx.v.addUser('bob', 'password-user');
    const r = await ssh(fx.gw.port, `bob:${fx.target.name}@web01`, { password: USER_PASSWORD }, ['true']);
    expect(r.code).not.toBe(0);
    const after = await scrape();
    const d = (labels: Record<string, string>) =>
      sample(after, 'custody_session_refusals_total', labels) -
      sample(before, 'custody_session_refusals_total', labels);
    expect(d({ reason: 'not-permitted' })).toBe(1);
    expect(d({ reason: 'target-failed' })).toBe(0);
  }, 60_000);

  it('counts connections the front door closes before login, by bound', async () => {
    const gw = await startTestGateway(fx.v, {}, { door: { maxPerSource: 1, maxTotal: 10, graceMs: 60_000 } });
    const sockets: net.Socket[] = [];
    try {
      const before = await scrape();
      const connect = () => {
        const s = net.connect({ host: '127.0.0.1', port: gw.port });
        s.on('error', () => undefined);
        sockets.push(s);
        return new Promise<net.Socket>((resolve) => s.once('connect', () => resolve(s)));
      };
      const first = await connect();
      await new Promise((r) => first.once('data', r)); // the door let it through: the SSH banner
      const second = await connect();
      await new Promise((r) => second.once('close', r));
      const after = await scrape();
      const d = (reason: string) =>
        sample(after, 'custody_door_refusals_total', { reason }) -
        sample(before, 'custody_door_refusals_total', { reason });
      expect(d('per-source')).toBe(1);
      expect(d('overall')).toBe(0);
    } finally {
      for (const s of sockets) s.destroy();
      await gw.close();
    }
  });

  it('follows the Prometheus naming conventions', async () => {
    const families = await scrape();
    for (const f of families) {
      expect(f.name).toMatch(/^custody_[a-z0-9_]+$/);
      if (f.type === 'COUNTER') expect(f.name).toMatch(/_total$/);
      expect(f.help.length).toBeGreaterThan(5);
    }
    expect(families.map((f) => f.name)).toEqual(
      expect.arrayContaining([
        'custody_live_sessions',
        'custody_approvals_waiting',
        'custody_checkouts_active',
        'custody_job_runs_total',
        'custody_job_duration_seconds',
      ]),
    );
  });

  it('answers 403 to an address outside [metrics] allow_from', async () => {
    const closed = await startOpsHttp({
      core: fx.v.core,
      allowFrom: ['10.0.0.0/8'],
      acceptingSessions: () => true,
      timers: systemTimers,
      logger: silentLogger,
    });
    try {
      const r = await closed.get('/metrics');
      expect(r.status).toBe(403);
      expect(r.body).not.toContain('custody_');
      // The probes stay open to everyone.
      expect((await closed.get('/healthz')).status).toBe(200);
    } finally {
      await closed.close();
    }
  });
});
