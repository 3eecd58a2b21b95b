// The authorisation matrix of the REST API: every route × every role (plus a super administrator)
// × no share and a view share, called with an API key of the acting user. The expectations are
// the specification, written by hand; a route with no row here fails the first test, so nothing
// is reachable through the API without a decision. Core's own matrix (matrix.test.ts) has a row
// for every core operation a route declares.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStreamLogger, OPERATIONS, type Actor } from '../../core/index.ts';
import { allApiRoutes } from '../../gateway/web/api/openapi.ts';
import type { ApiRoute } from '../../gateway/web/api/route.ts';
import { registerFake } from '../support/live.ts';
import { apiTransport, type ApiFixture } from '../support/api-fixture.ts';
import type { Transport } from '../support/api-client.ts';
import { pw } from '../support/vault.ts';

type Kind = 'admin' | 'password-admin' | 'password-user' | 'auditor' | 'super';
type Priv = 'none' | 'view';

const KINDS: Kind[] = ['admin', 'password-admin', 'password-user', 'auditor', 'super'];
const PRIVS: Priv[] = ['none', 'view'];
const GOOD = 'Zq9#Lm2$Vx7!Rt4&Kp8w';
const MANAGERS: Kind[] = ['admin', 'password-admin', 'super'];
const ADMINS: Kind[] = ['admin', 'super'];

interface Cell {
  f: ApiFixture;
  api: Transport;
  /** The acting user's key. */
  key: string;
  actor: Actor;
  n: string;
  resource: string;
  account: string;
}

interface Row {
  /** The HTTP status the call must answer. */
  expect: (k: Kind, p: Priv) => number;
  invoke: (c: Cell) => Promise<{ status: number; text: string }>;
}

/** Any role: the status when allowed. */
const anyone = (status: number) => () => status;
/** Role only: allowed kinds get `status`, others 403. */
const roles =
  (allowed: Kind[], status = 200) =>
  (k: Kind) =>
    allowed.includes(k) ? status : 403;
/** On the shared account: without a share it does not exist (super administrators see all). */
const onShared =
  (status = 200) =>
  (k: Kind, p: Priv) =>
    k === 'super' || p !== 'none' ? status : 404;

const underAccessControl = (c: Cell, approvers = ['admin']) =>
  c.f.v.core.access.configure(c.f.v.host, c.resource, { approvers, autoApprove: 'always' });

const ROUTES = allApiRoutes('test');

const ROWS: Record<string, Row> = {
  getPassword: {
    expect: onShared(),
    invoke: (c) => c.api('GET', `/api/v1/passwords/${c.resource}/root`, { key: c.key }),
  },
  listResources: { expect: anyone(200), invoke: (c) => c.api('GET', '/api/v1/resources', { key: c.key }) },
  listAccounts: {
    expect: onShared(),
    invoke: (c) => c.api('GET', `/api/v1/resources/${c.resource}/accounts`, { key: c.key }),
  },
  listRequests: { expect: anyone(200), invoke: (c) => c.api('GET', '/api/v1/requests', { key: c.key }) },
  createRequest: {
    expect: onShared(201),
    invoke: async (c) => {
      await underAccessControl(c);
      return c.api('POST', '/api/v1/requests', {
        key: c.key,
        body: { account: c.account, reason: 'matrix' },
      });
    },
  },
  approveRequest: {
    // The resource's authorisers decide; only managers' roles may be one.
    expect: roles(MANAGERS),
    invoke: async (c) => {
      const role = c.actor.user.role;
      const approver = role === 'password-user' || role === 'auditor' ? 'admin' : c.actor.user.username;
      await c.f.v.core.access.configure(c.f.v.host, c.resource, { approvers: [approver] });
      const req = await c.f.v.core.access.request(c.f.bystander, c.account, 'matrix');
      return c.api('POST', `/api/v1/requests/${req.id}/approve`, { key: c.key });
    },
  },
  checkout: {
    expect: onShared(),
    invoke: async (c) => {
      await underAccessControl(c);
      await c.f.v.core.access.request(c.actor, c.account, 'matrix').catch(() => undefined);
      return c.api('POST', `/api/v1/accounts/${c.resource}/root/checkout`, { key: c.key });
    },
  },
  checkin: {
    expect: onShared(),
    invoke: async (c) => {
      await underAccessControl(c);
      await c.f.v.core.access.request(c.actor, c.account, 'matrix').catch(() => undefined);
      await c.f.v.core.access.checkout(c.actor, c.account).catch(() => undefined);
      return c.api('POST', `/api/v1/accounts/${c.resource}/root/checkin`, { key: c.key });
    },
  },
  listSessions: { expect: roles(ADMINS), invoke: (c) => c.api('GET', '/api/v1/sessions', { key: c.key }) },
  terminateSession: {
    expect: roles(ADMINS),
    invoke: async (c) => {
      await registerFake(c.f.v.core.live.registry, { id: `live-${c.n}` });
      return c.api('POST', `/api/v1/sessions/live-${c.n}/terminate`, {
        key: c.key,
        body: { reason: 'matrix' },
      });
    },
  },
  // The document holds no secret: anyone, with or without a key.
  getOpenApi: { expect: anyone(200), invoke: (c) => c.api('GET', '/api/v1/openapi.json') },
};

function coverage(routes: readonly Pick<ApiRoute, 'operationId'>[]): { missing: string[]; extra: string[] } {
  const ids = routes.map((r) => r.operationId);
  return {
    missing: ids.filter((id) => !(id in ROWS)),
    extra: Object.keys(ROWS).filter((id) => !ids.includes(id)),
  };
}

it('has a row for every API route, and no row for a route that does not exist', () => {
  expect(coverage(allApiRoutes('test'))).toEqual({ missing: [], extra: [] });
  // Every core operation a route reaches is one core's matrix has a row for (it has one for each).
  for (const r of allApiRoutes('test'))
    for (const op of r.operations) expect(OPERATIONS).toHaveProperty([op]);
});

it('probe: a route added without a matrix row fails the check above', () => {
  expect(coverage([...allApiRoutes('test'), { operationId: 'probeUnlisted' }])).toEqual({
    missing: ['probeUnlisted'],
    extra: [],
  });
});

/** Core operations run for the API key `actor-key`, from core's log of every operation. */
function operationsOfKey(lines: string[]): string[] {
  return (
    lines
      .map((l) => JSON.parse(l) as { op?: string; apiKey?: string })
      // A failed operation's line carries the error as its message: the `op` field marks them all.
      .filter((l) => l.op !== undefined && l.apiKey === 'actor-key')
      .map((l) => l.op!)
  );
}

describe.each(KINDS)('through the API as %s', (kind) => {
  let f: ApiFixture;
  let actor: Actor;
  let key: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    f = await apiTransport({ logger: createStreamLogger((l) => void logLines.push(l), 'debug') });
    actor = await f.v.addUser('actor', kind === 'super' ? 'admin' : kind, { superAdmin: kind === 'super' });
    key = (await f.v.core.apiKeys.create(f.v.host, { name: 'actor-key', user: 'actor' })).key.reveal();
  }, 60_000);
  afterAll(async () => f?.close());

  it.each(PRIVS)(
    'with a %s share, every route answers as specified',
    async (priv) => {
      const mismatches: string[] = [];
      let i = 0;
      for (const [id, row] of Object.entries(ROWS)) {
        const n = `${priv}-${++i}`;
        const c: Cell = { f, api: f.api, key, actor, n, resource: `res-${n}`, account: `res-${n}/root` };
        const h = f.v.host;
        await f.v.core.resources.create(h, { name: c.resource, type: 'linux', dnsName: 'h.example' });
        await f.v.core.accounts.add(h, c.resource, 'root', pw(GOOD));
        await f.v.core.sharing.grant(
          h,
          { kind: 'resource', name: c.resource },
          { kind: 'user', name: 'bystander' },
          'view',
        );
        if (priv === 'view')
          await f.v.core.sharing.grant(
            h,
            { kind: 'resource', name: c.resource },
            { kind: 'user', name: 'actor' },
            'view',
          );
        const want = row.expect(kind, priv);
        const seen = logLines.length;
        const got = await row.invoke(c);
        if (got.status !== want)
          mismatches.push(`${id}: expected ${want}, got ${got.status} ${got.text.slice(0, 160)}`);
        // What the call really reached in core: only operations the route declares (and so ones
        // core's matrix has rows for).
        const declared: readonly string[] = ROUTES.find((r) => r.operationId === id)!.operations;
        for (const op of operationsOfKey(logLines.slice(seen)))
          if (!declared.includes(op))
            mismatches.push(`${id}: reached ${op}, which the route does not declare`);
      }
      expect(mismatches).toEqual([]);
    },
    120_000,
  );
});
