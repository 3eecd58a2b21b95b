// Access control, the request/decision part: requesting a password, approval (single or dual)
// and rejection by the resource's authorisers, and listing requests.
import { enforceTicket } from '../tickets/ticketing-service.ts';
import type { Actor } from '../authz/actor.ts';
import { isSuperAdmin } from '../authz/actor.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { checkText } from '../identity/names.ts';
import type { AccessRequestRow } from '../storage/repos/index.ts';
import { loadAccount } from '../vault/refs.ts';
import { AccessBase, HOUR_MS, OPEN_STATES, type AccessRequestView } from './access-common.ts';
import { autoApproves } from './access-configuration.ts';
import type { AccessNotification } from './notify.ts';

/** Request → approval or rejection; the list of requests an actor may see. */
export class AccessRequests extends AccessBase {
  /**
   * Requests a password. With ticket validation on, the request needs a ticket id the ticketing
   * system accepts (super administrators and the allowed users are exempt), and on a resource with
   * `ticketAutoApprove` a validated ticket approves the request at once (the ticket stands in for
   * the approval).
   */
  async request(actor: Actor, ref: string, reason: string, ticketId?: string): Promise<AccessRequestView> {
    const why = checkText('reason', reason, 500);
    if (!why) throw new ValidationError('a reason is required to request a password', { field: 'reason' });
    const notes: AccessNotification[] = [];
    const view = await this.ctx.run(actor, 'access.request', { kind: 'account', name: ref }, async (s) => {
      const { resource, account } = await loadAccount(s.repos, ref);
      this.ctx.authz.requireOn(actor, 'access.request', await s.access.onAccount(account, resource), {
        kind: 'account',
        name: ref,
      });
      const settings = await s.repos.access.settings(resource.id);
      if (!settings?.active)
        throw new ValidationError(`'${ref}' is not under access control: no request is needed`);
      if (settings.excluded.includes(actor.user.id))
        throw new ValidationError(
          `you are excluded from access control on '${resource.name}': no request is needed`,
        );
      const mine = (await s.repos.access.ofAccount(account.id, OPEN_STATES)).find(
        (r) => r.requesterId === actor.user.id,
      );
      if (mine) throw new ConflictError(`you already have request ${mine.id} for '${ref}' (${mine.state})`);
      const ticket = await enforceTicket(this.ctx, s, actor, {
        type: 'RETRIEVAL',
        resource,
        account,
        ticketId,
      });
      const now = this.ctx.clock.now();
      const byTicket = !!ticket && settings.ticketAutoApprove && !autoApproves(settings, now);
      const auto = autoApproves(settings, now) || byTicket;
      const row: AccessRequestRow = {
        id: this.ctx.ids.next(),
        accountId: account.id,
        requesterId: actor.user.id,
        reason: why,
        state: auto ? 'approved' : 'waiting',
        approvals: auto ? [{ userId: 'auto', username: 'auto-approval', at: now.toISOString() }] : [],
        createdAt: now.toISOString(),
        voidAt:
          !auto && settings.voidAfterHours > 0
            ? new Date(now.getTime() + settings.voidAfterHours * HOUR_MS).toISOString()
            : null,
        decidedAt: auto ? now.toISOString() : null,
        decidedBy: auto ? 'auto-approval' : null,
        decisionReason: null,
        checkedOutAt: null,
        expiresAt: null,
        endedAt: null,
        endedBy: null,
        endedHow: null,
      };
      await s.repos.access.insertRequest(row);
      await s.audit('access.request', { kind: 'account', name: ref }, { request: row.id, reason: why });
      if (auto)
        await s.audit(
          'access.auto-approve',
          { kind: 'account', name: ref },
          { request: row.id, ...(byTicket ? { ticket } : {}) },
        );
      const approvers = await this.names(s.repos, settings.approvers);
      notes.push({
        kind: 'request',
        to: approvers,
        subject: auto
          ? `Password ${ref} released automatically to ${actor.name}`
          : `Password request for ${ref}`,
        body: `${actor.name} requested ${ref} (request ${row.id}): ${why}`,
      });
      return this.requestView(s.repos, row);
    });
    await this.send(notes);
    return view;
  }

  async approve(actor: Actor, id: string): Promise<AccessRequestView> {
    return this.decide(actor, id, 'approve');
  }

  async reject(actor: Actor, id: string, reason?: string): Promise<AccessRequestView> {
    return this.decide(actor, id, 'reject', checkText('reason', reason, 500));
  }

  private async decide(
    actor: Actor,
    id: string,
    decision: 'approve' | 'reject',
    reason = '',
  ): Promise<AccessRequestView> {
    const notes: AccessNotification[] = [];
    const view = await this.ctx.run(
      actor,
      'access.approve',
      { kind: 'access-request', name: id },
      async (s) => {
        this.ctx.authz.require(actor, 'access.approve');
        const req = await s.repos.access.request(id);
        if (!req) throw new NotFoundError('access request', id);
        const { resource, ref } = await this.accountOf(s.repos, req.accountId);
        const settings = await s.repos.access.settings(resource.id);
        if (!settings?.approvers.includes(actor.user.id))
          throw new ForbiddenError(`${actor.name} is not an authoriser for '${resource.name}'`);
        if (req.requesterId === actor.user.id)
          throw new ForbiddenError('the requester cannot approve or reject their own request');
        const now = this.ctx.now();
        const target = { kind: 'account', name: ref };
        if (decision === 'reject') {
          if (req.state !== 'waiting' && req.state !== 'approved')
            throw new ConflictError(`request ${id} is ${req.state}`);
          if (
            !(await s.repos.access.transition(id, req.state, {
              state: 'rejected',
              decidedAt: now,
              decidedBy: actor.name,
              decisionReason: reason,
              endedAt: now,
              endedBy: actor.name,
              endedHow: 'rejected',
            }))
          )
            throw new ConflictError(`request ${id} changed meanwhile`);
          await s.audit('access.reject', target, { request: id, reason });
          const r = {
            ...req,
            state: 'rejected' as const,
            decidedAt: now,
            decidedBy: actor.name,
            decisionReason: reason,
          };
          notes.push(
            await this.decisionNote(
              s.repos,
              r,
              ref,
              `rejected by ${actor.name}${reason ? `: ${reason}` : ''}`,
            ),
          );
          return this.requestView(s.repos, r);
        }
        if (req.state !== 'waiting') throw new ConflictError(`request ${id} is ${req.state}`);
        if (req.approvals.some((a) => a.userId === actor.user.id))
          throw new ConflictError(
            `${actor.name} has already approved request ${id}; a second administrator must approve`,
          );
        const approvals = [...req.approvals, { userId: actor.user.id, username: actor.name, at: now }];
        const needed = settings.dual ? 2 : 1;
        const done = approvals.length >= needed;
        if (
          !(await s.repos.access.transition(id, 'waiting', {
            approvals,
            ...(done ? { state: 'approved' as const, decidedAt: now, decidedBy: actor.name } : {}),
          }))
        )
          throw new ConflictError(`request ${id} changed meanwhile`);
        await s.audit('access.approve', target, {
          request: id,
          approvals: approvals.length,
          needed,
          approved: done,
        });
        const r = {
          ...req,
          approvals,
          state: done ? ('approved' as const) : req.state,
          ...(done ? { decidedAt: now, decidedBy: actor.name } : {}),
        };
        if (done) notes.push(await this.decisionNote(s.repos, r, ref, `approved; you may check it out`));
        return this.requestView(s.repos, r);
      },
    );
    await this.send(notes);
    return view;
  }

  async list(actor: Actor, filter: { mine?: boolean; pending?: boolean } = {}): Promise<AccessRequestView[]> {
    return this.ctx.run(actor, 'access.list', { kind: 'access-request', name: '*' }, async (s) => {
      this.ctx.authz.require(actor, 'access.list');
      const rows = await s.repos.access.list(filter.pending ? { states: ['waiting'] } : {});
      const out: AccessRequestView[] = [];
      const approverOf = new Map<string, boolean>();
      for (const r of rows) {
        const mine = r.requesterId === actor.user.id;
        if (filter.mine && !mine) continue;
        let mayDecide = false;
        if (!mine || filter.pending) {
          const account = await s.repos.accounts.byId(r.accountId);
          if (!account) continue;
          if (!approverOf.has(account.resourceId)) {
            const st = await s.repos.access.settings(account.resourceId);
            approverOf.set(account.resourceId, st?.approvers.includes(actor.user.id) ?? false);
          }
          mayDecide = approverOf.get(account.resourceId)!;
        }
        if (filter.pending) {
          if (!mayDecide || mine || r.approvals.some((a) => a.userId === actor.user.id)) continue;
        } else if (!mine && !mayDecide && !isSuperAdmin(actor)) continue;
        out.push(await this.requestView(s.repos, r));
      }
      return out;
    });
  }
}
