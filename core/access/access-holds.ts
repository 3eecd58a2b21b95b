// Access control, the hold part: exclusive check-out, check-in (by the holder or forced),
// expiry of unapproved requests and of check-outs, check-in when a gateway session ends, and
// what follows the end of a check-out (live sessions end, reset on check-in).
import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError, ForbiddenError, ValidationError, firstLine } from '../errors.ts';
import { checkText } from '../identity/names.ts';
import type { LiveService } from '../live/live-service.ts';
import type { Account, Resource } from '../model.ts';
import type { AccessRequestRow, AccessSettingsRow } from '../storage/repos/index.ts';
import { loadAccount } from '../vault/refs.ts';
import { AccessBase, HOUR_MS, OPEN_STATES, SYSTEM, type AccessRequestView } from './access-common.ts';
import type { AccessNotification, AccessNotifier } from './notify.ts';
import type { ResetService } from './reset.ts';

/** What a finished check-out leaves to do after its transaction commits. */
interface Ended {
  request: AccessRequestRow;
  resource: Resource;
  account: Account;
  settings: AccessSettingsRow | undefined;
  holder: string;
  how: 'user' | 'forced' | 'expired' | 'session-end';
}

/** The exclusive hold on an account (one row per account, see `takeHold`) and its ending. */
export class AccessHolds extends AccessBase {
  constructor(
    ctx: CoreContext,
    notifier: AccessNotifier,
    private readonly live: LiveService,
    private readonly resets: ResetService,
  ) {
    super(ctx, notifier);
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
   * administrator ends whoever holds it, so a password is never stuck with an absent holder. Live
   * sessions on the account end.
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
        // The resource's authorisers may force a check-in on what they can see, even without
        // the role's general force-checkin right: they released the password in the first place.
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

  /**
   * For scheduled resets: a checked-out password is skipped, so the holder never works with a
   * password that changed under them (the other accounts of the run are still reset).
   */
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
        ? checkoutExpiredMessage(ref)
        : e.how === 'forced'
          ? `checked in: ${ref} was checked in by ${e.request.endedBy ?? 'an administrator'}`
          : `checked in: ${ref} was checked in`;
    // By the check-out's request id, never by user name: the holder's sessions under another
    // check-out (or none) are not this check-out's to end.
    const sessions = await this.live.endForRequest(e.request.id, message, e.request.endedBy ?? SYSTEM.name);
    if (sessions.length > 0)
      await this.ctx.auditAs(SYSTEM, 'access.session-ended', { kind: 'account', name: ref }, 'success', {
        request: e.request.id,
        sessions,
        how: e.how,
      });
    if (!e.settings?.resetOnCheckin) return;
    let why: string;
    try {
      if (await this.resets.canReset(e.resource)) {
        await this.resets.reset(e.account, e.resource);
        await this.ctx.auditAs(SYSTEM, 'access.reset', { kind: 'account', name: ref }, 'success', {
          request: e.request.id,
        });
        return;
      }
      why = `remote password reset is not available for resource '${e.resource.name}'`;
    } catch (err) {
      why = `remote password reset failed: ${firstLine(err, 200)}`;
    }
    // A failed or impossible reset after check-in does not block the check-in: the approvers are
    // told, so they can set the password right by hand, and the audit row says why.
    await this.ctx.auditAs(SYSTEM, 'access.reset-skipped', { kind: 'account', name: ref }, 'failure', {
      request: e.request.id,
      reason: why,
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
}

/**
 * The one line an operator reads when a check-out ends by itself. The gateway's exact expiry timer
 * and the access scheduler's sweep both use it, so the words are the same whichever comes first.
 */
export function checkoutExpiredMessage(ref: string): string {
  return `checked in: the exclusive use of ${ref} has expired`;
}
