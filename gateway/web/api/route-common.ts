import { NotFoundError } from '../../../core/index.ts';
import type { ApiRequest, ApiResult } from './route.ts';

export const RESOURCE = { name: 'resource', description: 'the resource name' };
export const ACCOUNT = { name: 'account', description: 'the account name on that resource' };

/**
 * RESOURCE/ACCOUNT as core names an account. A resource name never holds '/', so one that does
 * (an encoded `%2F`, a traversal attempt) names nothing: the same 404 as an unknown resource, and
 * never a different account through a shifted split.
 */
export function accountRef(req: ApiRequest): string {
  const resource = req.params.resource!;
  if (resource.includes('/')) throw new NotFoundError('resource', resource);
  return `${resource}/${req.params.account!}`;
}

export const ok = (body: unknown, status = 200): ApiResult => ({ status, body });
