import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { aad } from '../crypto/aad.ts';
import { PolicyError, firstLine } from '../errors.ts';
import { InFlight } from '../events/in-flight.ts';
import type { AuditRecord } from '../model.ts';
import { effectivePolicy } from '../policy/policies-service.ts';
import { assertPassword } from '../policy/validate.ts';
import { accountRef } from '../vault/refs.ts';
import {
  eventKindOf,
  summaryOf,
  type PasswordEvent,
  type PasswordEventChannel,
  type PasswordEventKind,
  type RecipientKind,
} from './password-events.ts';
import { recipientsOf } from './recipients.ts';

const DAY_MS = 86_400_000;

/**
 * Notifications for the six password events. Events are derived from committed audit rows (an
 * AuditObserver), so the services that cause them need no change; the recipients are resolved at
 * that moment and the event goes to every configured channel. A channel's failure is logged by the
 * channel and never reaches the operation that caused the event.
 */
export class PasswordNotifications {
  readonly inFlight: InFlight;

  constructor(
    private readonly ctx: CoreContext,
    private readonly channels: readonly PasswordEventChannel[],
    private readonly enabled: readonly PasswordEventKind[],
    private readonly recipientKinds: readonly RecipientKind[],
  ) {
    this.inFlight = new InFlight(
      (e) =>
        this.ctx.deps.logger.log('error', 'password-event.background-failed', {
          error: firstLine(e, 200),
        }),
      8,
    );
  }

  onAudit = (rows: readonly AuditRecord[]): void => {
    if (this.channels.length === 0) return;
    for (const row of rows) {
      const kind = eventKindOf(row);
      if (kind && this.enabled.includes(kind)) this.inFlight.start(() => this.dispatch(kind, row));
    }
  };

  private async dispatch(kind: PasswordEventKind, row: AuditRecord): Promise<void> {
    const object = { kind: row.targetKind, name: row.targetName };
    const recipients = await this.ctx.store.read((r) => recipientsOf(r, object, this.recipientKinds));
    const event: PasswordEvent = {
      kind,
      at: row.at,
      actor: row.actor,
      source: row.source,
      object,
      audit: { seq: row.seq, code: row.code, type: row.type },
      recipients,
      summary: summaryOf(kind, object, row.actor),
    };
    await Promise.all(
      this.channels.map((c) =>
        c.send(event).catch((e: unknown) =>
          this.ctx.deps.logger.log('error', 'password-event.failed', {
            channel: c.name,
            kind,
            error: firstLine(e, 200),
          }),
        ),
      ),
    );
  }

  /**
   * The daily check (expiry and policy violations, reported every day while they hold): every account
   * whose password is older than its policy's validity gets `password.expired`, every account
   * whose password breaks its policy gets `password.policy-violation`. The notifications follow
   * from those rows. Returns what it found.
   */
  async dailyCheck(actor: Actor): Promise<{ expired: string[]; violating: string[] }> {
    return this.ctx.run(
      actor,
      'notify.daily-check',
      { kind: 'system', name: 'password-events' },
      async (s) => {
        this.ctx.authz.require(actor, 'notify.daily-check');
        const now = this.ctx.clock.now().getTime();
        const out = { expired: [] as string[], violating: [] as string[] };
        for (const resource of await s.repos.resources.list()) {
          const policy = await effectivePolicy(s.repos, resource);
          for (const account of await s.repos.accounts.ofResource(resource.id)) {
            if (account.credentialKind !== 'password') continue;
            const ref = accountRef(resource, account);
            const target = { kind: 'account', name: ref };
            const changed = new Date(account.passwordChangedAt).getTime();
            if (policy.maxAgeDays > 0 && now - changed > policy.maxAgeDays * DAY_MS) {
              out.expired.push(ref);
              await s.audit(
                'password.expired',
                target,
                { policy: policy.name, changedAt: account.passwordChangedAt },
                'failure',
              );
            }
            try {
              const current = this.ctx.keyring.open(account.passwordEnc, aad.account(account.id));
              assertPassword(policy, current, { loginName: account.name });
            } catch (e) {
              if (!(e instanceof PolicyError)) {
                // One unreadable account (say, a key not loaded yet) does not stop the check of the rest.
                this.ctx.deps.logger.log('warn', 'daily-check.skipped', {
                  account: ref,
                  code: (e as { code?: string }).code,
                });
                continue;
              }
              out.violating.push(ref);
              // The rule names only (the violation list never quotes the password).
              await s.audit(
                'password.policy-violation',
                target,
                { policy: policy.name, check: 'daily' },
                'failure',
              );
            }
          }
        }
        return out;
      },
    );
  }
}
