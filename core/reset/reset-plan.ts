// The parts of a reset that depend on the resource's reset settings and landing route: who logs
// in (self, a login account with sudo or su, a device's enable secret) and how the target is
// reached (directly, or through the landing-server chain with failover, like gateway sessions).
import type { CoreContext } from '../context.ts';
import { aad } from '../crypto/aad.ts';
import type { Secret } from '../crypto/secret.ts';
import { CustodyError, ValidationError } from '../errors.ts';
import type { Account, Resource } from '../model.ts';
import { routeTo } from '../sessions/landing-service.ts';
import { checkPinnedHostKey } from '../sessions/host-keys.ts';
import type { Repos } from '../storage/repos/index.ts';
import { DEFAULT_PORTS } from '../vault/builtin-types.ts';
import { resetError, type ResetLogin, type ResetSettings, type ResetTarget } from './connector.ts';

type Who = { name: string; source: string };

async function secretOf(
  ctx: CoreContext,
  repos: Repos,
  resource: Resource,
  name: string,
  what: string,
): Promise<{ account: Account; secret: Secret }> {
  const a = await repos.accounts.byName(resource.id, name);
  if (!a) throw new ValidationError(`${what} account '${resource.name}/${name}' not found`);
  return { account: a, secret: ctx.keyring.open(a.passwordEnc, aad.account(a.id)) };
}

/**
 * The login for a reset. `--admin` (per reset) wins over the stored `login`; the stored `mode`
 * says how a login account elevates (default sudo, as before settings existed). With `su`, the
 * root account's vaulted password answers su; resetting that root account itself uses its
 * current password.
 */
export async function resolveLogin(
  ctx: CoreContext,
  repos: Repos,
  resource: Resource,
  account: Account,
  current: Secret,
  settings: ResetSettings,
  admin: string | undefined,
): Promise<ResetLogin> {
  const loginName = admin ?? (settings.mode === 'self' ? undefined : settings.login);
  let login: ResetLogin;
  if (loginName && loginName !== account.name) {
    const { account: a, secret } = await secretOf(ctx, repos, resource, loginName, 'admin');
    login = { account: a.name, secret, kind: a.credentialKind, self: false };
    if (settings.mode === 'su') {
      const rootName = settings.root ?? 'root';
      const root =
        rootName === account.name
          ? { account: account.name, secret: current }
          : { account: rootName, secret: (await secretOf(ctx, repos, resource, rootName, 'root')).secret };
      login = { ...login, elevation: 'su', root };
    } else login = { ...login, elevation: 'sudo' };
  } else {
    if (account.credentialKind !== 'password')
      throw new ValidationError(
        `account '${resource.name}/${account.name}' holds a private key: reset it with --admin ACCOUNT`,
      );
    login = { account: account.name, secret: current, kind: 'password', self: true };
  }
  if (settings.enable) {
    const enable =
      settings.enable === account.name
        ? current
        : (await secretOf(ctx, repos, resource, settings.enable, 'enable')).secret;
    login = { ...login, enable };
  }
  return login;
}

/**
 * `target.connect` for a resource behind landing servers (undefined for a direct one). Hop
 * credentials and host keys are the landing resources' own; failovers are audited as
 * `password.reset-failover`. A route with no dialer wired refuses the reset rather than trying
 * to reach the target directly (which would bypass the landing servers).
 */
export async function routeConnect(
  ctx: CoreContext,
  repos: Repos,
  who: Who,
  ref: string,
  resource: Resource,
  protocol: string,
  transport: string,
): Promise<ResetTarget['connect']> {
  const route = await routeTo(repos, resource);
  if (!route.length) return undefined;
  const dialer = ctx.deps.routeDialer;
  if (!dialer)
    throw new ValidationError(
      `resource '${resource.name}' is reached through landing servers, and this node has no landing dialer`,
    );
  const port = resource.port ?? DEFAULT_PORTS[transport as 'ssh'] ?? DEFAULT_PORTS[protocol as 'ssh'] ?? 22;
  return async () => {
    try {
      const routed = await dialer({
        route,
        target: { ref, host: resource.dnsName, port, protocol: transport },
        credentialFor: async (c) => {
          const a = await ctx.store.read(async (r) => {
            const res = await r.resources.byName(c.resource);
            return res ? r.accounts.byName(res.id, c.account) : undefined;
          });
          if (!a) throw new ValidationError(`landing account '${c.ref}' not found`);
          const secret = ctx.keyring.open(a.passwordEnc, aad.account(a.id));
          return a.credentialKind === 'private-key'
            ? { kind: 'private-key', username: a.name, secret }
            : { kind: 'password', username: a.name, secret };
        },
        checkHostKey: async (c, key) => {
          await checkPinnedHostKey(ctx, who, c.resource, key);
        },
        timeoutMs: ctx.config.gateway.connect_timeout_seconds * 1000,
      });
      for (const f of routed.failures)
        await ctx.auditAs(who, 'password.reset-failover', { kind: 'account', name: ref }, 'failure', {
          ...f,
          failover: true,
        });
      return routed.stream;
    } catch (e) {
      const message = e instanceof CustodyError ? e.message : String((e as Error)?.message ?? e);
      throw resetError('unreachable', message);
    }
  };
}
