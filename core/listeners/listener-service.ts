import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import type { ListenerRow, Repos } from '../storage/repos/index.ts';

export interface ListenerInput {
  resourceType: string;
  /** Absolute path of the program; it is run without a shell. */
  command: string;
  /** Extra arguments, passed as they are after the standard ones. */
  args?: string[];
  timeoutSeconds?: number;
  /** The administrator asked to approve it (default: every other administrator). */
  approver?: string;
}

export type ListenerView = Omit<ListenerRow, 'id'>;

const DEFAULT_TIMEOUT_SECONDS = 60;
const view = ({ id: _id, ...rest }: ListenerRow): ListenerView => rest;

/**
 * Reset listeners (a program run after a password is stored, to update what else uses it):
 * administrators add them per resource type; a new or edited listener stays `pending` until ANOTHER
 * administrator approves it, and only approved listeners run (listener-dispatch.ts). Every step is
 * audited.
 */
export class ListenerService {
  constructor(private readonly ctx: CoreContext) {}

  private validate(i: ListenerInput): void {
    if (!i.command.startsWith('/'))
      throw new ValidationError('listener command must be an absolute path (it runs without a shell)', {
        field: 'command',
      });
    if (i.command.length > 1000 || (i.args ?? []).some((a) => a.length > 1000) || (i.args ?? []).length > 50)
      throw new ValidationError('listener command or arguments too long', { field: 'args' });
    const t = i.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    if (!Number.isInteger(t) || t < 1 || t > 3600)
      throw new ValidationError('timeout must be 1–3600 seconds', { field: 'timeoutSeconds' });
  }

  async add(actor: Actor, name: string, i: ListenerInput): Promise<ListenerView> {
    this.validate(i);
    return this.ctx
      .run(actor, 'listener.manage', { kind: 'listener', name }, async (s) => {
        this.ctx.authz.require(actor, 'listener.manage');
        if (!(await s.repos.types.byName(i.resourceType)))
          throw new NotFoundError('resource type', i.resourceType);
        if (await s.repos.listeners.byName(name))
          throw new ConflictError(`listener '${name}' already exists`);
        const approvers = await this.approversOf(s.repos, actor, i.approver);
        const now = this.ctx.now();
        const row: ListenerRow = {
          id: this.ctx.ids.next(),
          name,
          resourceType: i.resourceType,
          command: i.command,
          args: i.args ?? [],
          timeoutSeconds: i.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
          status: 'pending',
          version: 1,
          author: actor.name,
          authorUser: actor.user.username,
          approver: i.approver ?? null,
          decidedBy: null,
          decidedAt: null,
          createdAt: now,
          updatedAt: now,
        };
        await s.repos.listeners.insert(row);
        await s.audit('listener.add', { kind: 'listener', name }, this.auditDetails(row));
        return { row, approvers };
      })
      .then(({ row, approvers }) => this.askApproval(row, approvers));
  }

  /**
   * Any change makes it pending again, with the editor as its new author: an approved listener
   * edited into another command must not run without a second administrator's look.
   */
  async edit(actor: Actor, name: string, patch: Partial<ListenerInput>): Promise<ListenerView> {
    return this.ctx
      .run(actor, 'listener.manage', { kind: 'listener', name }, async (s) => {
        this.ctx.authz.require(actor, 'listener.manage');
        const cur = await s.repos.listeners.byName(name);
        if (!cur) throw new NotFoundError('listener', name);
        const next: ListenerRow = {
          ...cur,
          ...(patch.resourceType !== undefined ? { resourceType: patch.resourceType } : {}),
          ...(patch.command !== undefined ? { command: patch.command } : {}),
          ...(patch.args !== undefined ? { args: patch.args } : {}),
          ...(patch.timeoutSeconds !== undefined ? { timeoutSeconds: patch.timeoutSeconds } : {}),
          status: 'pending',
          version: cur.version + 1,
          author: actor.name,
          authorUser: actor.user.username,
          approver: patch.approver ?? null,
          decidedBy: null,
          decidedAt: null,
          updatedAt: this.ctx.now(),
        };
        this.validate({ ...next, approver: next.approver ?? undefined });
        const approvers = await this.approversOf(s.repos, actor, patch.approver);
        if (!(await s.repos.types.byName(next.resourceType)))
          throw new NotFoundError('resource type', next.resourceType);
        await s.repos.listeners.update(next);
        await s.audit('listener.edit', { kind: 'listener', name }, this.auditDetails(next));
        return { row: next, approvers };
      })
      .then(({ row, approvers }) => this.askApproval(row, approvers));
  }

  /** The chosen approver (an active administrator other than the author), or all the others. */
  private async approversOf(repos: Repos, author: Actor, chosen: string | undefined): Promise<string[]> {
    const admins = (await repos.users.list())
      .filter((u) => u.role === 'admin' && u.status === 'active' && u.username !== author.user.username)
      .map((u) => u.username);
    if (chosen === undefined) return admins;
    if (!admins.includes(chosen))
      throw new ValidationError(
        `approver '${chosen}' must be an active administrator other than the author`,
        {
          field: 'approver',
        },
      );
    return [chosen];
  }

  /**
   * The approval request goes to the administrator the author chose (else to every other
   * administrator). Best effort, after the commit: a lost message leaves the listener pending, never
   * approved.
   */
  private async askApproval(row: ListenerRow, approvers: string[]): Promise<ListenerView> {
    const notifier = this.ctx.deps.accessNotifier;
    if (notifier && approvers.length > 0) {
      await notifier
        .notify({
          kind: 'request',
          to: approvers,
          subject: `[custody] reset listener '${row.name}' (v${row.version}) awaits your approval`,
          body: [
            `${row.author} wrote reset listener '${row.name}' version ${row.version} for resource type ${row.resourceType}:`,
            `  ${[row.command, ...row.args].join(' ')}`,
            `It runs with the server's privileges and will not run until another administrator approves it:`,
            `  custody listener approve ${row.name}    (or: custody listener reject ${row.name})`,
          ].join('\n'),
        })
        .catch(() => undefined);
    }
    return view(row);
  }

  approve(actor: Actor, name: string): Promise<ListenerView> {
    return this.decide(actor, name, 'approved');
  }

  reject(actor: Actor, name: string): Promise<ListenerView> {
    return this.decide(actor, name, 'rejected');
  }

  private async decide(actor: Actor, name: string, status: 'approved' | 'rejected'): Promise<ListenerView> {
    return this.ctx.run(actor, 'listener.approve', { kind: 'listener', name }, async (s) => {
      this.ctx.authz.require(actor, 'listener.approve');
      const cur = await s.repos.listeners.byName(name);
      if (!cur) throw new NotFoundError('listener', name);
      // Dual control: the one who wrote this version never approves it (nor rejects it).
      if (cur.author === actor.name || cur.authorUser === actor.user.username)
        throw new ForbiddenError(`listener '${name}' was written by you: another administrator must decide`);
      if (cur.status !== 'pending')
        throw new ConflictError(`listener '${name}' is ${cur.status}, not pending`);
      const next: ListenerRow = { ...cur, status, decidedBy: actor.name, decidedAt: this.ctx.now() };
      await s.repos.listeners.update(next);
      await s.audit(
        status === 'approved' ? 'listener.approve' : 'listener.reject',
        { kind: 'listener', name },
        {
          version: cur.version,
          author: cur.author,
        },
      );
      return view(next);
    });
  }

  async remove(actor: Actor, name: string): Promise<void> {
    await this.ctx.run(actor, 'listener.manage', { kind: 'listener', name }, async (s) => {
      this.ctx.authz.require(actor, 'listener.manage');
      const cur = await s.repos.listeners.byName(name);
      if (!cur) throw new NotFoundError('listener', name);
      await s.repos.listeners.remove(cur.id);
      await s.audit('listener.remove', { kind: 'listener', name }, { version: cur.version });
    });
  }

  async list(actor: Actor): Promise<ListenerView[]> {
    return this.ctx.run(actor, 'listener.manage', { kind: 'listener', name: '*' }, async (s) => {
      this.ctx.authz.require(actor, 'listener.manage');
      return (await s.repos.listeners.list()).map(view);
    });
  }

  private auditDetails(l: ListenerRow): Record<string, unknown> {
    return {
      resourceType: l.resourceType,
      command: l.command,
      args: l.args,
      timeoutSeconds: l.timeoutSeconds,
      version: l.version,
      approver: l.approver,
    };
  }
}
