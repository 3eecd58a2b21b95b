import type { CoreContext } from '../context.ts';
import { aad } from '../crypto/aad.ts';
import type { Secret } from '../crypto/secret.ts';
import { InFlight } from '../events/in-flight.ts';
import type { PasswordStored } from '../events/password-stored.ts';
import type { AuditRecord } from '../model.ts';
import { loadAccount } from '../vault/refs.ts';
import type { ListenerRow } from '../storage/repos/index.ts';
import type { ListenerRunner } from './runner.ts';
import { firstLine } from '../errors.ts';

const OUTPUT_LIMIT = 2000;

/**
 * Runs the approved listeners of an account's resource type after its password was stored:
 * off the reset path (the caller never waits), each with its timeout, its result audited and
 * never fed back into the change (a listener's failure does not undo a password already stored).
 *
 * The reference product's listeners take resource name, DNS name, account name, old password,
 * new password, extra arguments as positional arguments. The non-secret ones keep their order in argv
 * (`RESOURCE DNS ACCOUNT PARAMS…`); the two passwords go on standard input, old then new, one
 * per line — never in argv (world-readable through `ps`) nor in the environment.
 */
export class ListenerDispatch {
  readonly inFlight: InFlight;

  constructor(
    private readonly ctx: CoreContext,
    private readonly runner: ListenerRunner | undefined,
  ) {
    this.inFlight = new InFlight(
      (e) =>
        this.ctx.deps.logger.log('error', 'listener.background-failed', {
          error: firstLine(e, 200),
        }),
      4,
    );
  }

  /** PasswordStoredObserver: resets (engine, after its vault commit) and sync publishes. */
  onStored = (e: PasswordStored): void => {
    if (!this.runner) return;
    this.inFlight.start(() => this.runAll(e.resource, e.account, e.old, e.next));
  };

  /** AuditObserver: a plain password change (`account set-password`, import overwrite). */
  onAudit = (rows: readonly AuditRecord[]): void => {
    if (!this.runner) return;
    for (const row of rows) {
      if (row.type !== 'password.change' || row.result !== 'success' || row.targetKind !== 'account')
        continue;
      this.inFlight.start(() => this.fromVault(row.targetName));
    }
  };

  /** The change's audit row carries no password: the new one is in place, the old one is the newest history entry. */
  private async fromVault(ref: string): Promise<void> {
    const found = await this.ctx.store.read(async (r) => {
      const { resource, account } = await loadAccount(r, ref);
      const [last] = await r.history.of(account.id, 1);
      if (!last) return undefined;
      return {
        resource: resource.name,
        account: account.name,
        next: this.ctx.keyring.open(account.passwordEnc, aad.account(account.id)),
        old: this.ctx.keyring.open(last.passwordEnc, aad.history(last.id)),
      };
    });
    if (found) await this.runAll(found.resource, found.account, found.old, found.next);
  }

  private async runAll(resourceName: string, accountName: string, old: Secret, next: Secret): Promise<void> {
    const { resource, listeners } = await this.ctx.store.read(async (r) => {
      const resource = await r.resources.byName(resourceName);
      const type = resource ? await r.types.byId(resource.typeId) : undefined;
      return { resource, listeners: type ? await r.listeners.approvedFor(type.name) : [] };
    });
    if (!resource) return;
    for (const l of listeners)
      await this.runOne(l, [resource.name, resource.dnsName, accountName], old, next);
  }

  private async runOne(l: ListenerRow, standard: string[], old: Secret, next: Secret): Promise<void> {
    const ref = `${standard[0]}/${standard[2]}`;
    const out = await this.runner!.run({
      command: l.command,
      args: [...standard, ...l.args],
      stdin: `${old.reveal()}\n${next.reveal()}\n`,
      timeoutMs: l.timeoutSeconds * 1000,
    });
    const type = out.timedOut
      ? 'listener.timed-out'
      : out.exitCode === 0
        ? 'listener.ran'
        : 'listener.failed';
    await this.ctx.auditAs(
      { name: 'system', source: `listener:${l.name}` },
      type,
      { kind: 'account', name: ref },
      type === 'listener.ran' ? 'success' : 'failure',
      {
        listener: l.name,
        version: l.version,
        exitCode: out.exitCode,
        ms: out.ms,
        ...(out.startError ? { startError: out.startError } : {}),
        output: scrub(out.output, [old, next]).slice(0, OUTPUT_LIMIT),
      },
    );
  }
}

/** A listener may echo what it was given: its output reaches the audit only with the passwords masked. */
export function scrub(text: string, secrets: readonly Secret[]): string {
  let s = text;
  for (const secret of secrets) {
    const v = secret.reveal();
    if (v.length > 0) s = s.split(v).join('<secret>');
  }
  return s;
}
