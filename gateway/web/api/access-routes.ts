import type { AccessRequestView } from '../../../core/index.ts';
import type { ApiBodyField, ApiRoute } from './route.ts';
import { ACCOUNT, accountRef, ok, RESOURCE } from './route-common.ts';

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

/** The access-control workflow: request, approve, check out, check in. */
export const ACCESS_ROUTES: readonly ApiRoute[] = [
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
];
