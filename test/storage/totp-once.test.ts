// A TOTP code works once even when logins race. Eight logins with the same fresh
// code run in parallel; exactly one may pass. The "once" is a conditional UPDATE in the database,
// so it holds on SQLite and on PostgreSQL (and across processes sharing the database).
import * as OTPAuth from 'otpauth';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthError, ManualClock } from '../../core/index.ts';
import { TOTP_PARAMS } from '../../core/identity/credentials-service.ts';
import { storageDrivers } from '../support/drivers.ts';
import { createTestVault, type TestVault } from '../support/vault.ts';

for (const driver of storageDrivers()) {
  describe(`TOTP replay on ${driver.name}`, () => {
    let v: TestVault;
    afterEach(async () => v?.close());

    it('accepts a code once among 8 parallel logins with it', async () => {
      const clock = new ManualClock('2026-06-01T10:00:05Z');
      const url = await driver.freshDatabase();
      v = await createTestVault({
        clock,
        ...(url ? { postgresUrl: url } : {}),
        extraConfig: { security: { lockout_attempts: 100, lockout_source_attempts: 1000 } },
      });
      const a = await v.addUser('tina', 'password-user');
      const secret = (await v.core.credentials.enableTotp(a, 'tina')).secret.reveal();
      const code = new OTPAuth.TOTP({ ...TOTP_PARAMS, secret: OTPAuth.Secret.fromBase32(secret) }).generate({
        timestamp: clock.now().getTime(),
      });
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => v.core.logins.totp('tina', code, `10.0.0.${i + 1}`)),
      );
      const ok = results.filter((r) => r.status === 'fulfilled');
      expect(ok).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(AuthError);
      const rows = await v.core.audit.query(v.host, { type: 'user.login', actor: 'tina', limit: 20 });
      expect(rows.filter((x) => x.result === 'success' && x.details.includes('totp'))).toHaveLength(1);
    }, 60_000);
  });
}
