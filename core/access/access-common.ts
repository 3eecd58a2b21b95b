// Shared by the parts of the access-control workflow (access-service.ts): constants, the request
// view, and the helpers every part uses (notification, name and account look-ups, view mapping).
import type { CoreContext } from '../context.ts';
import { NotFoundError, firstLine } from '../errors.ts';
import type { Account, Resource } from '../model.ts';
import type { AccessRequestRow, AccessState, Repos } from '../storage/repos/index.ts';
import type { AccessNotification, AccessNotifier } from './notify.ts';

export const HOUR_MS = 3_600_000;
export const OPEN_STATES: AccessState[] = ['waiting', 'approved', 'checked-out'];
export const SYSTEM = { name: 'system:access', source: 'scheduler' };

export interface AccessRequestView {
  id: string;
  account: string;
  requester: string;
  reason: string;
  state: AccessState;
  approvals: string[];
  /** Approvals the request needs (2 with dual approval): `waiting` with fewer still waits. */
  approvalsNeeded: number;
  /** Who rejected the request and why (null unless `rejected`; the reason may be empty). */
  rejectedBy: string | null;
  rejectReason: string | null;
  createdAt: string;
  voidAt: string | null;
  checkedOutAt: string | null;
  expiresAt: string | null;
  endedAt: string | null;
  endedBy: string | null;
  endedHow: string | null;
}

/** Base of the workflow parts: the context, the notifier and the helpers they share. */
export abstract class AccessBase {
  constructor(
    protected readonly ctx: CoreContext,
    protected readonly notifier: AccessNotifier,
  ) {}

  protected async send(notes: AccessNotification[]): Promise<void> {
    for (const n of notes) {
      if (n.to.length === 0) continue;
      try {
        await this.notifier.notify(n);
      } catch (e) {
        this.ctx.deps.logger.log('warn', 'access notification failed', {
          kind: n.kind,
          message: firstLine(e),
        });
      }
    }
  }

  protected async decisionNote(
    repos: Repos,
    r: AccessRequestRow,
    ref: string,
    what: string,
  ): Promise<AccessNotification> {
    return {
      kind: 'decision',
      to: await this.names(repos, [r.requesterId]),
      subject: `Your request for ${ref} was ${what.split(/[;:]/)[0]}`,
      body: `Request ${r.id} for ${ref}: ${what}.`,
    };
  }

  protected async names(repos: Repos, ids: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const id of ids) {
      const u = await repos.users.byId(id);
      if (u) out.push(u.username);
    }
    return out;
  }

  protected async accountOf(
    repos: Repos,
    accountId: string,
  ): Promise<{ resource: Resource; account: Account; ref: string }> {
    const account = await repos.accounts.byId(accountId);
    const resource = account ? await repos.resources.byId(account.resourceId) : undefined;
    if (!account || !resource) throw new NotFoundError('account', accountId);
    return { resource, account, ref: `${resource.name}/${account.name}` };
  }

  protected async requestView(repos: Repos, r: AccessRequestRow): Promise<AccessRequestView> {
    const { ref, resource } = await this.accountOf(repos, r.accountId);
    const rejected = r.state === 'rejected';
    return {
      id: r.id,
      account: ref,
      requester: (await repos.users.byId(r.requesterId))?.username ?? r.requesterId,
      reason: r.reason,
      state: r.state,
      approvals: r.approvals.map((a) => a.username),
      approvalsNeeded: (await repos.access.settings(resource.id))?.dual ? 2 : 1,
      rejectedBy: rejected ? r.decidedBy : null,
      rejectReason: rejected ? r.decisionReason || null : null,
      createdAt: r.createdAt,
      voidAt: r.voidAt,
      checkedOutAt: r.checkedOutAt,
      expiresAt: r.expiresAt,
      endedAt: r.endedAt,
      endedBy: r.endedBy,
      endedHow: r.endedHow,
    };
  }
}
