import { hostActor, type Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import type { Secret } from '../crypto/secret.ts';
import type { Core } from '../core.ts';
import { StorageError } from '../errors.ts';
import { ungated, type JobGate } from '../jobs.ts';
import type { LoginService } from '../identity/login-service.ts';
import type { LiveRegistry } from '../live/live-registry.ts';
import type { MetricsService } from '../metrics/metrics-service.ts';
import type { Timers } from '../timers.ts';
import type { RecordingStore } from '../recording/recording-store.ts';
import type { LineSink } from '../recording/search/indexing-recorder.ts';
import type { ReconcileResult } from '../reset/reset-engine.ts';
import type { SessionsService } from '../sessions/sessions-service.ts';
import type { WebLinksService } from '../web/web-links-service.ts';
import type { RecordingRow } from '../storage/repos/index.ts';

/** The built-in administrator, whose identity a host actor borrows (CLI contract: "Who acts"). */
export const ADMIN_USERNAME = 'admin';

/** A background job's failure: which job, and what it threw (logged by the caller, never fatal). */
export type JobFailure = (
  job: 'access scheduler' | 'daily password check' | 'rotation scheduler' | 'recording retention',
  e: unknown,
) => void;

/**
 * What the server process and the gateway need from core without an operator behind the call:
 * signing someone in (there is no actor yet), the session path once a grant proves the operator
 * may use the account, and start-up work. Named methods only: no store, keyring or context.
 * Deciding whether an operator may open a session (`authorize`) stays an actor operation, on
 * `core.as(actor).sessions`; everything here is done after that decision, or before anyone is in.
 */
export interface SystemOps {
  /** The actor for commands run on the server host without `--as` (CLI contract: "Who acts"). */
  hostActor(osUser: string, source: string): Promise<Actor>;
  /** The login path the SSH door and `--as` share: lockout, audit, TOTP. */
  readonly signIn: Pick<
    LoginService,
    'password' | 'totp' | 'publicKeyFor' | 'publicKeyAccepted' | 'fail' | 'assertNotLocked'
  >;
  /**
   * A session's credential, host-key pin, audit rows and release, each proven by its grant: the
   * operator was authorised once, when the grant was made, and these run for the gateway after.
   */
  readonly sessions: Pick<SessionsService, 'credential' | 'checkHostKey' | 'record' | 'release'>;
  /** Opens the recording of a session the gateway has a grant for (the grant was the check). */
  openRecording: RecordingStore['open'];
  /** Opens the recording of a file transfer (SFTP) the gateway has a grant for. */
  openFileTransferRecording: RecordingStore['openFileTransfer'];
  /** Opens the recording of a desktop session (RDP) the gateway has a grant for. */
  openDesktopRecording: RecordingStore['openDesktop'];
  /**
   * Where a session's indexing recorder sends what it showed and typed; null when
   * `[recordings] search_index` is off (markers for commands are still written to the recording).
   */
  searchIndexSink(): LineSink | null;
  /**
   * Where the gateway registers the sessions it runs and hears termination and shadow requests.
   * The node's own plumbing: operators list, shadow and terminate through `as(actor).live`.
   */
  readonly liveRegistry: LiveRegistry;
  /** Signs a browser in by a one-time link (there is no actor yet): the user and the landing path. */
  redeemWebLink: WebLinksService['redeem'];
  /**
   * The actor for an API key presented from `address` (REST API): the key's user, as stored now,
   * marked with the key's name. Expired, revoked, unknown, or from an address outside the key's
   * ranges: AuthError, with the reason in an `apikey.refused` audit row.
   */
  authenticateApiKey(key: Secret, address: string): Promise<Actor>;
  /** Finishes remote resets a crash left pending (start-up). */
  reconcileResets(): Promise<ReconcileResult>;
  /** Settles recordings a killed node left open, from their files (start-up). */
  /** `isMine`: in a cluster, only the rows of this node's sessions (see RecordingStore). */
  settleInterruptedRecordings(isMine?: (row: RecordingRow) => Promise<boolean>): Promise<RecordingRow[]>;
  /** The node's Prometheus metrics (`GET /metrics`) and the process collectors a server turns on. */
  readonly metrics: Pick<MetricsService, 'exposition' | 'collectProcessMetrics' | 'doorRefused'>;
  /**
   * Whether the store answers a trivial read within `timeoutMs` (readiness for load balancers).
   * A database that is down can keep a query waiting for its pool's whole acquire time-out, so
   * the answer is "no" once `timeoutMs` passes on `timers`, whatever the query does later.
   */
  storageReachable(timeoutMs: number, timers: Timers): Promise<boolean>;
  /**
   * Access expiry, the daily password check (as `dailyCheckAs`), scheduled rotation and the daily
   * recording retention pass (also as `dailyCheckAs`).
   */
  /** `gate` (a cluster's leases) decides which node runs each pass; without it, this node runs all. */
  /** `ownsRecording`: in a cluster, which recordings this node's retention pass may purge. */
  startSchedulers(o: {
    dailyCheckAs: Actor;
    onError: JobFailure;
    gate?: JobGate;
    ownsRecording?: (row: RecordingRow) => Promise<boolean>;
  }): void;
  /** The cluster's own audit rows (a node declared lost, its sessions), each on its own. */
  auditCluster(
    who: { name: string; source: string },
    type: 'cluster.node-lost' | 'cluster.session-lost',
    target: { kind: string; name: string },
    result: 'success' | 'failure',
    details?: Record<string, unknown>,
  ): Promise<void>;
}

/** The named methods of `service`, bound to it, in a fresh object that holds nothing else. */
function only<S extends object, K extends keyof S & string>(service: S, names: readonly K[]): Pick<S, K> {
  return Object.freeze(
    Object.fromEntries(names.map((n) => [n, (service[n] as (...a: unknown[]) => unknown).bind(service)])),
  ) as Pick<S, K>;
}

export function systemOps(core: Core, ctx: CoreContext): SystemOps {
  return Object.freeze({
    hostActor: async (osUser: string, source: string) => {
      const admin =
        (await ctx.store.read((r) => r.users.byName(ADMIN_USERNAME))) ??
        (await ctx.store.read((r) => r.users.list())).find((u) => u.role === 'admin');
      if (!admin) throw new StorageError('no administrator exists: run custody init');
      return hostActor(admin, osUser, source);
    },
    signIn: only(core.logins, [
      'password',
      'totp',
      'publicKeyFor',
      'publicKeyAccepted',
      'fail',
      'assertNotLocked',
    ]),
    sessions: only(core.sessions, ['credential', 'checkHostKey', 'record', 'release']),
    // Looked up at each call, as a direct `core.recordings.open` was: a test swaps the store of a
    // running core for one on a full disk or one that fails on demand.
    openRecording: (...args: Parameters<RecordingStore['open']>) => core.recordings.open(...args),
    openFileTransferRecording: (...args: Parameters<RecordingStore['openFileTransfer']>) =>
      core.recordings.openFileTransfer(...args),
    openDesktopRecording: (...args: Parameters<RecordingStore['openDesktop']>) =>
      core.recordings.openDesktop(...args),
    searchIndexSink: () => core.recordingSearch.sink(),
    get liveRegistry() {
      return core.live.registry;
    },
    redeemWebLink: (token: string, source: string) => core.webLinks.redeem(token, source),
    metrics: only(core.metrics, ['exposition', 'collectProcessMetrics', 'doorRefused']),
    storageReachable: (timeoutMs: number, timers: Timers) =>
      new Promise<boolean>((resolve) => {
        const cancel = timers.after(timeoutMs, () => resolve(false));
        ctx.store
          .read((r) => r.users.byName(ADMIN_USERNAME))
          .then(
            () => {
              cancel();
              resolve(true);
            },
            () => {
              cancel();
              resolve(false);
            },
          );
      }),
    authenticateApiKey: (key: Secret, address: string) => core.apiKeys.authenticate(key, address),
    reconcileResets: () => core.resets.reconcile(),
    settleInterruptedRecordings: (isMine?: (row: RecordingRow) => Promise<boolean>) =>
      core.recordings.settleInterrupted(isMine),
    startSchedulers: (o: {
      dailyCheckAs: Actor;
      onError: JobFailure;
      gate?: JobGate;
      ownsRecording?: (row: RecordingRow) => Promise<boolean>;
    }) => {
      const gate = o.gate ?? ungated;
      core.accessScheduler.start(30_000, (e) => o.onError('access scheduler', e), gate);
      core.dailyEvents.start(o.dailyCheckAs, 60_000, (e) => o.onError('daily password check', e), gate);
      core.rotationScheduler.start(undefined, (e) => o.onError('rotation scheduler', e), gate);
      // Not under a lease: each node purges the recordings whose files it holds.
      core.retentionJob.start(
        o.dailyCheckAs,
        undefined,
        (e) => o.onError('recording retention', e),
        o.ownsRecording,
      );
    },
    auditCluster: (...args: Parameters<SystemOps['auditCluster']>) => ctx.auditAs(...args),
  });
}
