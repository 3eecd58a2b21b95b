import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import type { LiveService } from '../live/live-service.ts';
import type { AccessRequestView } from './access-common.ts';
import {
  AccessConfiguration,
  type AccessConfigInput,
  type AccessConfigView,
} from './access-configuration.ts';
import { AccessHolds } from './access-holds.ts';
import { AccessRequests } from './access-requests.ts';
import type { AccessGeneralSettings } from './enforce.ts';
import { noopAccessNotifier, type AccessNotifier } from './notify.ts';
import { noRemoteReset, type ResetService } from './reset.ts';

export type { AccessRequestView } from './access-common.ts';
export type { AccessConfigInput, AccessConfigView } from './access-configuration.ts';

/**
 * The password access-control workflow: per-resource settings, request → approval (single or dual)
 * → exclusive check-out → check-in, with rejection, voiding of unapproved requests, expiry of
 * check-outs and forced check-in. State lives in the database; the exclusive hold is one row per
 * account (see `takeHold`).
 *
 * A facade over its three parts: configuration (access-configuration.ts), requests and
 * decisions (access-requests.ts), and the hold (access-holds.ts).
 */
export class AccessService {
  readonly #config: AccessConfiguration;
  readonly #requests: AccessRequests;
  readonly #holds: AccessHolds;

  constructor(
    ctx: CoreContext,
    live: LiveService,
    notifier: AccessNotifier = noopAccessNotifier,
    resets: ResetService = noRemoteReset,
  ) {
    this.#config = new AccessConfiguration(ctx, notifier);
    this.#requests = new AccessRequests(ctx, notifier);
    this.#holds = new AccessHolds(ctx, notifier, live, resets);
  }

  // ---- configuration ----------------------------------------------------------------------

  async configure(actor: Actor, resourceName: string, input: AccessConfigInput): Promise<AccessConfigView> {
    return this.#config.configure(actor, resourceName, input);
  }

  /**
   * Activate or deactivate without changing the other settings. While inactive, whoever may view
   * the password sees it without a request; reactivating restores the same workflow.
   */
  async setActive(actor: Actor, resourceName: string, active: boolean): Promise<AccessConfigView> {
    return this.#config.setActive(actor, resourceName, active);
  }

  async show(actor: Actor, resourceName: string): Promise<AccessConfigView | null> {
    return this.#config.show(actor, resourceName);
  }

  /** The general setting: may administrators view a password while a password user holds it. */
  async setGeneral(actor: Actor, patch: Partial<AccessGeneralSettings>): Promise<AccessGeneralSettings> {
    return this.#config.setGeneral(actor, patch);
  }

  // ---- the workflow -----------------------------------------------------------------------

  /**
   * Requests a password. With ticket validation on, the request needs a ticket id the ticketing
   * system accepts (super administrators and the allowed users are exempt), and on a resource with
   * `ticketAutoApprove` a validated ticket approves the request at once (the ticket stands in for
   * the approval).
   */
  async request(actor: Actor, ref: string, reason: string, ticketId?: string): Promise<AccessRequestView> {
    return this.#requests.request(actor, ref, reason, ticketId);
  }

  async approve(actor: Actor, id: string): Promise<AccessRequestView> {
    return this.#requests.approve(actor, id);
  }

  async reject(actor: Actor, id: string, reason?: string): Promise<AccessRequestView> {
    return this.#requests.reject(actor, id, reason);
  }

  /** Check-out: the caller's approved request becomes the one exclusive hold on the account. */
  async checkout(actor: Actor, ref: string, reason?: string): Promise<AccessRequestView> {
    return this.#holds.checkout(actor, ref, reason);
  }

  /**
   * Check-in by the holder (or giving up an approved, unused request); with `force`, an
   * administrator ends whoever holds it. Live sessions on the account end.
   */
  async checkin(
    actor: Actor,
    ref: string,
    opts: { force?: boolean; reason?: string } = {},
  ): Promise<AccessRequestView> {
    return this.#holds.checkin(actor, ref, opts);
  }

  async list(actor: Actor, filter: { mine?: boolean; pending?: boolean } = {}): Promise<AccessRequestView[]> {
    return this.#requests.list(actor, filter);
  }

  /** For scheduled resets: a checked-out password is skipped (its holder would be locked out). */
  async isCheckedOut(accountId: string): Promise<boolean> {
    return this.#holds.isCheckedOut(accountId);
  }

  /**
   * The scheduler's work: unapproved requests past their void time are voided; check-outs past
   * their exclusive period expire (the hold is released, live sessions end, reset on check-in).
   */
  async expireDue(): Promise<{ voided: number; expired: number }> {
    return this.#holds.expireDue();
  }

  /**
   * A gateway session on `ref` ended: with "ending the session checks the password in" set on
   * the resource, the user's check-out ends too.
   */
  async sessionEnded(actor: Actor, ref: string): Promise<void> {
    return this.#holds.sessionEnded(actor, ref);
  }
}
