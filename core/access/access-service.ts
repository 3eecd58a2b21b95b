import { enforceTicket } from '../tickets/ticketing-service.ts';
import type { Actor } from '../authz/actor.ts';
import { isSuperAdmin } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { checkText } from '../identity/names.ts';
import type { LiveService } from '../live/live-service.ts';
import type { Account, Resource } from '../model.ts';
import type {
  AccessRequestRow,
  AccessSettingsRow,
  AccessState,
  AutoApprove,
  Repos,
} from '../storage/repos/index.ts';
import { loadAccount, loadResource } from '../vault/refs.ts';
import { GENERAL_SETTINGS_KEY, readGeneralSettings, type AccessGeneralSettings } from './enforce.ts';
import { noopAccessNotifier, type AccessNotification, type AccessNotifier } from './notify.ts';
import { noRemoteReset, type ResetService } from './reset.ts';

const HOUR_MS = 3_600_000;
const OPEN_STATES: AccessState[] = ['waiting', 'approved', 'checked-out'];
const SYSTEM = { name: 'system:access', source: 'scheduler' };

export interface AccessConfigInput {
  approvers: string[];
  dual?: boolean;
  excluded?: string[];
  /** Hours after which an unapproved request is void (0 = never). Default 24. */
  voidAfterHours?: number;
  /** Exclusive use after check-out, in hours (default 8, 0 = unlimited). */
  exclusiveHours?: number;
  resetOnCheckin?: boolean;
  /** 'always', or a daily UTC window 'HH:MM-HH:MM'; authorisers are still notified. */
  autoApprove?: 'off' | 'always' | string;
  /** Ending a gateway session on the account checks the password in. */
  checkinOnSessionEnd?: boolean;
  /** With ticketing on: a request whose ticket validates is approved at once (D §1.1). */
  ticketAutoApprove?: boolean;
  active?: boolean;
}

export interface AccessConfigView {
  resource: string;
  active: boolean;
  approvers: string[];
  dual: boolean;
  excluded: string[];
  voidAfterHours: number;
  exclusiveHours: number;
  resetOnCheckin: boolean;
  autoApprove: string;
  checkinOnSessionEnd: boolean;
  ticketAutoApprove: boolean;
  updatedAt: string;
  updatedBy: string;
}

export interface AccessRequestView {
  id: string;
  account: string;
  requester: string;
  reason: string;
  state: AccessState;
  approvals: string[];
  createdAt: string;
  voidAt: string | null;
  checkedOutAt: string | null;
  expiresAt: string | null;
  endedAt: string | null;
  endedBy: string | null;
  endedHow: string | null;
}

/** What a finished check-out leaves to do after its transaction commits. */
interface Ended {
  request: AccessRequestRow;
  resource: Resource;
  account: Account;
  settings: AccessSettingsRow | undefined;
  holder: string;
  how: 'user' | 'forced' | 'expired' | 'session-end';
}

/**
 * The password access-control workflow (guide: "Access Control Workflow"): per-resource
 * settings, request → approval (single or dual) → exclusive check-out → check-in, with
 * rejection, voiding of unapproved requests, expiry of check-outs and forced check-in. State
 * lives in the database; the exclusive hold is one row per account (see `takeHold`).
 */
export class AccessService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly live: LiveService,
    private readonly notifier: AccessNotifier = noopAccessNotifier,
    private readonly resets: ResetService = noRemoteReset,
  ) {}

  // ---- configuration ----------------------------------------------------------------------

  async configure(actor: Actor, resourceName: string, input: AccessConfigInput): Promise<AccessConfigView> {
    return this.ctx.run(actor, 'access.configure', { kind: 'resource', name: resourceName }, async (s) => {
      const resource = await loadResource(s.repos, resourceName);
      this.ctx.authz.requireOn(actor, 'access.configure', await s.access.onResource(resource), {
        kind: 'resource',
        name: resourceName,
      });
      const approvers = [];
      for (const name of unique(input.approvers)) {
        const u = await s.repos.users.byName(name);
        if (!u) throw new ValidationError(`approver '${name}' is not a user`, { field: 'approvers' });
        if (u.role !== 'admin' && u.role !== 'password-admin')
          throw new ValidationError(`approver '${name}' is not an administrator or password administrator`, {
            field: 'approvers',
          });
        approvers.push(u.id);
      }
      if (approvers.length === 0)
        throw new ValidationError('at least one approver is required', { field: 'approvers' });
      const dual = input.dual ?? false;
      if (dual && approvers.length < 2)
        throw new ValidationError('dual approval needs at least two approvers', { field: 'approvers' });
      const excluded = [];
      for (const name of unique(input.excluded ?? [])) {
        const u = await s.repos.users.byName(name);
        if (!u) throw new ValidationError(`excluded user '${name}' is not a user`, { field: 'excluded' });
        excluded.push(u.id);
      }
      const auto = parseAutoApprove(input.autoApprove ?? 'off');
      const row: AccessSettingsRow = {
        resourceId: resource.id,
        active: input.active ?? true,
        approvers,
        excluded,
        dual,
        voidAfterHours: hours('void-after-hours', input.voidAfterHours ?? 24),
        exclusiveHours: hours('exclusive-hours', input.exclusiveHours ?? 8),
        resetOnCheckin: input.resetOnCheckin ?? false,
        autoApprove: auto.mode,
        autoFrom: auto.from,
        autoTo: auto.to,
        checkinOnSessionEnd: input.checkinOnSessionEnd ?? false,
        ticketAutoApprove: input.ticketAutoApprove ?? false,
        updatedAt: this.ctx.now(),
        updatedBy: actor.name,
      };
      await s.repos.access.putSettings(row);
      await s.audit(
        row.active ? 'access.configure' : 'access.deactivate',
        { kind: 'resource', name: resourceName },
        { ...(await this.configView(s.repos, resource, row)) },
      );
      return this.configView(s.repos, resource, row);
    });
  }

  /** Activate or deactivate (guide, Case 8) without changing the other settings. */
  async setActive(actor: Actor, resourceName: string, active: boolean): Promise<AccessConfigView> {
    return this.ctx.run(actor, 'access.configure', { kind: 'resource', name: resourceName }, async (s) => {
      const resource = await loadResource(s.repos, resourceName);
      this.ctx.authz.requireOn(actor, 'access.configure', await s.access.onResource(resource), {
        kind: 'resource',
        name: resourceName,
      });
      const current = await s.repos.access.settings(resource.id);
      if (!current)
        throw new ValidationError(`access control is not configured on '${resourceName}': use access set`);
      const row = { ...current, active, updatedAt: this.ctx.now(), updatedBy: actor.name };
      await s.repos.access.putSettings(row);
      await s.audit(active ? 'access.configure' : 'access.deactivate', {
        kind: 'resource',
        name: resourceName,
      });
      return this.configView(s.repos, resource, row);
    });
  }

  async show(actor: Actor, resourceName: string): Promise<AccessConfigView | null> {
    return this.ctx.run(
      actor,
      'access.view-settings',
      { kind: 'resource', name: resourceName },
      async (s) => {
        const resource = await loadResource(s.repos, resourceName);
        this.ctx.authz.requireOn(actor, 'access.view-settings', await s.access.onResource(resource), {
          kind: 'resource',
          name: resourceName,
        });
        const row = await s.repos.access.settings(resource.id);
        return row ? this.configView(s.repos, resource, row) : null;
      },
    );
  }

  /** The general setting of Case 5 (administrators may view while a password user holds it). */
  async setGeneral(actor: Actor, patch: Partial<AccessGeneralSettings>): Promise<AccessGeneralSettings> {
    return this.ctx.run(actor, 'settings.change', { kind: 'settings', name: 'access' }, async (s) => {
      this.ctx.authz.require(actor, 'settings.change');
      const next = { ...(await readGeneralSettings(s.repos)), ...patch };
      await s.repos.settings.set(GENERAL_SETTINGS_KEY, next);
      await s.audit('access.general-settings', { kind: 'settings', name: 'access' }, { ...next });
      return next;
    });
  }

  // ---- the workflow -----------------------------------------------------------------------

  /**
   * Requests a password. With ticket validation on, the request needs a ticket id the ticketing
   * system accepts (super administrators and the allowed users are exempt), and on a resource with
   * `ticketAutoApprove` a validated ticket approves the request at once (D §1.1).
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
          const r = { ...req, state: 'rejected' as const };
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
        const r = { ...req, approvals, state: done ? ('approved' as const) : req.state };
        if (done) notes.push(await this.decisionNote(s.repos, r, ref, `approved; you may check it out`));
        return this.requestView(s.repos, r);
      },
    );
    await this.send(notes);
    return view;
  }

  /** Check-out: the caller's approved request becomes the one exclusive hold on the account. */
  async checkout(actor: Actor, ref: string, reason?: string): Promise<AccessRequestView> {
    await this.expireDue();
    const why = checkText('reason', reason, 500);
    if (this.ctx.config.vault.require_reason_to_reveal && !why)
      throw new ValidationError('a reason is required to check out this password', { field: 'reason' });
    return this.ctx.run(actor, 'access.checkout', { kind: 'account', name: ref }, async (s) => {
      const { resource, account } = await loadAccount(s.repos, ref);
      this.ctx.authz.requireOn(actor, 'access.checkout', await s.access.onAccount(account, resource), {
        kind: 'account',
        name: ref,
      });
      const settings = await s.repos.access.settings(resource.id);
      if (!settings?.active)
        throw new ValidationError(`'${ref}' is not under access control: no check-out is needed`);
      const open = (await s.repos.access.ofAccount(account.id, OPEN_STATES)).filter(
        (r) => r.requesterId === actor.user.id,
      );
      if (open.some((r) => r.state === 'checked-out'))
        throw new ConflictError(`you have already checked out '${ref}'`);
      const req = open.find((r) => r.state === 'approved');
      if (!req) {
        const waiting = open.find((r) => r.state === 'waiting');
        throw new ForbiddenError(
          waiting
            ? `request ${waiting.id} for '${ref}' is waiting for approval`
            : `password '${ref}' is under access control: request it first`,
        );
      }
      const now = this.ctx.clock.now();
      const expiresAt =
        settings.exclusiveHours > 0
          ? new Date(now.getTime() + settings.exclusiveHours * HOUR_MS).toISOString()
          : null;
      const hold = await s.repos.access.takeHold({
        accountId: account.id,
        requestId: req.id,
        userId: actor.user.id,
        since: now.toISOString(),
        expiresAt,
      });
      if (hold.requestId !== req.id)
        throw new ConflictError(
          `password '${ref}' is checked out by another user until ${hold.expiresAt ?? 'checked in'}`,
        );
      if (
        !(await s.repos.access.transition(req.id, 'approved', {
          state: 'checked-out',
          checkedOutAt: now.toISOString(),
          expiresAt,
        }))
      )
        throw new ConflictError(`request ${req.id} changed meanwhile`);
      await s.audit(
        'access.checkout',
        { kind: 'account', name: ref },
        {
          request: req.id,
          expiresAt,
          ...(why ? { reason: why } : {}),
        },
      );
      return this.requestView(s.repos, {
        ...req,
        state: 'checked-out',
        checkedOutAt: now.toISOString(),
        expiresAt,
      });
    });
  }

  /**
   * Check-in by the holder (or giving up an approved, unused request); with `force`, an
   * administrator ends whoever holds it (guide, Case 4). Live sessions on the account end.
   */
  async checkin(
    actor: Actor,
    ref: string,
    opts: { force?: boolean; reason?: string } = {},
  ): Promise<AccessRequestView> {
    const op = opts.force ? 'access.force-checkin' : 'access.checkin';
    let ended: Ended | undefined;
    const view = await this.ctx.run(actor, op, { kind: 'account', name: ref }, async (s) => {
      const { resource, account } = await loadAccount(s.repos, ref);
      const level = await s.access.onAccount(account, resource);
      const settings = await s.repos.access.settings(resource.id);
      if (opts.force && level !== 'none' && settings?.approvers.includes(actor.user.id)) {
        // The resource's authorisers may force a check-in on what they can see (guide, Case 4).
        this.ctx.authz.require(actor, op);
      } else {
        this.ctx.authz.requireOn(actor, op, level, { kind: 'account', name: ref });
      }
      const open = await s.repos.access.ofAccount(account.id, OPEN_STATES);
      const now = this.ctx.now();
      let req: AccessRequestRow | undefined;
      if (opts.force) {
        const hold = await s.repos.access.hold(account.id);
        req = hold ? open.find((r) => r.id === hold.requestId) : undefined;
        if (!req) throw new ConflictError(`'${ref}' is not checked out`);
      } else {
        const mine = open.filter((r) => r.requesterId === actor.user.id);
        req = mine.find((r) => r.state === 'checked-out') ?? mine.find((r) => r.state === 'approved');
        if (!req) throw new ConflictError(`you have not checked out '${ref}'`);
      }
      const how = opts.force ? 'forced' : 'user';
      if (
        !(await s.repos.access.transition(req.id, req.state, {
          state: 'checked-in',
          endedAt: now,
          endedBy: actor.name,
          endedHow: how,
        }))
      )
        throw new ConflictError(`request ${req.id} changed meanwhile`);
      const wasOut = req.state === 'checked-out';
      if (wasOut) await s.repos.access.releaseHold(account.id, req.id);
      const holder = (await s.repos.users.byId(req.requesterId))?.username ?? req.requesterId;
      await s.audit(
        opts.force ? 'access.force-checkin' : 'access.checkin',
        { kind: 'account', name: ref },
        {
          request: req.id,
          holder,
          ...(opts.reason ? { reason: checkText('reason', opts.reason, 200) } : {}),
        },
      );
      const row = { ...req, state: 'checked-in' as const, endedAt: now, endedBy: actor.name, endedHow: how };
      if (wasOut) ended = { request: row, resource, account, settings, holder, how };
      return this.requestView(s.repos, row);
    });
    if (ended) await this.afterEnd(ended);
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

  /** For scheduled resets (guide, Case 7): a checked-out password is skipped. */
  async isCheckedOut(accountId: string): Promise<boolean> {
    const now = this.ctx.now();
    const hold = await this.ctx.store.read((r) => r.access.hold(accountId));
    return !!hold && (hold.expiresAt === null || hold.expiresAt > now);
  }

  /**
   * The scheduler's work: unapproved requests past their void time are voided; check-outs past
   * their exclusive period expire (the hold is released, live sessions end, reset on check-in).
   */
  async expireDue(): Promise<{ voided: number; expired: number }> {
    const now = this.ctx.now();
    const { voided, endedList, notes } = await this.ctx.store.tx(async (repos) => {
      const notes: AccessNotification[] = [];
      const endedList: Ended[] = [];
      let voided = 0;
      const audit = (
        type: 'access.request-void' | 'access.checkout-expired',
        ref: string,
        details: Record<string, unknown>,
      ) =>
        this.ctx.auditLog.append(repos, {
          type,
          actor: SYSTEM.name,
          source: SYSTEM.source,
          target: { kind: 'account', name: ref },
          result: 'success',
          details,
        });
      for (const r of await repos.access.waitingDue(now)) {
        if (
          !(await repos.access.transition(r.id, 'waiting', {
            state: 'expired',
            endedAt: now,
            endedBy: SYSTEM.name,
            endedHow: 'void',
          }))
        )
          continue;
        voided++;
        const { ref } = await this.accountOf(repos, r.accountId);
        await audit('access.request-void', ref, { request: r.id, voidAt: r.voidAt });
        notes.push({
          kind: 'expired',
          to: await this.names(repos, [r.requesterId]),
          subject: `Password request for ${ref} is void`,
          body: `Request ${r.id} for ${ref} was not approved in time and is void.`,
        });
      }
      for (const r of await repos.access.checkoutsDue(now)) {
        if (
          !(await repos.access.transition(r.id, 'checked-out', {
            state: 'expired',
            endedAt: now,
            endedBy: SYSTEM.name,
            endedHow: 'expired',
          }))
        )
          continue;
        const { resource, account, ref } = await this.accountOf(repos, r.accountId);
        await repos.access.releaseHold(account.id, r.id);
        const holder = (await repos.users.byId(r.requesterId))?.username ?? r.requesterId;
        await audit('access.checkout-expired', ref, { request: r.id, holder, expiresAt: r.expiresAt });
        notes.push({
          kind: 'expired',
          to: [holder],
          subject: `Your check-out of ${ref} has expired`,
          body: `The exclusive period of request ${r.id} for ${ref} ended at ${r.expiresAt}.`,
        });
        endedList.push({
          request: { ...r, state: 'expired', endedAt: now, endedBy: SYSTEM.name, endedHow: 'expired' },
          resource,
          account,
          settings: await repos.access.settings(resource.id),
          holder,
          how: 'expired',
        });
      }
      return { voided, endedList, notes };
    });
    await this.send(notes);
    for (const e of endedList) await this.afterEnd(e);
    return { voided, expired: endedList.length };
  }

  /**
   * A gateway session on `ref` ended: with "ending the session checks the password in" set on
   * the resource, the user's check-out ends too.
   */
  async sessionEnded(actor: Actor, ref: string): Promise<void> {
    const due = await this.ctx.store.read(async (repos) => {
      const found = await loadAccount(repos, ref).catch(() => undefined);
      if (!found) return false;
      const settings = await repos.access.settings(found.resource.id);
      if (!settings?.active || !settings.checkinOnSessionEnd) return false;
      const hold = await repos.access.hold(found.account.id);
      return hold?.userId === actor.user.id;
    });
    if (due) await this.checkin(actor, ref, { reason: 'session ended' }).catch(() => undefined);
  }

  // ---- after a check-out ends --------------------------------------------------------------

  private async afterEnd(e: Ended): Promise<void> {
    const ref = `${e.resource.name}/${e.account.name}`;
    const message =
      e.how === 'expired'
        ? `checked in: the exclusive use of ${ref} has expired`
        : e.how === 'forced'
          ? `checked in: ${ref} was checked in by ${e.request.endedBy ?? 'an administrator'}`
          : `checked in: ${ref} was checked in`;
    const sessions = this.live.endForAccount(ref, e.holder, message);
    if (sessions.length > 0)
      await this.ctx.appendStandalone({
        type: 'access.session-ended',
        actor: SYSTEM.name,
        source: SYSTEM.source,
        target: { kind: 'account', name: ref },
        result: 'success',
        details: { request: e.request.id, sessions, how: e.how },
      });
    if (!e.settings?.resetOnCheckin) return;
    let why: string;
    try {
      if (await this.resets.canReset(e.resource)) {
        await this.resets.reset(e.account, e.resource);
        await this.ctx.appendStandalone({
          type: 'access.reset',
          actor: SYSTEM.name,
          source: SYSTEM.source,
          target: { kind: 'account', name: ref },
          result: 'success',
          details: { request: e.request.id },
        });
        return;
      }
      why = `remote password reset is not available for resource '${e.resource.name}'`;
    } catch (err) {
      why = `remote password reset failed: ${String((err as Error)?.message ?? err)
        .split('\n')[0]!
        .slice(0, 200)}`;
    }
    // Guide, Case 6: the reset does not happen; the approvers are told and the audit says why.
    await this.ctx.appendStandalone({
      type: 'access.reset-skipped',
      actor: SYSTEM.name,
      source: SYSTEM.source,
      target: { kind: 'account', name: ref },
      result: 'failure',
      details: { request: e.request.id, reason: why },
    });
    await this.send([
      {
        kind: 'reset-skipped',
        to: e.request.approvals.filter((a) => a.userId !== 'auto').map((a) => a.username),
        subject: `Password ${ref} was not reset after check-in`,
        body: `${ref} was checked in (${e.how}) but not reset: ${why}.`,
      },
    ]);
  }

  // ---- helpers ----------------------------------------------------------------------------

  private async send(notes: AccessNotification[]): Promise<void> {
    for (const n of notes) {
      if (n.to.length === 0) continue;
      try {
        await this.notifier.notify(n);
      } catch (e) {
        this.ctx.deps.logger.log('warn', 'access notification failed', {
          kind: n.kind,
          message: String((e as Error)?.message ?? e).split('\n')[0],
        });
      }
    }
  }

  private async decisionNote(
    repos: Repos,
    r: AccessRequestRow,
    ref: string,
    what: string,
  ): Promise<AccessNotification> {
    return {
      kind: 'decision',
      to: await this.names(repos, [r.requesterId]),
      subject: `Your request for ${ref} was ${what.split(/[ ;:]/)[0]}`,
      body: `Request ${r.id} for ${ref}: ${what}.`,
    };
  }

  private async names(repos: Repos, ids: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const id of ids) {
      const u = await repos.users.byId(id);
      if (u) out.push(u.username);
    }
    return out;
  }

  private async accountOf(
    repos: Repos,
    accountId: string,
  ): Promise<{ resource: Resource; account: Account; ref: string }> {
    const account = await repos.accounts.byId(accountId);
    const resource = account ? await repos.resources.byId(account.resourceId) : undefined;
    if (!account || !resource) throw new NotFoundError('account', accountId);
    return { resource, account, ref: `${resource.name}/${account.name}` };
  }

  private async requestView(repos: Repos, r: AccessRequestRow): Promise<AccessRequestView> {
    const { ref } = await this.accountOf(repos, r.accountId);
    return {
      id: r.id,
      account: ref,
      requester: (await repos.users.byId(r.requesterId))?.username ?? r.requesterId,
      reason: r.reason,
      state: r.state,
      approvals: r.approvals.map((a) => a.username),
      createdAt: r.createdAt,
      voidAt: r.voidAt,
      checkedOutAt: r.checkedOutAt,
      expiresAt: r.expiresAt,
      endedAt: r.endedAt,
      endedBy: r.endedBy,
      endedHow: r.endedHow,
    };
  }

  private async configView(
    repos: Repos,
    resource: Resource,
    row: AccessSettingsRow,
  ): Promise<AccessConfigView> {
    return {
      resource: resource.name,
      active: row.active,
      approvers: await this.names(repos, row.approvers),
      dual: row.dual,
      excluded: await this.names(repos, row.excluded),
      voidAfterHours: row.voidAfterHours,
      exclusiveHours: row.exclusiveHours,
      resetOnCheckin: row.resetOnCheckin,
      autoApprove: row.autoApprove === 'window' ? `${row.autoFrom}-${row.autoTo}` : row.autoApprove,
      checkinOnSessionEnd: row.checkinOnSessionEnd,
      ticketAutoApprove: row.ticketAutoApprove,
      updatedAt: row.updatedAt,
      updatedBy: row.updatedBy,
    };
  }
}

function unique(names: string[]): string[] {
  return [...new Set(names.map((n) => n.trim()).filter((n) => n !== ''))];
}

function hours(field: string, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 24 * 365)
    throw new ValidationError(`${field} must be a whole number of hours between 0 and 8760`, { field });
  return n;
}

function parseAutoApprove(v: string): { mode: AutoApprove; from: string | null; to: string | null } {
  if (v === 'off' || v === 'always') return { mode: v, from: null, to: null };
  const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/.exec(v);
  if (!m)
    throw new ValidationError(`auto-approve must be 'off', 'always' or a daily window HH:MM-HH:MM (UTC)`, {
      field: 'autoApprove',
    });
  return { mode: 'window', from: `${m[1]}:${m[2]}`, to: `${m[3]}:${m[4]}` };
}

/** Automatic approval: always, or when `now` (UTC time of day) falls in the daily window. */
function autoApproves(s: AccessSettingsRow, now: Date): boolean {
  if (s.autoApprove === 'always') return true;
  if (s.autoApprove !== 'window' || !s.autoFrom || !s.autoTo) return false;
  const t = now.toISOString().slice(11, 16);
  return s.autoFrom <= s.autoTo ? t >= s.autoFrom && t < s.autoTo : t >= s.autoFrom || t < s.autoTo;
}
