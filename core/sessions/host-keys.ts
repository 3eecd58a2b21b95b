import type { CoreContext } from '../context.ts';
import { HostKeyError } from '../errors.ts';
import { loadResource } from '../vault/refs.ts';

/**
 * Host-key pinning per resource, shared by sessions and password resets: the first key seen is
 * recorded (audited); a different key later is refused, and the refusal is audited outside the
 * rolled-back transaction so it stays on record.
 */
export async function checkPinnedHostKey(
  ctx: CoreContext,
  who: { name: string; source: string },
  resourceName: string,
  key: { type: string; fingerprint: string },
): Promise<'recorded' | 'match'> {
  try {
    return await ctx.store.tx(async (repos) => {
      const r = await loadResource(repos, resourceName);
      const pinned = await repos.hostKeys.get(r.id, key.type);
      if (!pinned) {
        await repos.hostKeys.record(r.id, key.type, key.fingerprint, ctx.now());
        await ctx.auditLog.append(repos, {
          type: 'host-key.recorded',
          actor: who.name,
          source: who.source,
          target: { kind: 'resource', name: resourceName },
          result: 'success',
          details: { keyType: key.type, fingerprint: key.fingerprint },
        });
        return 'recorded';
      }
      if (pinned.fingerprint === key.fingerprint) return 'match';
      throw new HostKeyError(
        `host key of '${resourceName}' changed (expected ${pinned.fingerprint}, got ${key.fingerprint}): refusing to connect`,
        { expected: pinned.fingerprint },
      );
    });
  } catch (e) {
    if (e instanceof HostKeyError) {
      await ctx.auditAs(who, 'host-key.mismatch', { kind: 'resource', name: resourceName }, 'failure', {
        keyType: key.type,
        expected: e.details.expected,
        got: key.fingerprint,
      });
    }
    throw e;
  }
}
