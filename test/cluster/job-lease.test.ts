// Run-once jobs: two in-process nodes share the real PostgreSQL; time is a manual clock. Only the
// lease holder runs a pass; the fencing token grows with each new holder; a holder that stopped
// renewing loses the lease at its expiry, learns it at its next renewal (its signal aborts) and
// runs nothing more, while the other node takes over exactly once.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ManualTimers, silentLogger } from '../../core/index.ts';
import { JobLeases, LeaseGate, leaseJobGate } from '../../cluster/index.ts';
import { CLUSTER_SKIP_REASON, clusterServices, clusterServicesAvailable } from '../support/cluster.ts';

if (!clusterServicesAvailable()) {
  describe('cluster job leases', () => it.skip(CLUSTER_SKIP_REASON, () => undefined));
} else {
  const services = clusterServices();
  const TTL = 30_000;

  async function twoNodes() {
    const url = await services().freshDatabase();
    const timers = new ManualTimers('2026-01-01T00:00:00.000Z');
    const pools: pg.Pool[] = [];
    const node = (name: string) => {
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      pools.push(pool);
      const leases = new JobLeases({
        pool,
        node: name,
        clock: timers,
        timers,
        logger: silentLogger,
        ttlMs: TTL,
      });
      return {
        leases,
        gate: new LeaseGate(leases, timers),
        /** Ends a lease in the database, as its expiry does when no renewal arrives. */
        expire: (job: string) =>
          pool.query(`UPDATE cluster_leases SET expires_at = '1970-01-01T00:00:00.000Z' WHERE job = $1`, [
            job,
          ]),
      };
    };
    return {
      timers,
      a: node('node-a'),
      b: node('node-b'),
      close: () => Promise.all(pools.map((p) => p.end())),
    };
  }

  describe('cluster job leases', () => {
    it('lets one node hold a job at a time, with a token that grows with each new holder', async () => {
      const { timers, a, b, close } = await twoNodes();
      try {
        const first = (await a.leases.tryAcquire('rotation'))!;
        expect(first.token).toBe(1);
        expect(await b.leases.tryAcquire('rotation')).toBeNull();
        // Another job is its own lease.
        expect((await b.leases.tryAcquire('daily-check'))!.token).toBe(1);
        // Renewed within its time to live, it stays A's.
        timers.advance(TTL - 1);
        expect(await first.renew()).toBe(true);
        timers.advance(TTL - 1);
        expect(await b.leases.tryAcquire('rotation')).toBeNull();
        // A stops renewing (paused, cut off): at expiry B takes it with a larger token…
        timers.advance(1);
        const second = (await b.leases.tryAcquire('rotation'))!;
        expect(second.token).toBe(2);
        // …and A learns it has lost it: its renewal fails, its signal aborts, its token is stale.
        expect(await first.isCurrent()).toBe(false);
        expect(first.signal.aborted).toBe(true);
        expect(await first.renew()).toBe(false);
        expect(await second.isCurrent()).toBe(true);
        // A graceful stop hands the lease over without waiting for expiry.
        await second.release();
        expect((await a.leases.tryAcquire('rotation'))!.token).toBe(3);
      } finally {
        await close();
      }
    });

    it('runs each pass of a gated job on exactly one node, and moves it when the holder stops', async () => {
      const { timers, a, b, close } = await twoNodes();
      try {
        const ran: string[] = [];
        const pass = (node: string) => async () => void ran.push(node);
        for (let i = 0; i < 3; i++) {
          expect(await a.gate.run('rotation', pass('a'))).toBe(true);
          expect(await b.gate.run('rotation', pass('b'))).toBe(false);
          timers.advance(10_000);
        }
        // A stops (killed): B keeps trying each period and takes over once A's lease expired.
        for (let i = 0; i < 4; i++) {
          await b.gate.run('rotation', pass('b'));
          timers.advance(10_000);
        }
        expect(ran).toEqual(['a', 'a', 'a', 'b', 'b']);
        // The core schedulers' gate is the same lease: only B's scheduler pass runs now.
        const before = ran.length;
        await leaseJobGate(a.gate)('rotation', pass('a'));
        await leaseJobGate(b.gate)('rotation', pass('b'));
        expect(ran.slice(before)).toEqual(['b']);
        // A comes back: B holds the lease now, so A runs nothing.
        expect(await a.gate.run('rotation', pass('a'))).toBe(false);
        expect(ran.filter((r) => r === 'a')).toHaveLength(3);
      } finally {
        await close();
      }
    });

    it('keeps the lease through a pass longer than its time to live, and aborts a pass whose lease was taken', async () => {
      const { timers, a, b, close } = await twoNodes();
      try {
        let release!: () => void;
        const long = new Promise<void>((r) => (release = r));
        let signal: AbortSignal | undefined;
        const running = a.gate.run('rotation', async (lease) => {
          signal = lease.signal;
          await long;
        });
        while (!signal) await new Promise((r) => setImmediate(r));
        // Renewed every third of the time to live while the pass runs: B cannot take it. (Each
        // renewal schedules the next once its row is written: wait for that, not for a time.)
        const renewed = async () => {
          while (timers.pending === 0) await new Promise((r) => setImmediate(r));
        };
        for (let i = 0; i < 6; i++) {
          timers.advance(TTL / 3);
          await renewed();
        }
        expect(await b.leases.tryAcquire('rotation')).toBeNull();
        expect(signal.aborted).toBe(false);
        // A's renewals stop reaching the database (a partition) until the lease expires there,
        // and B takes the job: A's next renewal fails and the running pass's signal aborts.
        await b.expire('rotation');
        expect((await b.leases.tryAcquire('rotation'))!.token).toBe(2);
        timers.advance(TTL / 3);
        while (!signal.aborted) await new Promise((r) => setImmediate(r));
        release();
        expect(await running).toBe(true);
        // Pass over: no renewal timer is left behind.
        expect(timers.pending).toBe(0);
      } finally {
        await close();
      }
    });

    it('gives a scheduler pass a lease it can ask before each effect: false once another node took the job', async () => {
      const { a, b, close } = await twoNodes();
      try {
        const answers: boolean[] = [];
        let aborted = false;
        await leaseJobGate(a.gate)('rotation', async (lease) => {
          answers.push(await lease.stillHeld());
          // A is paused past its lease's expiry: B takes the job before A's next effect.
          await b.expire('rotation');
          expect(await b.leases.tryAcquire('rotation')).not.toBeNull();
          answers.push(await lease.stillHeld());
          aborted = lease.signal.aborted;
        });
        expect(answers).toEqual([true, false]);
        expect(aborted).toBe(true);
      } finally {
        await close();
      }
    });
  });
}
