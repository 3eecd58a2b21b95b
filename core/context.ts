import { AuditLog, type AuditEntry } from './audit/audit-log.ts';
import type { AuditChain } from './audit/chain.ts';
import type { AuditEventType } from './audit/events.ts';
import { viaDetails, type Actor } from './authz/actor.ts';
import { Authorizer } from './authz/authorizer.ts';
import type { Operation } from './authz/operations.ts';
import { AccessResolver } from './authz/resolver.ts';
import type { CustodyConfig } from './config/schema.ts';
import type { Keyring } from './crypto/keyring.ts';
import type { KdfParams } from './crypto/password-hash.ts';

import { CustodyError, ForbiddenError, NotFoundError, firstLine } from './errors.ts';
import type { AuditResult } from './model.ts';
import type { Clock, IdGenerator, Logger } from './runtime.ts';
import type { Store } from './storage/db.ts';
import type { LiveRegistry } from './live/live-registry.ts';
import type { AccessNotifier } from './access/notify.ts';
import type { ResetService } from './access/reset.ts';
import type { ResetConnectors } from './reset/connector.ts';
import type { RouteDialer } from './reset/route-dialer.ts';
import type { Repos } from './storage/repos/index.ts';
import type { QualityExit } from './policy/quality-exit.ts';
import type { TicketSystemFactory } from './tickets/ticket-system.ts';
import { observedStore, type AuditObserver } from './events/observed-store.ts';
import type { PasswordStoredObserver } from './events/password-stored.ts';
import type { ListenerRunner } from './listeners/runner.ts';
import type { PasswordEventChannel } from './notify/password-events.ts';

export interface CoreDeps {
  store: Store;
  keyring: Keyring;
  config: Readonly<CustodyConfig>;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  /**
   * How audit rows are chained: keyed by the audit key of the key file, so someone who can write
   * the database but not read the key file cannot rewrite the chain to match.
   */
  auditChain: AuditChain;
  /** Where live sessions are registered; in-process unless a cluster registry is given. */
  liveRegistry?: LiveRegistry;
  /** Where session recordings are stored (default: ./recordings). */
  recordingsDir?: string;
  /**
   * In a cluster: the node whose own disk holds the recordings of a session, when that is another
   * node (undefined: this node, or no cluster). A recording whose file is missing here then says
   * where it is instead of "file not found".
   */
  recordingHolder?: (sessionId: string) => Promise<string | undefined>;
  /** The node's recording signing key (Ed25519; default: keys/ beside the recordings folder). */
  recordingSigningKeyFile?: string;
  /** Overrides config (tests use a cheap KDF). */
  kdf?: KdfParams;
  /** The external password-quality check; none unless the composition root wires one. */
  qualityExit?: QualityExit;
  /** Builds the ticketing-system client; none unless the composition root wires one. */
  ticketSystemFactory?: TicketSystemFactory;
  /** Access-control notifications (requests, decisions, expiries, skipped resets); default: none. */
  accessNotifier?: AccessNotifier;
  /**
   * Remote password reset for "reset after check-in"; default: the core's own reset engine
   * (core/reset), which refuses resources whose type has no reset connector.
   */
  resetService?: ResetService;
  /** Remote reset connectors by reset family (`unix`, `postgres`); built by the composition root (reset/). */
  resetConnectors?: ResetConnectors;
  /** Runs approved reset listeners (reset/listener-runner.ts); without one, listeners never run. */
  listenerRunner?: ListenerRunner;
  /** Where the six password events go (e-mail, syslog, webhook); built by integrations/. */
  passwordEventChannels?: readonly PasswordEventChannel[];
  /** Landing-server chains for resets of resources behind landing servers; built by cli/ (gateway hops). */
  routeDialer?: RouteDialer;
}

/** What every operation gets: bound repositories, its resolver, and helpers to audit. */
export interface OpScope {
  repos: Repos;
  access: AccessResolver;
  audit(
    type: AuditEventType,
    target: { kind: string; name: string },
    details?: Record<string, unknown>,
    result?: AuditResult,
  ): Promise<void>;
  /**
   * An audit row that must survive the operation failing: it is appended on its own after the
   * transaction rolls back (a policy violation, say). Ignored when the operation succeeds.
   */
  auditIfFails(
    type: AuditEventType,
    target: { kind: string; name: string },
    details?: Record<string, unknown>,
  ): void;
}

/** An operation's audit details with the API key that acted, if one did (none: left as given). */
function withVia(actor: Actor, details: Record<string, unknown> | undefined) {
  return actor.apiKey === undefined ? details : { ...details, ...viaDetails(actor) };
}

/**
 * Shared plumbing of the core services. `run` opens one transaction per operation: the change
 * and its audit row commit together. A refusal (not found / forbidden) rolls the transaction back
 * and is then audited on its own as `authz.denied`, so refusals are on record too.
 */
export class CoreContext {
  readonly auditLog: AuditLog;
  readonly authz: Authorizer;
  readonly kdf: KdfParams;
  /** Told about every committed transaction's audit rows (notifications, sync, listeners). */
  readonly auditObservers: AuditObserver[] = [];
  /** Told about every password the vault stored with the value it replaced (reset listeners). */
  readonly passwordObservers: PasswordStoredObserver[] = [];
  /** Told how many bytes each recording write put on disk (the node's metrics). */
  readonly recordingObservers: ((bytes: number) => void)[] = [];
  readonly #store: Store;

  constructor(readonly deps: CoreDeps) {
    this.#store = observedStore(deps.store, this.auditObservers, deps.logger);
    this.auditLog = new AuditLog(deps.clock, deps.ids, deps.auditChain);
    this.authz = new Authorizer({ passwordAdminsReadAudit: deps.config.audit.password_admins_read_audit });
    this.kdf = deps.kdf ?? {
      memoryKiB: deps.config.security.kdf_memory_kib,
      timeCost: deps.config.security.kdf_time_cost,
      parallelism: deps.config.security.kdf_parallelism,
    };
  }

  get store(): Store {
    return this.#store;
  }
  get keyring(): Keyring {
    return this.deps.keyring;
  }
  get clock(): Clock {
    return this.deps.clock;
  }
  get ids(): IdGenerator {
    return this.deps.ids;
  }
  get config(): Readonly<CustodyConfig> {
    return this.deps.config;
  }
  now(): string {
    return this.deps.clock.now().toISOString();
  }

  async run<T>(
    actor: Actor,
    op: Operation,
    target: { kind: string; name: string },
    fn: (s: OpScope) => Promise<T>,
  ): Promise<T> {
    const started = Date.now();
    const onFailure: AuditEntry[] = [];
    try {
      const result = await this.store.tx(async (repos) => {
        const scope: OpScope = {
          repos,
          access: new AccessResolver(repos, actor),
          audit: async (type, t, details, result = 'success') => {
            await this.auditLog.append(repos, {
              type,
              actor: actor.name,
              source: actor.source,
              target: t,
              result,
              details: withVia(actor, details),
            });
          },
          auditIfFails: (type, t, details) => {
            onFailure.push({
              type,
              actor: actor.name,
              source: actor.source,
              target: t,
              result: 'failure',
              details: withVia(actor, details),
            });
          },
        };
        return fn(scope);
      });
      this.deps.logger.log('info', 'operation', {
        op,
        actor: actor.name,
        ...viaDetails(actor),
        source: actor.source,
        target,
        result: 'success',
        ms: Date.now() - started,
      });
      return result;
    } catch (e) {
      for (const entry of onFailure) await this.appendStandalone(entry);
      if (e instanceof ForbiddenError || e instanceof NotFoundError) {
        await this.auditDenied(actor, op, target, e);
      }
      // Error messages are built by our own code from names, never from secret values, so they
      // are safe to log; unknown errors are logged by class and first line only.
      const err =
        e instanceof CustodyError
          ? { code: e.code, message: e.message }
          : { code: 'E_INTERNAL', message: firstLine(e) };
      this.deps.logger.log(e instanceof CustodyError ? 'warn' : 'error', 'operation', {
        op,
        actor: actor.name,
        ...viaDetails(actor),
        source: actor.source,
        target,
        result: 'failure',
        ...err,
      });
      throw e;
    }
  }

  /**
   * The role check of an operation that runs its own transactions (so not through `run`), with a
   * refusal on record as `authz.denied` exactly as `run` records one.
   */
  async requireRole(actor: Actor, op: Operation, target: { kind: string; name: string }): Promise<void> {
    try {
      this.authz.require(actor, op);
    } catch (e) {
      if (e instanceof CustodyError) await this.auditDenied(actor, op, target, e);
      throw e;
    }
  }

  async auditDenied(
    actor: Actor,
    op: Operation,
    target: { kind: string; name: string },
    e: CustodyError,
  ): Promise<void> {
    await this.appendStandalone({
      type: 'authz.denied',
      actor: actor.name,
      source: actor.source,
      target,
      result: 'denied',
      details: { operation: op, code: e.code, reason: e.message, ...viaDetails(actor) },
    });
  }

  /** A row on its own transaction, for `who` (an actor, or any name + source). */
  async auditAs(
    who: { name: string; source: string },
    type: AuditEventType,
    target: { kind: string; name: string },
    result: AuditResult,
    details?: Record<string, unknown>,
  ): Promise<void> {
    await this.appendStandalone({
      type,
      actor: who.name,
      source: who.source,
      target,
      result,
      ...(details ? { details } : {}),
    });
  }

  async appendStandalone(entry: AuditEntry): Promise<void> {
    await this.store.tx((repos) => this.auditLog.append(repos, entry).then(() => undefined));
  }
}
