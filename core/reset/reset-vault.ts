// The vault half of a remote password reset: completing a reset the target has accepted (one
// transaction), the reset's audit rows, and reconciling the resets a crash or a failed vault write
// left pending. The engine (reset-engine.ts) does the target half.
import type { CoreContext } from '../context.ts';
import { aad } from '../crypto/aad.ts';
import type { Secret } from '../crypto/secret.ts';
import { StorageError } from '../errors.ts';
import { emitPasswordStored, type PasswordStored } from '../events/password-stored.ts';
import { effectivePolicy } from '../policy/policies-service.ts';
import { storeNewPassword } from '../vault/accounts-service.ts';
import { accountRef } from '../vault/refs.ts';

export type Who = { name: string; source: string };

export interface ReconcileResult {
  completed: string[];
  unresolved: string[];
}

export function auditReset(
  ctx: CoreContext,
  who: Who,
  type:
    | 'password.reset'
    | 'password.reset-fail'
    | 'password.reset-vault-alert'
    | 'password.reset-reconciled'
    | 'password.reset-unresolved'
    | 'password.reset-abandoned',
  ref: string,
  result: 'success' | 'failure',
  details: Record<string, unknown>,
): Promise<void> {
  return ctx.appendStandalone({
    type,
    actor: who.name,
    source: who.source,
    target: { kind: 'account', name: ref },
    result,
    details,
  });
}

/**
 * The vault half: old password to history, new one in place, pending row dropped, audited — one
 * transaction. A reset a rotation run started also records the run's `changed` result for the
 * account in that transaction: whoever finishes the run then knows, from the run's rows alone,
 * which accounts hold their new password, and never resets one twice.
 */
export async function completeVaultReset(
  ctx: CoreContext,
  who: Who,
  pendingId: string,
  next: Secret,
  details: Record<string, unknown>,
  type: 'password.reset' | 'password.reset-reconciled' = 'password.reset',
  runReason = '',
): Promise<void> {
  const stored: PasswordStored = await ctx.store.tx(async (r) => {
    const row = await r.pendingResets.byId(pendingId);
    if (!row) throw new StorageError(`pending reset ${pendingId} vanished`);
    const account = await r.accounts.byId(row.accountId);
    const resource = account ? await r.resources.byId(account.resourceId) : undefined;
    if (!account || !resource) throw new StorageError(`account of pending reset ${pendingId} vanished`);
    const policy = await effectivePolicy(r, resource);
    const old = ctx.keyring.open(account.passwordEnc, aad.account(account.id));
    // The target already has it: the policy was checked before; never refuse it now.
    await storeNewPassword(ctx, r, who, account, next, policy, {
      skipPolicy: true,
    });
    await r.pendingResets.remove(pendingId);
    if (row.runId)
      await r.rotation.insertResults([
        {
          id: ctx.ids.next(),
          runId: row.runId,
          account: accountRef(resource, account),
          outcome: 'changed',
          reason: runReason,
          at: ctx.now(),
        },
      ]);
    await ctx.auditLog.append(r, {
      type,
      actor: who.name,
      source: who.source,
      target: { kind: 'account', name: accountRef(resource, account) },
      result: 'success',
      details: { policy: policy.name, ...details },
    });
    return { resource: resource.name, account: account.name, who, old, next };
  });
  // After the commit, never before: listeners see only a password the vault really holds.
  emitPasswordStored(ctx.passwordObservers, ctx.deps.logger, stored);
}

/**
 * After a crash or a failed vault write: `target-changed` rows are written to the vault;
 * `started` rows (target state unknown) are reported and kept.
 */
export async function reconcilePendingResets(ctx: CoreContext): Promise<ReconcileResult> {
  const rows = await ctx.store.read((r) => r.pendingResets.all());
  const out: ReconcileResult = { completed: [], unresolved: [] };
  for (const row of rows) {
    const ref = await ctx.store.read(async (r) => {
      const a = await r.accounts.byId(row.accountId);
      const res = a ? await r.resources.byId(a.resourceId) : undefined;
      return a && res ? accountRef(res, a) : row.accountId;
    });
    const who = { name: row.actor, source: row.source };
    if (row.state === 'target-changed') {
      const next = ctx.keyring.open(row.passwordEnc, aad.pendingReset(row.id));
      await completeVaultReset(ctx, who, row.id, next, { pending: row.id }, 'password.reset-reconciled');
      out.completed.push(ref);
    } else {
      await auditReset(ctx, who, 'password.reset-unresolved', ref, 'failure', {
        pending: row.id,
        since: row.createdAt,
      });
      out.unresolved.push(ref);
    }
  }
  return out;
}
