import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { UserGroup, UserGroupSettings } from '../model.ts';
import type { Repos } from '../storage/repos/index.ts';
import { checkName, checkText } from './names.ts';

export const DEFAULT_GROUP_SETTINGS: UserGroupSettings = {
  exportIncludePasswords: true,
  allowPersonal: true,
  allowExportPersonal: true,
  allowGrantManageCriteria: false,
};

/**
 * A user's settings across all their groups (the reference product does not say how they
 * combine). The three "allow" settings that default on restrict when any group turns them off
 * (restrictive wins); the one that defaults off is a grant, so any group enabling it grants it —
 * the intended use is one dedicated group of the administrators allowed it.
 */
export async function effectiveGroupSettings(repos: Repos, userId: string): Promise<UserGroupSettings> {
  const groups = await repos.userGroups.groupsOf(userId);
  return {
    exportIncludePasswords: groups.every((g) => g.exportIncludePasswords),
    allowPersonal: groups.every((g) => g.allowPersonal),
    allowExportPersonal: groups.every((g) => g.allowExportPersonal),
    allowGrantManageCriteria: groups.some((g) => g.allowGrantManageCriteria),
  };
}

/** User groups and their settings (exports, personal passwords, manage on criteria groups). */
export class UserGroupsService {
  constructor(private readonly ctx: CoreContext) {}

  async create(
    actor: Actor,
    name: string,
    description = '',
    settings: Partial<UserGroupSettings> = {},
  ): Promise<UserGroup> {
    const clean = checkName('user group name', name, 100);
    return this.ctx.run(actor, 'user-group.create', { kind: 'user-group', name: clean }, async (s) => {
      this.ctx.authz.require(actor, 'user-group.create');
      if (await s.repos.userGroups.byName(clean))
        throw new ConflictError(`user group '${clean}' already exists`);
      const g: UserGroup = {
        id: this.ctx.ids.next(),
        name: clean,
        description: checkText('description', description, 1000),
        ...DEFAULT_GROUP_SETTINGS,
        ...settings,
        createdAt: this.ctx.now(),
      };
      await s.repos.userGroups.insert(g);
      await s.audit(
        'user-group.create',
        { kind: 'user-group', name: clean },
        { settings: { ...DEFAULT_GROUP_SETTINGS, ...settings } },
      );
      return g;
    });
  }

  async list(actor: Actor): Promise<(UserGroup & { members: string[] })[]> {
    this.ctx.authz.require(actor, 'user-group.list');
    return this.ctx.store.read(async (r) => {
      const users = new Map((await r.users.list()).map((u) => [u.id, u.username]));
      const groups = await r.userGroups.list();
      return Promise.all(
        groups.map(async (g) => ({
          ...g,
          members: (await r.userGroups.members(g.id)).map((id) => users.get(id) ?? id),
        })),
      );
    });
  }

  private async group(repos: Repos, name: string): Promise<UserGroup> {
    const g = await repos.userGroups.byName(name);
    if (!g) throw new NotFoundError('user group', name);
    return g;
  }

  async updateSettings(actor: Actor, name: string, settings: Partial<UserGroupSettings>): Promise<UserGroup> {
    return this.ctx.run(actor, 'user-group.update', { kind: 'user-group', name }, async (s) => {
      this.ctx.authz.require(actor, 'user-group.update');
      const g = await this.group(s.repos, name);
      await s.repos.userGroups.updateSettings(g.id, settings);
      await s.audit('user-group.update', { kind: 'user-group', name }, { settings });
      return { ...g, ...settings };
    });
  }

  async addMember(actor: Actor, name: string, username: string): Promise<void> {
    await this.ctx.run(actor, 'user-group.update', { kind: 'user-group', name }, async (s) => {
      this.ctx.authz.require(actor, 'user-group.update');
      const g = await this.group(s.repos, name);
      const u = await s.repos.users.byName(username);
      if (!u) throw new NotFoundError('user', username);
      await s.repos.userGroups.addMember(g.id, u.id);
      await s.audit('user-group.member-add', { kind: 'user-group', name }, { user: username });
    });
  }

  async removeMember(actor: Actor, name: string, username: string): Promise<void> {
    await this.ctx.run(actor, 'user-group.update', { kind: 'user-group', name }, async (s) => {
      this.ctx.authz.require(actor, 'user-group.update');
      const g = await this.group(s.repos, name);
      const u = await s.repos.users.byName(username);
      if (!u) throw new NotFoundError('user', username);
      await s.repos.userGroups.removeMember(g.id, u.id);
      await s.audit('user-group.member-remove', { kind: 'user-group', name }, { user: username });
    });
  }

  /** The group goes, its settings stop applying, shares made to it vanish; resources stay. */
  async remove(actor: Actor, name: string): Promise<void> {
    await this.ctx.run(actor, 'user-group.delete', { kind: 'user-group', name }, async (s) => {
      this.ctx.authz.require(actor, 'user-group.delete');
      const g = await this.group(s.repos, name);
      await s.repos.shares.removeForGrantee('user-group', g.id);
      await s.repos.userGroups.remove(g.id);
      await s.audit('user-group.delete', { kind: 'user-group', name });
    });
  }
}
