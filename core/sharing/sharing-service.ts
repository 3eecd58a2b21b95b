import type { Actor } from '../authz/actor.ts';
import type { Level } from '../authz/privilege.ts';
import type { CoreContext, OpScope } from '../context.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { effectiveGroupSettings } from '../identity/user-groups-service.ts';
import { PRIVILEGES, type GranteeKind, type ObjectKind, type Privilege, type Share } from '../model.ts';
import { loadAccount, loadResource } from '../vault/refs.ts';
import { loadGroup } from '../groups/group-refs.ts';

export interface ShareTarget {
  kind: ObjectKind;
  /** `RESOURCE/ACCOUNT`, `RESOURCE`, or `OWNER/GROUP` for a resource group (see group-refs). */
  name: string;
}

export interface Grantee {
  kind: GranteeKind;
  name: string;
}

/**
 * Sharing: view / modify / manage on accounts, resources and resource groups, to users and
 * user groups. Sharing needs `manage` on the object (owners and super administrators hold it).
 */
export class SharingService {
  constructor(private readonly ctx: CoreContext) {}

  async grant(actor: Actor, target: ShareTarget, grantee: Grantee, privilege: Privilege): Promise<Share> {
    if (!PRIVILEGES.includes(privilege))
      throw new ValidationError(`unknown privilege '${privilege}' (view, modify, manage)`, {
        field: 'privilege',
      });
    // Manage means managing a resource (its accounts, its settings), so it exists for resources
    // and groups only; an account is shared with view or modify.
    if (target.kind === 'account' && privilege === 'manage') {
      throw new ValidationError(
        'accounts can be shared with view or modify only; share the resource to delegate management',
        { field: 'privilege' },
      );
    }
    return this.ctx.run(actor, 'share.grant', { kind: target.kind, name: target.name }, async (s) => {
      const { objectId, level, criteriaGroup } = await this.resolve(s, target);
      this.ctx.authz.requireOn(actor, 'share.grant', level, { kind: target.kind, name: target.name });
      if (
        criteriaGroup &&
        privilege === 'manage' &&
        actor.kind !== 'host' &&
        !(await effectiveGroupSettings(s.repos, actor.user.id)).allowGrantManageCriteria
      ) {
        // Off unless one of the actor's user groups permits it: a criteria group such as "name
        // contains a" would otherwise hand the grantee manage on resources nobody allotted them.
        throw new ForbiddenError(
          "granting 'manage' on a criteria-based group needs a user group that permits it",
        );
      }
      const granteeId = await this.granteeId(s, grantee);
      const share: Share = {
        id: this.ctx.ids.next(),
        objectKind: target.kind,
        objectId,
        granteeKind: grantee.kind,
        granteeId,
        privilege,
        grantedBy: actor.name,
        grantedAt: this.ctx.now(),
      };
      await s.repos.shares.upsert(share);
      await s.audit(
        'share.grant',
        { kind: target.kind, name: target.name },
        { grantee: `${grantee.kind}:${grantee.name}`, privilege },
      );
      return share;
    });
  }

  async revoke(actor: Actor, target: ShareTarget, grantee: Grantee): Promise<void> {
    await this.ctx.run(actor, 'share.revoke', { kind: target.kind, name: target.name }, async (s) => {
      const { objectId, level } = await this.resolve(s, target);
      this.ctx.authz.requireOn(actor, 'share.revoke', level, { kind: target.kind, name: target.name });
      const granteeId = await this.granteeId(s, grantee);
      const n = await s.repos.shares.revoke(target.kind, objectId, grantee.kind, granteeId);
      if (n === 0) throw new NotFoundError('share', `${target.name} → ${grantee.name}`);
      await s.audit(
        'share.revoke',
        { kind: target.kind, name: target.name },
        { grantee: `${grantee.kind}:${grantee.name}` },
      );
    });
  }

  async list(
    actor: Actor,
    target: ShareTarget,
  ): Promise<{ grantee: string; kind: GranteeKind; privilege: Privilege }[]> {
    return this.ctx.run(actor, 'share.grant', { kind: target.kind, name: target.name }, async (s) => {
      const { objectId, level } = await this.resolve(s, target);
      this.ctx.authz.requireOn(actor, 'share.grant', level, { kind: target.kind, name: target.name });
      const out = [];
      for (const sh of await s.repos.shares.onObject(target.kind, objectId)) {
        const name =
          sh.granteeKind === 'user'
            ? (await s.repos.users.byId(sh.granteeId))?.username
            : (await s.repos.userGroups.byId(sh.granteeId))?.name;
        out.push({ grantee: name ?? sh.granteeId, kind: sh.granteeKind, privilege: sh.privilege });
      }
      return out;
    });
  }

  private async resolve(
    s: OpScope,
    target: ShareTarget,
  ): Promise<{ objectId: string; level: Level; criteriaGroup: boolean }> {
    switch (target.kind) {
      case 'account': {
        const { resource, account } = await loadAccount(s.repos, target.name);
        // Sharing an account is a management act on its resource.
        const onAccount = await s.access.onAccount(account, resource);
        const onResource = await s.access.onResource(resource);
        return {
          objectId: account.id,
          level: onAccount === 'none' ? 'none' : onResource === 'none' ? onAccount : onResource,
          criteriaGroup: false,
        };
      }
      case 'resource': {
        const r = await loadResource(s.repos, target.name);
        return { objectId: r.id, level: await s.access.onResource(r), criteriaGroup: false };
      }
      case 'group': {
        const g = await loadGroup(s.repos, target.name);
        return { objectId: g.id, level: await s.access.onGroup(g), criteriaGroup: g.kind === 'criteria' };
      }
      default:
        throw new ValidationError(`cannot share a '${String(target.kind)}'`, { field: 'kind' });
    }
  }

  private async granteeId(s: OpScope, g: Grantee): Promise<string> {
    if (g.kind === 'user') {
      const u = await s.repos.users.byName(g.name);
      if (!u) throw new NotFoundError('user', g.name);
      return u.id;
    }
    const ug = await s.repos.userGroups.byName(g.name);
    if (!ug) throw new NotFoundError('user group', g.name);
    return ug.id;
  }
}
