import type { ApiRoute } from './route.ts';
import { ACCOUNT, accountRef, ok, RESOURCE } from './route-common.ts';
import { NotFoundError } from '../../../core/index.ts';

const retrieval = {
  query: [
    {
      name: 'reason',
      description: 'why the password is needed (audited; required when the vault asks for one)',
    },
    { name: 'ticket', description: 'the ticket id, where ticket validation is on' },
  ],
} as const;

/** Passwords, resources and accounts: what the key's user may see, and the one retrieval. */
export const VAULT_ROUTES: readonly ApiRoute[] = [
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
];
