// Login password hashing is bounded, fair per source, refuses when full, and never
// computes a hash for a client that has gone. The verifier is a fake (deferred answers) so the
// order and the number of hashes are exact.
import { afterEach, describe, expect, it } from 'vitest';
import { LimitError } from '../../core/index.ts';
import { HashAbandonedError, HashQueue, HashQueueFullError } from '../../core/identity/hash-queue.ts';
import { createTestVault, pw, USER_PASSWORD, type TestVault } from '../support/vault.ts';

/** A fake verifier: records each call's hash and answers only when the test releases it. */
function heldVerifier() {
  const calls: string[] = [];
  const pending: (() => void)[] = [];
  const verify = (hash: string) =>
    new Promise<boolean>((resolve) => {
      calls.push(hash);
      pending.push(() => resolve(true));
    });
  const releaseOne = async () => {
    pending.shift()?.();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { calls, verify, releaseOne };
}

const limits = { concurrency: 1, maxQueued: 10, maxQueuedPerSource: 5 };

describe('login hash queue (fake verifier)', () => {
  it('does not compute the hash of a job whose client has gone, and frees its place', async () => {
    const h = heldVerifier();
    const q = new HashQueue({ ...limits, maxQueued: 1 }, h.verify);
    const first = q.verify('h1', pw('a'), '10.0.0.1');
    const gone = new AbortController();
    const second = q.verify('h2', pw('b'), '10.0.0.2', gone.signal);
    gone.abort();
    await expect(second).rejects.toBeInstanceOf(HashAbandonedError);
    // Its place is free at once: another job fits in a list of one.
    const third = q.verify('h3', pw('c'), '10.0.0.3');
    await h.releaseOne();
    await h.releaseOne();
    await expect(first).resolves.toBe(true);
    await expect(third).resolves.toBe(true);
    expect(h.calls).toEqual(['h1', 'h3']);
    // Already gone when it arrives: refused without queueing.
    await expect(q.verify('h4', pw('d'), '10.0.0.4', AbortSignal.abort())).rejects.toBeInstanceOf(LimitError);
    expect(h.calls).toEqual(['h1', 'h3']);
  });

  it('serves waiting sources in turn: one address flooding waits behind itself', async () => {
    const h = heldVerifier();
    const q = new HashQueue(limits, h.verify);
    const jobs = [
      q.verify('x1', pw('p'), 'x'),
      q.verify('x2', pw('p'), 'x'),
      q.verify('x3', pw('p'), 'x'),
      q.verify('x4', pw('p'), 'x'),
      q.verify('y1', pw('p'), 'y'),
    ];
    for (let i = 0; i < 5; i++) await h.releaseOne();
    await Promise.all(jobs);
    expect(h.calls).toEqual(['x1', 'x2', 'y1', 'x3', 'x4']);
  });

  it('answers "try again" at once when the list is full, overall or for one source', async () => {
    const h = heldVerifier();
    const q = new HashQueue({ concurrency: 1, maxQueued: 3, maxQueuedPerSource: 2 }, h.verify);
    const held = [q.verify('r', pw('p'), 'x'), q.verify('q1', pw('p'), 'x'), q.verify('q2', pw('p'), 'x')];
    await expect(q.verify('q3', pw('p'), 'x')).rejects.toBeInstanceOf(HashQueueFullError);
    held.push(q.verify('q4', pw('p'), 'y'));
    await expect(q.verify('q5', pw('p'), 'z')).rejects.toBeInstanceOf(HashQueueFullError);
    for (let i = 0; i < 4; i++) await h.releaseOne();
    await Promise.all(held);
    expect(h.calls).toEqual(['r', 'q1', 'q4', 'q2']);
  });
});

describe('LoginService through the hash queue (fake verifier)', () => {
  let v: TestVault;
  afterEach(async () => v?.close());

  it('a password whose client has gone is not checked and not counted as a failure', async () => {
    v = await createTestVault();
    await v.addUser('ann', 'password-user');
    const h = heldVerifier();
    v.core.logins.hashes = new HashQueue(limits, h.verify);
    const first = v.core.logins.password('ann', pw(USER_PASSWORD), '10.0.0.1');
    await new Promise((r) => setTimeout(r, 50));
    const gone = new AbortController();
    const second = v.core.logins.password('ann', pw('wrong'), '10.0.0.2', { signal: gone.signal });
    await new Promise((r) => setTimeout(r, 50));
    gone.abort();
    await expect(second).rejects.toBeInstanceOf(LimitError);
    await h.releaseOne();
    expect((await first).user.username).toBe('ann');
    expect(h.calls).toHaveLength(1);
    const failures = await v.core.audit.query(v.host, { type: 'user.login', limit: 20 });
    expect(failures.filter((e) => e.result === 'failure')).toEqual([]);
  });
});
