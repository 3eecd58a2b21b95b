// A retrieval through the API follows `account reveal`'s reason rule: with a reason required, a
// request without one is refused (400 E_VALIDATION, nothing audited as access) and one with a
// reason is audited with it, via the API and the key's name. A blank or control-character reason
// gets the very answer core's `account reveal` gives, and the length line is the same (500
// characters pass, 501 do not); no refused retrieval is audited as access.
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

const errorOf = (r: { status: number; body: unknown }) => ({
  status: r.status,
  error: (r.body as { error?: unknown }).error,
});
const coreAnswer = (reason: string) =>
  f.v.core.accounts.reveal(f.bystander, 'db02/app', reason).then(
    () => 'returned',
    (e: { code: string; message: string }) => ({ code: e.code, message: e.message }),
  );
const viaApi = (reason: string) =>
  f.api('GET', `/api/v1/passwords/db02/app?reason=${encodeURIComponent(reason)}`, { key });

it('answers a blank or a control-character reason exactly as `account reveal` does, auditing no access', async () => {
  const before = await f.v.core.audit.query(f.v.host, { type: 'password.access', limit: 50 });
  for (const reason of ['   ', 'line\u0007bell']) {
    const viaCore = await coreAnswer(reason);
    expect(viaCore).toMatchObject({ code: 'E_VALIDATION' });
    const r = await viaApi(reason);
    expect(errorOf(r)).toEqual({ status: 400, error: viaCore });
    expect(r.text).not.toContain(PASSWORD);
  }
  expect(await f.v.core.audit.query(f.v.host, { type: 'password.access', limit: 50 })).toEqual(before);
});

it('draws the reason length line where `account reveal` draws it: 500 characters pass, 501 do not', async () => {
  const before = await f.v.core.audit.query(f.v.host, { type: 'password.access', limit: 50 });
  const tooLong = 'x'.repeat(501);
  expect(await coreAnswer(tooLong)).toMatchObject({ code: 'E_VALIDATION' });
  const refused = await viaApi(tooLong);
  expect(errorOf(refused)).toMatchObject({ status: 400, error: { code: 'E_VALIDATION' } });
  expect(refused.text).not.toContain(PASSWORD);
  expect(await f.v.core.audit.query(f.v.host, { type: 'password.access', limit: 50 })).toEqual(before);
  const longest = 'y'.repeat(500);
  expect(await viaApi(longest)).toMatchObject({ status: 200, body: { password: PASSWORD } });
  const [row] = await f.v.core.audit.query(f.v.host, { type: 'password.access', limit: 1 });
  expect(JSON.parse(row!.details)).toEqual({ reason: longest, via: 'api', apiKey: 'reasoned' });
});
