import type { Actor } from '../authz/actor.ts';
import { atLeast } from '../authz/privilege.ts';
import type { CoreContext } from '../context.ts';
import { aad } from '../crypto/aad.ts';
import type { Secret } from '../crypto/secret.ts';
import type { Account, Resource } from '../model.ts';
import { checkPinnedHostKey } from '../sessions/host-keys.ts';
import type { Repos } from '../storage/repos/index.ts';
import { accountRef, loadAccount, loadResource } from '../vault/refs.ts';
import { mapBounded } from './bounded.ts';
import { failureOf, type ResetConnector, type ResetConnectors, type ResetTarget } from './connector.ts';
import { firstLine } from '../errors.ts';

/**
 * Verification verdicts: a login the target refuses is `out-of-sync`; a target that cannot be
 * reached is `unreachable` and NOT out of sync (nothing was learnt about the password);
 * a type without a verifying connector is `unsupported` (only reset-capable accounts verify).
 * Notifications key on `password.verify` rows with `details.status` set to one of these strings.
 */
export type VerifyStatus = 'in-sync' | 'out-of-sync' | 'unreachable' | 'unsupported';

export interface VerifyResult {
  account: string;
  status: VerifyStatus;
  /** One line from the connector when it was not in sync; never a secret. */
  message?: string;
}

export interface VerifyFilter {
  /** Only the accounts of this resource. */
  resource?: string;
}

export type VerifyProgress = (done: number, total: number, last: VerifyResult) => void;

type Who = { name: string; source: string };
const NIGHTLY: Who = { name: 'system', source: 'verify-nightly' };

interface Item {
  ref: string;
  resource: Resource;
  account: Account;
}

/** On demand (`custody verify`) and nightly verification of vaulted passwords against targets. */
export class VerificationService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly connectors: ResetConnectors = ctx.deps.resetConnectors ?? {},
  ) {}

  private get concurrency(): number {
    return this.ctx.config.rotation.concurrency;
  }

  /** One account; needs `view` on it (verifying uses the password without showing it). */
  async verify(actor: Actor, ref: string): Promise<VerifyResult> {
    const item = await this.ctx.run(actor, 'password.verify', { kind: 'account', name: ref }, async (s) => {
      const { resource, account } = await loadAccount(s.repos, ref);
      this.ctx.authz.requireOn(actor, 'password.verify', await s.access.onAccount(account, resource), {
        kind: 'account',
        name: ref,
      });
      return { ref: accountRef(resource, account), resource, account };
    });
    return this.check(actor, item);
  }

  /** Every account the actor may view (optionally of one resource), `concurrency` at a time. */
  async verifyAll(
    actor: Actor,
    filter: VerifyFilter = {},
    onProgress?: VerifyProgress,
  ): Promise<VerifyResult[]> {
    const target = { kind: filter.resource ? 'resource' : 'system', name: filter.resource ?? '*' };
    const items = await this.ctx.run(actor, 'password.verify-all', target, async (s) => {
      this.ctx.authz.require(actor, 'password.verify-all');
      const resources = filter.resource
        ? [await loadResource(s.repos, filter.resource)]
        : await s.repos.resources.list();
      const out: Item[] = [];
      for (const resource of resources) {
        if (filter.resource)
          this.ctx.authz.requireOn(actor, 'password.verify-all', await s.access.onResource(resource), target);
        for (const account of await s.repos.accounts.ofResource(resource.id))
          if (atLeast(await s.access.onAccount(account, resource), 'view'))
            out.push({ ref: accountRef(resource, account), resource, account });
      }
      return out;
    });
    return this.run(actor, items, onProgress);
  }

  /** The nightly run: every account in the vault, as the system. */
  async verifyEverything(onProgress?: VerifyProgress): Promise<VerifyResult[]> {
    const items = await this.ctx.store.read(async (r) => {
      const out: Item[] = [];
      for (const resource of await r.resources.list())
        for (const account of await r.accounts.ofResource(resource.id))
          out.push({ ref: accountRef(resource, account), resource, account });
      return out;
    });
    return this.run(NIGHTLY, items, onProgress);
  }

  private async run(who: Who, items: Item[], onProgress?: VerifyProgress): Promise<VerifyResult[]> {
    let done = 0;
    return mapBounded(items, this.concurrency, async (item) => {
      const r = await this.check(who, item);
      onProgress?.(++done, items.length, r);
      return r;
    });
  }

  private async connectorOf(repos: Repos, resource: Resource): Promise<[string, ResetConnector] | undefined> {
    const kind = (await repos.types.byId(resource.typeId))?.resetKind;
    const c = kind ? this.connectors[kind] : undefined;
    return kind && c?.verify ? [kind, c] : undefined;
  }

  /** Logs in with the vaulted credential; audits the verdict as `password.verify`. */
  private async check(who: Who, item: Item): Promise<VerifyResult> {
    const found = await this.ctx.store.read((r) => this.connectorOf(r, item.resource));
    let result: VerifyResult;
    if (!found) {
      result = { account: item.ref, status: 'unsupported' };
    } else {
      const [resetKind, connector] = found;
      const target: ResetTarget = {
        resource: item.resource.name,
        resetKind,
        host: item.resource.dnsName,
        port: item.resource.port,
        hostKey: async (key) => {
          await checkPinnedHostKey(this.ctx, who, item.resource.name, key);
        },
      };
      // Read fresh: a reset or rotation may have changed it since the list was made.
      const secret: Secret = await this.ctx.store.read(async (r) => {
        const a = (await r.accounts.byId(item.account.id)) ?? item.account;
        return this.ctx.keyring.open(a.passwordEnc, aad.account(a.id));
      });
      try {
        await connector.verify!(target, item.account.name, secret);
        result = { account: item.ref, status: 'in-sync' };
      } catch (e) {
        const message = firstLine(e, 300);
        // `failed` (connected, but no verdict) cannot prove the password wrong: not out of sync.
        result = {
          account: item.ref,
          status: failureOf(e) === 'refused' ? 'out-of-sync' : 'unreachable',
          message,
        };
      }
    }
    await this.ctx.auditAs(
      who,
      'password.verify',
      { kind: 'account', name: item.ref },
      result.status === 'out-of-sync' || result.status === 'unreachable' ? 'failure' : 'success',
      { status: result.status, ...(result.message ? { message: result.message } : {}) },
    );
    return result;
  }
}
