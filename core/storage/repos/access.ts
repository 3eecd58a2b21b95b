import type { Knex } from 'knex';
import { bool, jsonArray, num, str, strOrNull, type Row } from './map.ts';

export type AutoApprove = 'off' | 'always' | 'window';

export interface AccessSettingsRow {
  resourceId: string;
  active: boolean;
  approvers: string[];
  excluded: string[];
  dual: boolean;
  voidAfterHours: number;
  exclusiveHours: number;
  resetOnCheckin: boolean;
  autoApprove: AutoApprove;
  autoFrom: string | null;
  autoTo: string | null;
  checkinOnSessionEnd: boolean;
  /** A request with a ticket that validates is approved at once. */
  ticketAutoApprove: boolean;
  updatedAt: string;
  updatedBy: string;
}

export type AccessState = 'waiting' | 'approved' | 'checked-out' | 'checked-in' | 'rejected' | 'expired';

export interface Approval {
  userId: string;
  username: string;
  at: string;
}

export interface AccessRequestRow {
  id: string;
  accountId: string;
  requesterId: string;
  reason: string;
  state: AccessState;
  approvals: Approval[];
  createdAt: string;
  voidAt: string | null;
  decidedAt: string | null;
  decidedBy: string | null;
  decisionReason: string | null;
  checkedOutAt: string | null;
  expiresAt: string | null;
  endedAt: string | null;
  endedBy: string | null;
  endedHow: string | null;
}

export interface HoldRow {
  accountId: string;
  requestId: string;
  userId: string;
  since: string;
  expiresAt: string | null;
}

export const toSettings = (r: Row): AccessSettingsRow => ({
  resourceId: str(r.resource_id),
  active: bool(r.active),
  approvers: jsonArray<string>(r.approvers),
  excluded: jsonArray<string>(r.excluded),
  dual: bool(r.dual),
  voidAfterHours: num(r.void_after_hours),
  exclusiveHours: num(r.exclusive_hours),
  resetOnCheckin: bool(r.reset_on_checkin),
  autoApprove: str(r.auto_approve) as AutoApprove,
  autoFrom: strOrNull(r.auto_from),
  autoTo: strOrNull(r.auto_to),
  checkinOnSessionEnd: bool(r.checkin_on_session_end),
  ticketAutoApprove: bool(r.ticket_auto_approve),
  updatedAt: str(r.updated_at),
  updatedBy: str(r.updated_by),
});

const toRequest = (r: Row): AccessRequestRow => ({
  id: str(r.id),
  accountId: str(r.account_id),
  requesterId: str(r.requester_id),
  reason: str(r.reason),
  state: str(r.state) as AccessState,
  approvals: jsonArray<Approval>(r.approvals),
  createdAt: str(r.created_at),
  voidAt: strOrNull(r.void_at),
  decidedAt: strOrNull(r.decided_at),
  decidedBy: strOrNull(r.decided_by),
  decisionReason: strOrNull(r.decision_reason),
  checkedOutAt: strOrNull(r.checked_out_at),
  expiresAt: strOrNull(r.expires_at),
  endedAt: strOrNull(r.ended_at),
  endedBy: strOrNull(r.ended_by),
  endedHow: strOrNull(r.ended_how),
});

const toHold = (r: Row): HoldRow => ({
  accountId: str(r.account_id),
  requestId: str(r.request_id),
  userId: str(r.user_id),
  since: str(r.since),
  expiresAt: strOrNull(r.expires_at),
});

/** Access-control workflow storage: settings per resource, requests, and the one hold per account. */
export function accessRepo(db: Knex | Knex.Transaction) {
  return {
    async settings(resourceId: string): Promise<AccessSettingsRow | undefined> {
      const r = await db('access_settings').where({ resource_id: resourceId }).first();
      return r ? toSettings(r) : undefined;
    },
    async putSettings(x: AccessSettingsRow): Promise<void> {
      const row = {
        resource_id: x.resourceId,
        active: x.active,
        approvers: JSON.stringify(x.approvers),
        excluded: JSON.stringify(x.excluded),
        dual: x.dual,
        void_after_hours: x.voidAfterHours,
        exclusive_hours: x.exclusiveHours,
        reset_on_checkin: x.resetOnCheckin,
        auto_approve: x.autoApprove,
        auto_from: x.autoFrom,
        auto_to: x.autoTo,
        checkin_on_session_end: x.checkinOnSessionEnd,
        ticket_auto_approve: x.ticketAutoApprove,
        updated_at: x.updatedAt,
        updated_by: x.updatedBy,
      };
      await db('access_settings').insert(row).onConflict('resource_id').merge();
    },
    async request(id: string): Promise<AccessRequestRow | undefined> {
      const r = await db('access_requests').where({ id }).first();
      return r ? toRequest(r) : undefined;
    },
    async insertRequest(x: AccessRequestRow): Promise<void> {
      await db('access_requests').insert({
        id: x.id,
        account_id: x.accountId,
        requester_id: x.requesterId,
        reason: x.reason,
        state: x.state,
        approvals: JSON.stringify(x.approvals),
        created_at: x.createdAt,
        void_at: x.voidAt,
        decided_at: x.decidedAt,
        decided_by: x.decidedBy,
        decision_reason: x.decisionReason,
        checked_out_at: x.checkedOutAt,
        expires_at: x.expiresAt,
        ended_at: x.endedAt,
        ended_by: x.endedBy,
        ended_how: x.endedHow,
      });
    },
    /**
     * Moves a request on, only from the state it was read in (compare-and-set): returns false
     * when another transition got there first.
     */
    async transition(
      id: string,
      from: AccessState,
      patch: Partial<Omit<AccessRequestRow, 'id' | 'accountId' | 'requesterId' | 'createdAt'>>,
    ): Promise<boolean> {
      const cols: Record<string, unknown> = {};
      if (patch.state !== undefined) cols.state = patch.state;
      if (patch.approvals !== undefined) cols.approvals = JSON.stringify(patch.approvals);
      if (patch.reason !== undefined) cols.reason = patch.reason;
      if (patch.voidAt !== undefined) cols.void_at = patch.voidAt;
      if (patch.decidedAt !== undefined) cols.decided_at = patch.decidedAt;
      if (patch.decidedBy !== undefined) cols.decided_by = patch.decidedBy;
      if (patch.decisionReason !== undefined) cols.decision_reason = patch.decisionReason;
      if (patch.checkedOutAt !== undefined) cols.checked_out_at = patch.checkedOutAt;
      if (patch.expiresAt !== undefined) cols.expires_at = patch.expiresAt;
      if (patch.endedAt !== undefined) cols.ended_at = patch.endedAt;
      if (patch.endedBy !== undefined) cols.ended_by = patch.endedBy;
      if (patch.endedHow !== undefined) cols.ended_how = patch.endedHow;
      const n = await db('access_requests').where({ id, state: from }).update(cols);
      return n === 1;
    },
    /** Requests of one account in the given states, oldest first (the queue). */
    async ofAccount(accountId: string, states: AccessState[]): Promise<AccessRequestRow[]> {
      return (
        await db('access_requests')
          .where({ account_id: accountId })
          .whereIn('state', states)
          .orderBy([{ column: 'created_at' }, { column: 'id' }])
      ).map(toRequest);
    },
    async list(filter: { requesterId?: string; states?: AccessState[] } = {}): Promise<AccessRequestRow[]> {
      let q = db('access_requests');
      if (filter.requesterId) q = q.where({ requester_id: filter.requesterId });
      if (filter.states) q = q.whereIn('state', filter.states);
      // Newest first: the first request of an account is its current one (the console's account
      // detail shows it), and the 1000 kept are the latest.
      return (
        await q
          .orderBy([
            { column: 'created_at', order: 'desc' },
            { column: 'id', order: 'desc' },
          ])
          .limit(1000)
      ).map(toRequest);
    },
    async waitingDue(now: string): Promise<AccessRequestRow[]> {
      return (
        await db('access_requests')
          .where({ state: 'waiting' })
          .whereNotNull('void_at')
          .where('void_at', '<=', now)
      ).map(toRequest);
    },
    async checkoutsDue(now: string): Promise<AccessRequestRow[]> {
      return (
        await db('access_requests')
          .where({ state: 'checked-out' })
          .whereNotNull('expires_at')
          .where('expires_at', '<=', now)
      ).map(toRequest);
    },
    async hold(accountId: string): Promise<HoldRow | undefined> {
      const r = await db('account_holds').where({ account_id: accountId }).first();
      return r ? toHold(r) : undefined;
    },
    /**
     * The check-out itself: one conditional write. Returns the hold that exists afterwards; the
     * caller won only if it carries its own request id.
     */
    async takeHold(x: HoldRow): Promise<HoldRow> {
      await db('account_holds')
        .insert({
          account_id: x.accountId,
          request_id: x.requestId,
          user_id: x.userId,
          since: x.since,
          expires_at: x.expiresAt,
        })
        .onConflict('account_id')
        .ignore();
      return toHold(await db('account_holds').where({ account_id: x.accountId }).first());
    },
    async releaseHold(accountId: string, requestId: string): Promise<boolean> {
      return (
        (await db('account_holds').where({ account_id: accountId, request_id: requestId }).delete()) === 1
      );
    },
  };
}
