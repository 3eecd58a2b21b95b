import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import type { ListenerRow } from '../storage/repos/index.ts';

export interface ListenerInput {
  resourceType: string;
  /** Absolute path of the program; it is run without a shell. */
  command: string;
  /** The guide's "additional parameters", passed as they are after the standard arguments. */
  args?: string[];
  timeoutSeconds?: number;
}

export type ListenerView = Omit<ListenerRow, 'id'>;

const DEFAULT_TIMEOUT_SECONDS = 60;
const view = ({ id: _id, ...rest }: ListenerRow): ListenerView => rest;

/**
 * Reset listeners (seed 000, guide D §6): administrators add them per resource type; a new or
 * edited listener stays `pending` until ANOTHER administrator approves it, and only approved
 * listeners run (listener-dispatch.ts). Every step is audited.
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
    return this.ctx.run(actor, 'listener.manage', { kind: 'listener', name }, async (s) => {
      this.ctx.authz.require(actor, 'listener.manage');
      if (!(await s.repos.types.byName(i.resourceType)))
        throw new NotFoundError('resource type', i.resourceType);
      if (await s.repos.listeners.byName(name)) throw new ConflictError(`listener '${name}' already exists`);
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
        decidedBy: null,
        decidedAt: null,
        createdAt: now,
        updatedAt: now,
      };
      await s.repos.listeners.insert(row);
      await s.audit('listener.add', { kind: 'listener', name }, this.auditDetails(row));
      return view(row);
    });
  }

  /** Any change makes it pending again, with the editor as its new author (guide: same approval). */
  async edit(actor: Actor, name: string, patch: Partial<ListenerInput>): Promise<ListenerView> {
    return this.ctx.run(actor, 'listener.manage', { kind: 'listener', name }, async (s) => {
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
        decidedBy: null,
        decidedAt: null,
        updatedAt: this.ctx.now(),
      };
      this.validate(next);
      if (!(await s.repos.types.byName(next.resourceType)))
        throw new NotFoundError('resource type', next.resourceType);
      await s.repos.listeners.update(next);
      await s.audit('listener.edit', { kind: 'listener', name }, this.auditDetails(next));
      return view(next);
    });
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
      if (cur.author === actor.name)
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
    };
  }
}
