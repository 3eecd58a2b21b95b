// Settling a reset that a rotation run's previous holder left half-done. Its pending row holds the
// new password sealed; whether the target took it is unknown when the row is still `started` (the
// node died between touching the target and writing the vault). The target itself answers: log in
// with the new password, then with the stored one, and keep the one that works.
import type { CoreContext } from '../context.ts';
import { aad } from '../crypto/aad.ts';
import { firstLine } from '../errors.ts';
import type { PendingResetRow } from '../storage/repos/index.ts';
import { checkPinnedHostKey } from '../sessions/host-keys.ts';
import { accountRef } from '../vault/refs.ts';
import { failureOf, type ResetConnectors, type ResetTarget } from './connector.ts';
import { auditReset, completeVaultReset, type Who } from './reset-vault.ts';

/**
 * `new`: the target has the pending password, now in the vault (the account counts as changed);
 * `stored`: the target still has the vault's password, the pending row is dropped (reset it again);
 * `unresolved`: neither was accepted, or the target could not say: the row is kept, for an
 * administrator (`custody reset --reconcile`, `custody verify`).
 */
export type Settled = 'new' | 'stored' | 'unresolved';

export const SETTLED_NEW_REASON =
  'reset by the run’s previous holder; its new password verified on the target';

export async function settleRunReset(
  ctx: CoreContext,
  connectors: ResetConnectors,
  who: Who,
  row: PendingResetRow,
): Promise<Settled> {
  const found = await ctx.store.read(async (r) => {
    const account = await r.accounts.byId(row.accountId);
    const resource = account ? await r.resources.byId(account.resourceId) : undefined;
    const kind = resource ? (await r.types.byId(resource.typeId))?.resetKind : undefined;
    return account && resource ? { account, resource, kind } : undefined;
  });
  // The account is gone (its pending row went with it): nothing to settle.
  if (!found) return 'unresolved';
  const { account, resource, kind } = found;
  const ref = accountRef(resource, account);
  const next = ctx.keyring.open(row.passwordEnc, aad.pendingReset(row.id));
  if (row.state === 'target-changed') {
    // The node saw the target accept it before it died: no need to ask the target.
    await completeVaultReset(
      ctx,
      who,
      row.id,
      next,
      { pending: row.id, kept: 'new', by: 'state' },
      'password.reset-reconciled',
      SETTLED_NEW_REASON,
    );
    return 'new';
  }
  const connector = kind ? connectors[kind] : undefined;
  const unresolved = async (why: string): Promise<Settled> => {
    await auditReset(ctx, who, 'password.reset-unresolved', ref, 'failure', {
      pending: row.id,
      since: row.createdAt,
      message: why,
    });
    return 'unresolved';
  };
  if (!kind || !connector?.verify) return unresolved('the target cannot be asked which password it has');
  const target: ResetTarget = {
    resource: resource.name,
    resetKind: kind,
    host: resource.dnsName,
    port: resource.port,
    hostKey: async (key) => {
      await checkPinnedHostKey(ctx, who, resource.name, key);
    },
  };
  // A refusal is an answer; anything else (unreachable, no verdict) says nothing about the password.
  const accepts = async (secret: typeof next): Promise<boolean | string> => {
    try {
      await connector.verify!(target, account.name, secret);
      return true;
    } catch (e) {
      return failureOf(e) === 'refused' ? false : firstLine(e, 200);
    }
  };
  const withNew = await accepts(next);
  if (withNew === true) {
    await completeVaultReset(
      ctx,
      who,
      row.id,
      next,
      { pending: row.id, kept: 'new', by: 'verified' },
      'password.reset-reconciled',
      SETTLED_NEW_REASON,
    );
    return 'new';
  }
  if (typeof withNew === 'string') return unresolved(withNew);
  const stored = ctx.keyring.open(account.passwordEnc, aad.account(account.id));
  const withStored = await accepts(stored);
  if (withStored === true) {
    await ctx.store.tx((r) => r.pendingResets.remove(row.id));
    await auditReset(ctx, who, 'password.reset-abandoned', ref, 'success', {
      pending: row.id,
      kept: 'stored',
      by: 'verified',
    });
    return 'stored';
  }
  return unresolved(
    typeof withStored === 'string' ? withStored : 'the target refused both the new and the stored password',
  );
}
