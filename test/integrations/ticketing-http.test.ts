// Ticket validation end to end: the real AccountsService.reveal / changePassword, the real
// HttpTicketSystem, and a local HTTP server standing in for the ticketing system.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core, CustodyError, type Actor } from '../../core/index.ts';
import { HttpTicketSystem } from '../../integrations/index.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const GOOD = 'Zq9#Lm2$Vx7!Rt4&Kp8wA';
const GOOD2 = 'Yb3%Nc6^Wd1*Qe5(Hf0zB';

const TICKETS: Record<string, Record<string, unknown>> = {
  'INC-1': { request: { id: 'INC-1', status: { name: 'Open' }, asset: 'web01', requester: 'alice' } },
  'INC-2': { request: { id: 'INC-2', status: { name: 'Closed' }, asset: 'web01', requester: 'alice' } },
  'INC-3': { request: { id: 'INC-3', status: { name: 'Open' }, asset: 'db01', requester: 'alice' } },
  'INC-7': { request: { id: 'INC-7', status: { name: 'Open' }, asset: 'app01', requester: 'alice' } },
};

describe('ticket validation (local HTTP server standing in for the ticketing system)', () => {
  let v: TestVault;
  let core: Core;
  let server: http.Server;
  let url: string;
  const seen: { path: string; auth: string | undefined }[] = [];
  let alice: Actor;
  let sup: Actor;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push({ path: req.url ?? '', auth: req.headers.authorization });
      const id = decodeURIComponent((req.url ?? '').replace(/^\/api\/tickets\//, ''));
      if (id === 'SLOW') return void setTimeout(() => res.end('{}'), 2000);
      if (id === 'BROKEN') return void res.writeHead(500).end('oops');
      const t = TICKETS[id];
      if (!t) return void res.writeHead(404).end('{}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(t));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/tickets/{id}`;
    v = await createTestVault();
    await writeFile(path.join(v.home, 'keys', 'ticket-token'), 'dXNlcjpwYXNz\n', { mode: 0o600 });
    core = new Core({
      ...contextOf(v.core).deps,
      ticketSystemFactory: (s) => new HttpTicketSystem(s, path.join(v.home, 'keys', 'ticket-token')),
    });
    alice = await v.addUser('alice', 'password-user');
    sup = await v.addUser('sup', 'admin', { superAdmin: true });
    for (const r of ['web01', 'db01']) {
      await core.resources.create(v.host, { name: r, type: 'linux', dnsName: `${r}.example` });
      await core.accounts.add(v.host, r, 'root', pw(GOOD));
      await core.sharing.grant(
        v.host,
        { kind: 'resource', name: r },
        { kind: 'user', name: 'alice' },
        'modify',
      );
    }
    await core.ticketing.configure(v.host, {
      enabled: true,
      url,
      timeoutMs: 500,
      mapCriteria: [{ name: 'C1', column: 'Resource Name', field: 'asset', op: 'EQUAL' }],
    });
  }, 60_000);
  afterAll(async () => {
    await v?.close();
    await new Promise((r) => server?.close(r));
  });

  const code = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: unknown) => (e instanceof CustodyError ? `${e.code}: ${e.message}` : String(e)),
    );

  it('requires a ticket id to retrieve', async () => {
    expect(await code(core.accounts.reveal(alice, 'web01/root'))).toMatch(
      /E_FORBIDDEN: a ticket id is required/,
    );
  });

  it('accepts an open ticket whose asset matches the resource, and audits the ticket id', async () => {
    const s = await core.accounts.reveal(alice, 'web01/root', undefined, 'INC-1');
    expect(s.reveal()).toBe(GOOD);
    expect(seen.at(-1)).toEqual({ path: '/api/tickets/INC-1', auth: 'Basic dXNlcjpwYXNz' });
    const rows = await v.core.audit.query(v.host, { limit: 10_000 });
    const access = rows.find((r) => r.type === 'password.access' && r.actor === 'alice');
    expect(JSON.parse(String(access?.details))).toMatchObject({ ticket: 'INC-1' });
    expect(rows.some((r) => r.type === 'ticket.validated')).toBe(true);
  });

  it('refuses a closed ticket, a ticket for another asset, and a missing ticket', async () => {
    expect(await code(core.accounts.reveal(alice, 'web01/root', undefined, 'INC-2'))).toMatch(
      /E_FORBIDDEN: ticket 'INC-2' does not allow this \(failed: C1\)/,
    );
    expect(await code(core.accounts.reveal(alice, 'web01/root', undefined, 'INC-3'))).toMatch(/failed: C1/);
    expect(await code(core.accounts.reveal(alice, 'db01/root', undefined, 'INC-3'))).toBe('ok');
    expect(await code(core.accounts.reveal(alice, 'web01/root', undefined, 'INC-404'))).toMatch(
      /E_FORBIDDEN: ticket 'INC-404' does not exist/,
    );
    const rows = await v.core.audit.query(v.host, { limit: 10_000 });
    expect(rows.filter((r) => r.type === 'ticket.denied').length).toBeGreaterThanOrEqual(3);
  });

  it('refuses with one line when the ticketing system fails or is slow', async () => {
    expect(await code(core.accounts.reveal(alice, 'web01/root', undefined, 'BROKEN'))).toBe(
      'E_FORBIDDEN: ticketing system unavailable: the ticketing system answered HTTP 500',
    );
    expect(await code(core.accounts.reveal(alice, 'web01/root', undefined, 'SLOW'))).toBe(
      'E_FORBIDDEN: ticketing system unavailable: no answer within 500 ms',
    );
  });

  it('requires a ticket to reset (change) a password, with the same rules', async () => {
    expect(await code(core.accounts.changePassword(alice, 'web01/root', pw(GOOD2)))).toMatch(
      /ticket id is required/,
    );
    expect(await code(core.accounts.changePassword(alice, 'web01/root', pw(GOOD2), 'INC-2'))).toMatch(
      /failed: C1/,
    );
    expect(await code(core.accounts.changePassword(alice, 'web01/root', pw(GOOD2), 'INC-1'))).toBe('ok');
  });

  it('exempts super administrators, unless the exemption is switched off', async () => {
    expect(await code(core.accounts.reveal(sup, 'web01/root'))).toBe('ok');
    await core.ticketing.configure(v.host, { exemptSuperAdmins: false });
    expect(await code(core.accounts.reveal(sup, 'web01/root'))).toMatch(/ticket id is required/);
    await core.ticketing.configure(v.host, { exemptSuperAdmins: true });
  });

  it('refuses malformed settings with the path of the bad key', async () => {
    expect(await code(core.ticketing.configure(v.host, { mapExpression: 'C1 or C7' }))).toMatch(
      /unknown criterion 'C7'/,
    );
    expect(
      await code(core.ticketing.configure(v.host, { valueCriteria: [{ name: 'C1' }] } as never)),
    ).toMatch(/E_VALIDATION: ticketing: valueCriteria\.0\.field/);
    expect(await code(core.ticketing.configure(alice, { enabled: false }))).toMatch(/E_FORBIDDEN/);
  });

  it('the allow lists: named users and user groups retrieve without a ticket', async () => {
    const bob = await v.addUser('bob', 'password-user');
    await core.sharing.grant(
      v.host,
      { kind: 'resource', name: 'web01' },
      { kind: 'user', name: 'bob' },
      'view',
    );
    expect(await code(core.accounts.reveal(bob, 'web01/root'))).toMatch(/a ticket id is required/);
    await core.ticketing.configure(v.host, { retrieveWithoutTicket: ['bob'] });
    expect(await code(core.accounts.reveal(bob, 'web01/root'))).toBe('ok');
    // The allow list for retrieval does not cover resets.
    await core.ticketing.configure(v.host, { retrieveWithoutTicket: ['group:night-shift'] });
    expect(await code(core.accounts.reveal(alice, 'web01/root'))).toMatch(/a ticket id is required/);
    await core.userGroups.create(v.host, 'night-shift');
    await core.userGroups.addMember(v.host, 'night-shift', 'alice');
    expect(await code(core.accounts.reveal(alice, 'web01/root'))).toBe('ok');
    expect(await code(core.accounts.changePassword(alice, 'web01/root', pw(GOOD2)))).toMatch(
      /a ticket id is required/,
    );
    await core.ticketing.configure(v.host, { retrieveWithoutTicket: [] });
  });

  it('an access request needs a valid ticket, and a valid ticket approves it where the resource says so', async () => {
    await core.resources.create(v.host, { name: 'app01', type: 'linux', dnsName: 'app01.example' });
    await core.accounts.add(v.host, 'app01', 'root', pw(GOOD));
    await core.sharing.grant(
      v.host,
      { kind: 'resource', name: 'app01' },
      { kind: 'user', name: 'alice' },
      'view',
    );
    await core.access.configure(v.host, 'app01', { approvers: ['sup'], ticketAutoApprove: true });
    expect(await code(core.access.request(alice, 'app01/root', 'deploy'))).toMatch(/a ticket id is required/);
    expect(await code(core.access.request(alice, 'app01/root', 'deploy', 'INC-1'))).toMatch(/failed: C1/);
    const approved = await core.access.request(alice, 'app01/root', 'deploy', 'INC-7');
    expect(approved.state).toBe('approved');
    const auto = (await v.core.audit.query(v.host, { type: 'access.auto-approve', limit: 1 }))[0]!;
    expect(JSON.parse(auto.details)).toMatchObject({ ticket: 'INC-7' });
    await core.access.checkout(alice, 'app01/root');
    expect((await core.accounts.reveal(alice, 'app01/root', undefined, 'INC-7')).reveal()).toBe(GOOD);
    await core.access.checkin(alice, 'app01/root', { force: false });
    // Without the resource setting, a valid ticket still leaves the request to the approvers.
    await core.access.configure(v.host, 'app01', { approvers: ['sup'], ticketAutoApprove: false });
    expect((await core.access.request(alice, 'app01/root', 'again', 'INC-7')).state).toBe('waiting');
  });

  it('without ticket validation on, no ticket is asked for', async () => {
    await core.ticketing.configure(v.host, { enabled: false });
    expect(await code(core.accounts.reveal(alice, 'web01/root'))).toBe('ok');
  });
});
