// A retrieval through the API follows `account reveal`'s ticket rule: with ticket validation on,
// a request without a ticket (or with one the ticketing system does not know, or one about
// another resource) is refused with
// the core's code and status and nothing is audited as access; a valid ticket (the `ticket`
// query parameter) returns the password, audited with the ticket, via the API and the key's name.
// A local HTTP server stands in for the ticketing system.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ForbiddenError, httpStatusOf } from '../../core/index.ts';
import { HttpTicketSystem } from '../../integrations/index.ts';
import { apiTransport, type ApiFixture } from '../support/api-fixture.ts';
import { pw } from '../support/vault.ts';

let f: ApiFixture;
let key: string;
let tickets: http.Server;
const looked: string[] = [];
const PASSWORD = 'Tk4#Ticket-Rule-Pw-31';

beforeAll(async () => {
  tickets = http.createServer((req, res) => {
    const id = decodeURIComponent((req.url ?? '').replace(/^\/t\//, ''));
    looked.push(id);
    const asset = { 'INC-42': 'db03', 'INC-43': 'web09' }[id];
    if (!asset) return void res.writeHead(404).end('{}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'Open', asset }));
  });
  await new Promise<void>((r) => tickets.listen(0, '127.0.0.1', r));
  f = await apiTransport({
    integrations: () => ({ ticketSystemFactory: (s) => new HttpTicketSystem(s, '') }),
  });
  await f.v.core.resources.create(f.v.host, { name: 'db03', type: 'linux', dnsName: 'db03.example' });
  await f.v.core.accounts.add(f.v.host, 'db03', 'app', pw(PASSWORD));
  await f.v.core.sharing.grant(
    f.v.host,
    { kind: 'resource', name: 'db03' },
    { kind: 'user', name: 'bystander' },
    'view',
  );
  await f.v.core.ticketing.configure(f.v.host, {
    enabled: true,
    url: `http://127.0.0.1:${(tickets.address() as AddressInfo).port}/t/{id}`,
    timeoutMs: 2000,
    mapCriteria: [{ name: 'C1', column: 'Resource Name', field: 'asset', op: 'EQUAL' }],
  });
  key = (await f.v.core.apiKeys.create(f.v.host, { name: 'ticketed', user: 'bystander' })).key.reveal();
}, 60_000);
afterAll(async () => {
  await f?.close();
  await new Promise((r) => tickets?.close(r));
});

const messageOf = (r: { body: unknown }) => (r.body as { error: { message: string } }).error.message;

const accessRows = async () =>
  (await f.v.core.audit.query(f.v.host, { type: 'password.access', limit: 5 })).map((r) => [
    r.actor,
    r.targetName,
    JSON.parse(r.details),
  ]);

it('refuses a retrieval without a ticket, or with an unknown one, as `account reveal` does', async () => {
  const forbidden = {
    status: httpStatusOf(new ForbiddenError('x')),
    body: { error: { code: 'E_FORBIDDEN' } },
  };
  const without = await f.api('GET', '/api/v1/passwords/db03/app', { key });
  expect(without).toMatchObject(forbidden);
  expect(messageOf(without)).toContain('a ticket id is required');
  const unknown = await f.api('GET', '/api/v1/passwords/db03/app?ticket=INC-404', { key });
  expect(unknown).toMatchObject(forbidden);
  expect(messageOf(unknown)).toBe("ticket 'INC-404' does not exist");
  // A real ticket that is about another resource does not open this one.
  const elsewhere = await f.api('GET', '/api/v1/passwords/db03/app?ticket=INC-43', { key });
  expect(elsewhere).toMatchObject(forbidden);
  expect(messageOf(elsewhere)).toBe("ticket 'INC-43' does not allow this (failed: C1)");
  expect(looked).toEqual(['INC-404', 'INC-43']);
  for (const r of [without, unknown, elsewhere]) expect(r.text).not.toContain(PASSWORD);
  expect(await accessRows()).toEqual([]);
  const denied = await f.v.core.audit.query(f.v.host, { type: 'ticket.denied', limit: 5 });
  expect(denied.map((r) => [r.actor, JSON.parse(r.details).ticket])).toEqual(
    expect.arrayContaining([
      ['bystander', ''],
      ['bystander', 'INC-404'],
      ['bystander', 'INC-43'],
    ]),
  );
});

it('returns the password with a valid ticket and audits the ticket with the API key', async () => {
  const r = await f.api('GET', '/api/v1/passwords/db03/app?ticket=INC-42', { key });
  expect(r).toMatchObject({ status: 200, body: { password: PASSWORD } });
  expect(await accessRows()).toEqual([
    ['bystander', 'db03/app', { ticket: 'INC-42', via: 'api', apiKey: 'ticketed' }],
  ]);
});
