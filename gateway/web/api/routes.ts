import { NotFoundError, type AccessRequestView, type LiveSessionInfo } from '../../../core/index.ts';
import type { ApiBodyField, ApiRequest, ApiRoute } from './route.ts';

const RESOURCE = { name: 'resource', description: 'the resource name' };
const ACCOUNT = { name: 'account', description: 'the account name on that resource' };

/**
 * RESOURCE/ACCOUNT as core names an account. A resource name never holds '/', so one that does
 * (an encoded `%2F`, a traversal attempt) names nothing: the same 404 as an unknown resource, and
 * never a different account through a shifted split.
 */
function accountRef(req: ApiRequest): string {
  const resource = req.params.resource!;
  if (resource.includes('/')) throw new NotFoundError('resource', resource);
  return `${resource}/${req.params.account!}`;
}

const REASON: ApiBodyField = {
  name: 'reason',
  description: 'why the password is needed (audited)',
  required: false,
  maxLength: 500,
};

const requestSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    account: { type: 'string' },
    requester: { type: 'string' },
    reason: { type: 'string' },
    state: { type: 'string' },
    approvals: { type: 'array', items: { type: 'string' } },
    approvalsNeeded: { type: 'integer' },
    createdAt: { type: 'string' },
    checkedOutAt: { type: ['string', 'null'] },
    expiresAt: { type: ['string', 'null'] },
    endedAt: { type: ['string', 'null'] },
  },
  required: ['id', 'account', 'requester', 'state'],
};

const requestView = (r: AccessRequestView) => ({
  id: r.id,
  account: r.account,
  requester: r.requester,
  reason: r.reason,
  state: r.state,
  approvals: r.approvals,
  approvalsNeeded: r.approvalsNeeded,
  rejectedBy: r.rejectedBy,
  rejectReason: r.rejectReason,
  createdAt: r.createdAt,
  voidAt: r.voidAt,
  checkedOutAt: r.checkedOutAt,
  expiresAt: r.expiresAt,
  endedAt: r.endedAt,
  endedBy: r.endedBy,
  endedHow: r.endedHow,
});

const sessionView = (s: LiveSessionInfo) => ({
  id: s.id,
  user: s.user,
  target: s.target,
  protocol: s.protocol,
  kind: s.kind,
  state: s.state,
  requestId: s.requestId,
  expiresAt: s.expiresAt,
  route: s.route,
  source: s.source,
  startedAt: s.startedAt,
  bytesIn: s.bytesIn,
  bytesOut: s.bytesOut,
  node: s.node,
});

const ok = (body: unknown, status = 200) => ({ status, body });

const retrieval = {
  query: [
    {
      name: 'reason',
      description: 'why the password is needed (audited; required when the vault asks for one)',
    },
    { name: 'ticket', description: 'the ticket id, where ticket validation is on' },
  ],
} as const;

const createRequestBody: readonly ApiBodyField[] = [
  { name: 'account', description: 'RESOURCE/ACCOUNT', required: true, maxLength: 401 },
  { name: 'reason', description: 'why access is needed (audited)', required: true, maxLength: 500 },
  {
    name: 'ticket',
    description: 'the ticket id, where ticket validation is on',
    required: false,
    maxLength: 200,
  },
];

const terminateBody: readonly ApiBodyField[] = [
  {
    name: 'reason',
    description: 'shown to the user whose session ends, and audited',
    required: true,
    maxLength: 200,
  },
];

/**
 * Every route of the REST API. Each handler calls core through the key's actor core only, so the
 * authorisation, the access-control workflow, ticket and reason rules and the audit trail are the
 * ones every other door has; the API adds no decision of its own.
 */
export const API_ROUTES: readonly ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/v1/passwords/{resource}/{account}',
    operationId: 'getPassword',
    summary:
      'The password of an account, under the same rules as `account reveal` (shares, check-out, reason, ticket); audited as password.access via api',
    operations: ['account.reveal'],
    params: [RESOURCE, ACCOUNT],
    query: retrieval.query,
    success: {
      status: 200,
      description: 'the password',
      schema: { type: 'object', properties: { password: { type: 'string' } }, required: ['password'] },
    },
    auth: 'apikey',
    async handle(req) {
      const secret = await req.me.accounts.reveal(
        accountRef(req),
        req.query.reason as string | undefined,
        req.query.ticket as string | undefined,
      );
      try {
        // The one place the API turns a secret into text: the authorised retrieval's answer.
        return ok({ password: secret.reveal() });
      } finally {
        secret.wipe();
      }
    },
  },
  {
    method: 'GET',
    path: '/api/v1/resources',
    operationId: 'listResources',
    summary: "The resources the key's user may see (never a password)",
    operations: ['resource.view'],
    params: [],
    query: [{ name: 'search', description: 'matches name, DNS name or description' }],
    success: {
      status: 200,
      description: 'the resources',
      schema: {
        type: 'object',
        properties: {
          resources: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                type: { type: 'string' },
                dnsName: { type: 'string' },
                port: { type: ['integer', 'null'] },
                access: { type: 'string' },
              },
            },
          },
        },
      },
    },
    auth: 'apikey',
    async handle(req) {
      const list = await req.me.resources.list((req.query.search as string | undefined) ?? '');
      return ok({
        resources: list.map((r) => ({
          name: r.name,
          type: r.typeName,
          dnsName: r.dnsName,
          port: r.port,
          access: r.access,
        })),
      });
    },
  },
  {
    method: 'GET',
    path: '/api/v1/resources/{resource}/accounts',
    operationId: 'listAccounts',
    summary: "The accounts of a resource that the key's user may see (never a password)",
    operations: ['resource.view', 'account.view'],
    params: [RESOURCE],
    success: {
      status: 200,
      description: 'the accounts',
      schema: {
        type: 'object',
        properties: {
          resource: { type: 'string' },
          accounts: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                ref: { type: 'string' },
                passwordChangedAt: { type: 'string' },
                access: { type: 'string' },
              },
            },
          },
        },
      },
    },
    auth: 'apikey',
    async handle(req) {
      const resource = req.params.resource!;
      if (resource.includes('/')) throw new NotFoundError('resource', resource);
      const r = await req.me.resources.get(resource);
      const accounts = [];
      for (const name of r.accounts) {
        const a = await req.me.accounts.get(`${r.name}/${name}`);
        accounts.push({ name: a.name, ref: a.ref, passwordChangedAt: a.passwordChangedAt, access: a.access });
      }
      return ok({ resource: r.name, accounts });
    },
  },
  {
    method: 'GET',
    path: '/api/v1/requests',
    operationId: 'listRequests',
    summary: "Access requests the key's user made, or may decide",
    operations: ['access.list'],
    params: [],
    query: [
      { name: 'mine', description: 'only the requests the key’s user made', type: 'boolean' },
      { name: 'pending', description: 'only requests waiting for a decision', type: 'boolean' },
    ],
    success: {
      status: 200,
      description: 'the requests',
      schema: { type: 'object', properties: { requests: { type: 'array', items: requestSchema } } },
    },
    auth: 'apikey',
    async handle(req) {
      const { mine, pending } = req.query;
      const list = await req.me.access.list({
        ...(typeof mine === 'boolean' ? { mine } : {}),
        ...(typeof pending === 'boolean' ? { pending } : {}),
      });
      return ok({ requests: list.map(requestView) });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/requests',
    operationId: 'createRequest',
    summary: 'Requests access to a password under access control',
    operations: ['access.request'],
    params: [],
    body: createRequestBody,
    success: { status: 201, description: 'the request', schema: requestSchema },
    auth: 'apikey',
    async handle(req) {
      const r = await req.me.access.request(req.body.account!, req.body.reason!, req.body.ticket);
      return ok(requestView(r), 201);
    },
  },
  {
    method: 'POST',
    path: '/api/v1/requests/{id}/approve',
    operationId: 'approveRequest',
    summary: "Approves a request (the resource's approvers only)",
    operations: ['access.approve'],
    params: [{ name: 'id', description: 'the request id' }],
    body: [],
    success: { status: 200, description: 'the request', schema: requestSchema },
    auth: 'apikey',
    async handle(req) {
      return ok(requestView(await req.me.access.approve(req.params.id!)));
    },
  },
  {
    method: 'POST',
    path: '/api/v1/accounts/{resource}/{account}/checkout',
    operationId: 'checkout',
    summary: "Checks the password out on the key's user's approved request (exclusive use)",
    operations: ['access.checkout'],
    params: [RESOURCE, ACCOUNT],
    body: [REASON],
    success: { status: 200, description: 'the checked-out request', schema: requestSchema },
    auth: 'apikey',
    async handle(req) {
      return ok(requestView(await req.me.access.checkout(accountRef(req), req.body.reason)));
    },
  },
  {
    method: 'POST',
    path: '/api/v1/accounts/{resource}/{account}/checkin',
    operationId: 'checkin',
    summary: "Checks the password in (the key's user's own check-out)",
    operations: ['access.checkin'],
    params: [RESOURCE, ACCOUNT],
    body: [],
    success: { status: 200, description: 'the ended request', schema: requestSchema },
    auth: 'apikey',
    async handle(req) {
      return ok(requestView(await req.me.access.checkin(accountRef(req))));
    },
  },
  {
    method: 'GET',
    path: '/api/v1/sessions',
    operationId: 'listSessions',
    summary: 'Live sessions on every node (administrators)',
    operations: ['session.list-live'],
    params: [],
    success: {
      status: 200,
      description: 'the live sessions',
      schema: { type: 'object', properties: { sessions: { type: 'array', items: { type: 'object' } } } },
    },
    auth: 'apikey',
    async handle(req) {
      return ok({ sessions: (await req.me.live.list()).map(sessionView) });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/sessions/{id}/terminate',
    operationId: 'terminateSession',
    summary: 'Ends a live session with a reason (administrators)',
    operations: ['session.terminate'],
    params: [{ name: 'id', description: 'the live session id' }],
    body: terminateBody,
    success: {
      status: 200,
      description: 'the session was told to end',
      schema: { type: 'object', properties: { terminated: { type: 'string' } } },
    },
    auth: 'apikey',
    async handle(req) {
      await req.me.live.terminate(req.params.id!, req.body.reason!);
      return ok({ terminated: req.params.id! });
    },
  },
];
