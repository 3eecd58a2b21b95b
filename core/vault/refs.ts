import { NotFoundError, ValidationError } from '../errors.ts';
import type { Account, Resource } from '../model.ts';
import type { Repos } from '../storage/repos/index.ts';
import type { AccountForUse } from '../storage/repos/vault/accounts.ts';

/** Stands in for the name of an account the caller may not see, in listings that count it. */
export const HIDDEN_ACCOUNT = '(an account you cannot see)';

/** Accounts are named `RESOURCE/ACCOUNT` wherever one string must name one (CLI contract). */
export function parseAccountRef(ref: string): { resource: string; account: string } {
  const i = ref.indexOf('/');
  if (i <= 0 || i === ref.length - 1) {
    throw new ValidationError(`account must be named RESOURCE/ACCOUNT, got '${ref.slice(0, 100)}'`, {
      field: 'account',
    });
  }
  return { resource: ref.slice(0, i), account: ref.slice(i + 1) };
}

export function accountRef(resource: Pick<Resource, 'name'>, account: Pick<Account, 'name'>): string {
  return `${resource.name}/${account.name}`;
}

/** Loads without checking access: callers pass the result to the authorizer before using it. */
export async function loadResource(repos: Repos, name: string): Promise<Resource> {
  const r = await repos.resources.byName(name);
  if (!r) throw new NotFoundError('resource', name);
  return r;
}

export async function loadAccount(
  repos: Repos,
  ref: string,
): Promise<{ resource: Resource; account: Account }> {
  const { resource: rn, account: an } = parseAccountRef(ref);
  const found = await repos.accounts.byRef(rn, an);
  // One message for a missing resource and a missing account: both are "this account".
  if (!found) throw new NotFoundError('account', ref);
  return found;
}

/**
 * loadAccount for a password use: the resource's access-control settings and the global settings
 * named in `settingKeys` come with the account, in the same statement.
 */
export async function loadAccountForUse(
  repos: Repos,
  ref: string,
  settingKeys: readonly string[],
): Promise<AccountForUse> {
  const { resource: rn, account: an } = parseAccountRef(ref);
  const found = await repos.accounts.byRefForUse(rn, an, settingKeys);
  if (!found) throw new NotFoundError('account', ref);
  return found;
}
