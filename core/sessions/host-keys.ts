import type { CoreContext } from '../context.ts';
import { HostKeyError } from '../errors.ts';
import { EXPECTED_HOST_KEY } from '../storage/repos/gateway.ts';
import { loadResource } from '../vault/refs.ts';

/**
 * Host-key pinning per resource, shared by sessions and password resets: the first key seen is
 * recorded (audited); a different key later is refused, and the refusal is audited outside the
 * rolled-back transaction so it stays on record. After `hostkey accept --fingerprint` the
 * resource has no pin but an expectation: only a key with that fingerprint is recorded.
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
        const expected = await repos.hostKeys.get(r.id, EXPECTED_HOST_KEY);
        if (expected && expected.fingerprint !== key.fingerprint)
          throw new HostKeyError(
            `host key of '${resourceName}' is not the one an administrator accepted (expected ${expected.fingerprint}, got ${key.fingerprint}): refusing to connect`,
            { expected: expected.fingerprint },
          );
        // The accepted expectation is met: the key is pinned in its place.
        if (expected) await repos.hostKeys.forget(r.id);
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
