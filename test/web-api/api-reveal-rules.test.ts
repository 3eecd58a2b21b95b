// A retrieval through the API follows `account reveal`'s reason rule: with a reason required, a
// request without one is refused (400 E_VALIDATION, nothing audited as access) and one with a
// reason is audited with it, via the API and the key's name.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiTransport, type ApiFixture } from '../support/api-fixture.ts';
import { pw } from '../support/vault.ts';

let f: ApiFixture;
let key: string;
const PASSWORD = 'Rq5#Reason-Rule-Pw-77';

beforeAll(async () => {
  f = await apiTransport({ extraConfig: { vault: { require_reason_to_reveal: true } } });
  await f.v.core.resources.create(f.v.host, { name: 'db02', type: 'linux', dnsName: 'db02.example' });
  await f.v.core.accounts.add(f.v.host, 'db02', 'app', pw(PASSWORD));
  await f.v.core.sharing.grant(
    f.v.host,
    { kind: 'resource', name: 'db02' },
    { kind: 'user', name: 'bystander' },
    'view',
  );
  key = (await f.v.core.apiKeys.create(f.v.host, { name: 'reasoned', user: 'bystander' })).key.reveal();
}, 60_000);
afterAll(async () => f?.close());

it('refuses a retrieval without a reason where one is required, and audits the reason given', async () => {
  const without = await f.api('GET', '/api/v1/passwords/db02/app', { key });
  expect(without).toMatchObject({ status: 400, body: { error: { code: 'E_VALIDATION' } } });
  expect(without.text).not.toContain(PASSWORD);
  expect(await f.v.core.audit.query(f.v.host, { type: 'password.access', limit: 5 })).toEqual([]);
  const withReason = await f.api(
    'GET',
    `/api/v1/passwords/db02/app?reason=${encodeURIComponent('nightly backup')}`,
    { key },
  );
  expect(withReason).toMatchObject({ status: 200, body: { password: PASSWORD } });
  const rows = await f.v.core.audit.query(f.v.host, { type: 'password.access', limit: 5 });
  expect(rows.map((r) => [r.actor, r.targetName, JSON.parse(r.details)])).toEqual([
    ['bystander', 'db02/app', { reason: 'nightly backup', via: 'api', apiKey: 'reasoned' }],
  ]);
});
