import type { LiveSessionInfo } from '../../../core/index.ts';
import type { ApiBodyField, ApiRoute } from './route.ts';
import { ok } from './route-common.ts';

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

const terminateBody: readonly ApiBodyField[] = [
  {
    name: 'reason',
    description: 'shown to the user whose session ends, and audited',
    required: true,
    maxLength: 200,
  },
];

/** Live sessions, for administrators: list and terminate with a reason. */
export const SESSION_ROUTES: readonly ApiRoute[] = [
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
