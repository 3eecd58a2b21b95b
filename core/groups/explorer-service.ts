import type { Actor } from '../authz/actor.ts';
import type { CoreContext, OpScope } from '../context.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { checkName } from '../identity/names.ts';
import type { ResourceGroup } from '../model.ts';
import { readSettings } from '../settings/system-settings.ts';
import { loadAccount } from '../vault/refs.ts';
import { loadGroup } from './group-refs.ts';
import { visibleAccounts } from './visible.ts';

export interface ExplorerEntry {
  ref: string;
  resource: string;
  account: string;
  dnsName: string;
  description: string;
  /** The resource's and the account's non-secret custom-field values, space-separated. */
  custom: string;
  access: string;
}

export interface TreeNode {
  name: string;
  /** The group behind the node; absent for roots and for org-tree folders. */
  group?: string;
  /**
   * False for an org-tree node whose group the viewer may not see: shown empty, so the
   * organisation-wide tree keeps one shape for everyone.
   */
  visible: boolean;
  children: TreeNode[];
}

export interface OrgTree {
  rootName: string;
  nodes: { id: string; name: string; parentId: string | null; groupId?: string }[];
}

const RECENT_LIMIT = 50;

/** The password explorer model: All / Recent / Favourites, and the nested group tree. */
export class ExplorerService {
  constructor(private readonly ctx: CoreContext) {}

  /**
   * One page of All: the accounts the actor sees, matching `search` when given, in name order;
   * with `within.group`, only the accounts of resources that group holds now (a group the actor
   * may see).
   */
  async all(
    actor: Actor,
    search = '',
    limit = 1000,
    offset = 0,
    within: { group?: string } = {},
  ): Promise<{ total: number; entries: ExplorerEntry[] }> {
    return this.ctx.run(actor, 'account.view', { kind: 'explorer', name: 'all' }, async (s) => {
      this.ctx.authz.require(actor, 'account.view');
      let group: ResourceGroup | undefined;
      if (within.group) {
        group = await loadGroup(s.repos, within.group);
        this.ctx.authz.requireOn(actor, 'resource-group.view', await s.access.onGroup(group), {
          kind: 'group',
          name: within.group,
        });
      }
      const page = await visibleAccounts(s, actor, {
        limit,
        offset,
        search,
        ...(group ? { group } : {}),
      });
      const custom = await s.repos.fields.textOf(
        page.accounts.map((v) => v.resource.id),
        page.accounts.map((v) => v.account.id),
      );
      const customOf = (v: { resource: { id: string }; account: { id: string } }) =>
        [custom.get(`resource:${v.resource.id}`), custom.get(`account:${v.account.id}`)]
          .filter(Boolean)
          .join(' ');
      return {
        total: page.total,
        entries: page.accounts.map((v) => ({
          ref: `${v.resource.name}/${v.account.name}`,
          resource: v.resource.name,
          account: v.account.name,
          dnsName: v.resource.dnsName,
          description: v.resource.description,
          custom: customOf(v),
          access: v.level,
        })),
      };
    });
  }

  async recent(actor: Actor): Promise<string[]> {
    return this.ctx.run(actor, 'account.view', { kind: 'explorer', name: 'recent' }, async (s) => {
      this.ctx.authz.require(actor, 'account.view');
      const ids = await s.repos.explorer.recents(actor.user.id, RECENT_LIMIT);
      return this.refsStillVisible(s, ids);
    });
  }

  /**
   * Favourites — the default view. An entry whose share was revoked stays listed (marked
   * inaccessible) until its owner tries to use it; the vault then refuses and drops it.
   */
  async favourites(actor: Actor): Promise<{ ref: string; accessible: boolean }[]> {
    return this.ctx.run(actor, 'account.view', { kind: 'explorer', name: 'favourites' }, async (s) => {
      this.ctx.authz.require(actor, 'account.view');
      const out = [];
      for (const a of await s.repos.accounts.byIds(await s.repos.explorer.favourites(actor.user.id))) {
        const r = await s.repos.resources.byId(a.resourceId);
        if (!r) continue;
        out.push({ ref: `${r.name}/${a.name}`, accessible: (await s.access.onAccount(a, r)) !== 'none' });
      }
      return out.sort((x, y) => x.ref.localeCompare(y.ref));
    });
  }

  async setFavourite(actor: Actor, ref: string, on: boolean): Promise<void> {
    await this.ctx.run(actor, 'account.favourite', { kind: 'account', name: ref }, async (s) => {
      const { resource, account } = await loadAccount(s.repos, ref);
      if (!on) {
        // One's own favourite goes even when the account is no longer visible; anything else on
        // an account the actor cannot see is answered as for a missing one.
        const mine = (await s.repos.explorer.favourites(actor.user.id)).includes(account.id);
        if (!mine && (await s.access.onAccount(account, resource)) === 'none')
          throw new NotFoundError('account', ref);
        await s.repos.explorer.removeFavourite(actor.user.id, account.id);
        await s.audit('favourite.remove', { kind: 'account', name: ref });
        return;
      }
      this.ctx.authz.requireOn(actor, 'account.favourite', await s.access.onAccount(account, resource), {
        kind: 'account',
        name: ref,
      });
      await s.repos.explorer.addFavourite(actor.user.id, account.id, this.ctx.now());
      await s.audit('favourite.add', { kind: 'account', name: ref });
    });
  }

  /** Drops a favourite the user can no longer open (called when a retrieval is refused). */
  async forgetFavourite(actor: Actor, ref: string): Promise<void> {
    await this.ctx.store.tx(async (repos) => {
      const res = await repos.resources.byName(ref.split('/')[0] ?? '');
      const acc = res ? await repos.accounts.byName(res.id, ref.slice(res.name.length + 1)) : undefined;
      if (acc) await repos.explorer.removeFavourite(actor.user.id, acc.id);
    });
  }

  /** Keeps the caller's order (newest first for recents) and drops what is no longer visible. */
  private async refsStillVisible(s: OpScope, ids: string[]): Promise<string[]> {
    const refs = new Map<string, string>();
    for (const a of await s.repos.accounts.byIds(ids)) {
      const r = await s.repos.resources.byId(a.resourceId);
      if (r && (await s.access.onAccount(a, r)) !== 'none') refs.set(a.id, `${r.name}/${a.name}`);
    }
    return ids.flatMap((id) => (refs.has(id) ? [refs.get(id)!] : []));
  }

  /**
   * The nested group tree. Per administrator: the actor's own groups under "<login>'s Group", then,
   * for every other owner, the groups shared with the actor under that owner's root (super
   * administrators see every tree whole). With the organisation-wide tree on, one structure for
   * all, where groups the viewer cannot see are empty nodes.
   */
  async tree(actor: Actor): Promise<TreeNode[]> {
    return this.ctx.run(actor, 'resource-group.view', { kind: 'explorer', name: 'tree' }, async (s) => {
      const settings = await readSettings(s.repos);
      if (settings.orgWideTree) return [await this.orgTreeView(s)];
      const groups = await s.repos.resourceGroups.list();
      const visible: ResourceGroup[] = [];
      for (const g of groups) if ((await s.access.onGroup(g)) !== 'none') visible.push(g);
      const owners = [...new Set(visible.map((g) => g.ownerId))];
      const roots: TreeNode[] = [];
      const ordered = [actor.user.id, ...owners.filter((o) => o !== actor.user.id)];
      for (const ownerId of ordered) {
        const mine = visible.filter((g) => g.ownerId === ownerId);
        if (!mine.length && ownerId !== actor.user.id) continue;
        const owner = await s.repos.users.byId(ownerId);
        const rootName = owner?.treeRootName ?? `${owner?.username ?? '?'}'s Group`;
        roots.push({
          name: rootName,
          visible: true,
          children: this.nest(mine, null, new Set(mine.map((g) => g.id))),
        });
      }
      return roots;
    });
  }

  private nest(groups: ResourceGroup[], parentId: string | null, ids: Set<string>): TreeNode[] {
    return groups
      .filter((g) => (parentId === null ? !g.parentId || !ids.has(g.parentId) : g.parentId === parentId))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((g) => ({ name: g.name, group: g.name, visible: true, children: this.nest(groups, g.id, ids) }));
  }

  private async orgTreeView(s: OpScope): Promise<TreeNode> {
    const tree = await this.currentOrgTree(s);
    const build = async (parentId: string | null): Promise<TreeNode[]> => {
      const out: TreeNode[] = [];
      for (const n of tree.nodes.filter((x) => x.parentId === parentId)) {
        const g = n.groupId ? await s.repos.resourceGroups.byId(n.groupId) : undefined;
        const visible = !n.groupId || (!!g && (await s.access.onGroup(g)) !== 'none');
        out.push({
          name: n.name,
          ...(g && visible ? { group: g.name } : {}),
          visible,
          children: await build(n.id),
        });
      }
      return out;
    };
    return { name: tree.rootName, visible: true, children: await build(null) };
  }

  private async currentOrgTree(s: OpScope): Promise<OrgTree> {
    const latest = await s.repos.explorer.latestTree();
    return latest ? (JSON.parse(latest.tree) as OrgTree) : { rootName: 'Organisation', nodes: [] };
  }

  /**
   * The organisation-wide tree: any administrator edits the one tree; every change is a new
   * version (earlier ones are kept, and who changed it is in the version and the audit).
   */
  async setOrgTree(actor: Actor, tree: OrgTree, note = ''): Promise<number> {
    return this.ctx.run(
      actor,
      'explorer.edit-org-tree',
      { kind: 'explorer', name: 'org-tree' },
      async (s) => {
        this.ctx.authz.require(actor, 'explorer.edit-org-tree');
        if (!(await readSettings(s.repos)).orgWideTree)
          throw new ValidationError('the organisation-wide tree is not enabled', { field: 'orgWideTree' });
        await this.checkTree(s, tree);
        await s.repos.explorer.appendTree(
          JSON.stringify(tree),
          actor.name,
          this.ctx.now(),
          note.slice(0, 200),
        );
        await s.audit(
          'explorer.tree-change',
          { kind: 'explorer', name: 'org-tree' },
          { nodes: tree.nodes.length },
        );
        return (await s.repos.explorer.latestTree())!.version;
      },
    );
  }

  async orgTreeHistory(
    actor: Actor,
  ): Promise<{ version: number; changedBy: string; changedAt: string; note: string }[]> {
    this.ctx.authz.require(actor, 'explorer.edit-org-tree');
    return this.ctx.store.read((r) => r.explorer.treeHistory());
  }

  /** Revert = a new version with an old structure, so the history itself is never rewritten. */
  async revertOrgTree(actor: Actor, version: number): Promise<number> {
    return this.ctx.run(
      actor,
      'explorer.edit-org-tree',
      { kind: 'explorer', name: 'org-tree' },
      async (s) => {
        this.ctx.authz.require(actor, 'explorer.edit-org-tree');
        const old = await s.repos.explorer.treeVersion(version);
        if (!old) throw new NotFoundError('tree version', String(version));
        await s.repos.explorer.appendTree(old, actor.name, this.ctx.now(), `revert to ${version}`);
        await s.audit('explorer.tree-revert', { kind: 'explorer', name: 'org-tree' }, { to: version });
        return (await s.repos.explorer.latestTree())!.version;
      },
    );
  }

  private async checkTree(s: OpScope, tree: OrgTree): Promise<void> {
    checkName('root name', tree.rootName, 200);
    const ids = new Set<string>();
    for (const n of tree.nodes) {
      if (ids.has(n.id)) throw new ValidationError(`duplicate node id '${n.id}'`, { field: 'tree' });
      ids.add(n.id);
      checkName('node name', n.name, 200);
      if (n.groupId && !(await s.repos.resourceGroups.byId(n.groupId)))
        throw new NotFoundError('resource group', n.groupId);
    }
    for (const n of tree.nodes) {
      if (n.parentId !== null && !ids.has(n.parentId))
        throw new ValidationError(`node '${n.name}' has an unknown parent`, { field: 'tree' });
      for (let cur: string | null = n.parentId, depth = 0; cur; depth++) {
        if (cur === n.id || depth > tree.nodes.length)
          throw new ValidationError('the tree has a loop', { field: 'tree' });
        cur = tree.nodes.find((x) => x.id === cur)?.parentId ?? null;
      }
    }
  }

  async renameRoot(actor: Actor, name: string): Promise<void> {
    const clean = checkName('root name', name, 200);
    await this.ctx.run(actor, 'resource-group.create', { kind: 'explorer', name: 'root' }, async (s) => {
      this.ctx.authz.require(actor, 'resource-group.create');
      await s.repos.users.update(actor.user.id, { treeRootName: clean });
      await s.audit('explorer.tree-change', { kind: 'explorer', name: 'root' }, { rootName: clean });
    });
  }
}
