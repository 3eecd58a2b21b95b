// Parallel wrong passwords from one address must not all be checked before the limit applies. Each
// attempt is claimed in the database before its password is hashed, so once the address's limit is
// reached the rest are refused without hashing; on SQLite and on PostgreSQL (a row lock serialises
// the claims there).
import { afterEach, describe, expect, it } from 'vitest';
import { AuthError, LockedError } from '../../core/index.ts';
import { verifyLoginPassword } from '../../core/crypto/password-hash.ts';
import { LoginService } from '../../core/identity/login-service.ts';
import { storageDrivers } from '../support/drivers.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

for (const driver of storageDrivers()) {
  describe(`parallel failed logins on ${driver.name}`, () => {
    let v: TestVault;
    afterEach(async () => v?.close());

    it('hashes at most the address limit of 100 parallel wrong passwords (counting verifier)', async () => {
      const url = await driver.freshDatabase();
      v = await createTestVault({
        ...(url ? { postgresUrl: url } : {}),
        extraConfig: {
          security: { lockout_attempts: 1000, lockout_source_attempts: 5, lockout_minutes: 10 },
          gateway: { hash_queue_max: 1000, hash_queue_per_source: 1000 },
        },
      });
      await v.addUser('ann', 'password-user');
      let calls = 0;
      const logins = new LoginService(contextOf(v.core), async (hash, password) => {
        calls++;
        return verifyLoginPassword(hash, password);
      });
      const results = await Promise.allSettled(
        Array.from({ length: 100 }, () => logins.password('ann', pw('wrong-password'), '10.6.6.6')),
      );
      expect(calls).toBeGreaterThan(0);
      expect(calls).toBeLessThanOrEqual(5);
      for (const r of results) {
        expect(r.status).toBe('rejected');
        if (r.status === 'rejected') expect([AuthError, LockedError]).toContain(r.reason.constructor);
      }
      const lockouts = await v.core.audit.query(v.host, { type: 'user.lockout' });
      expect(lockouts.map((r) => r.targetName)).toEqual(['10.6.6.6']);
    }, 120_000);
  });
}
