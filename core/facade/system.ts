import { hostActor, type Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import type { Core } from '../core.ts';
import { StorageError } from '../errors.ts';
import { ungated, type JobGate } from '../jobs.ts';
import type { LoginService } from '../identity/login-service.ts';
import type { LiveRegistry } from '../live/live-registry.ts';
import type { RecordingStore } from '../recording/recording-store.ts';
import type { ReconcileResult } from '../reset/reset-engine.ts';
import type { SessionsService } from '../sessions/sessions-service.ts';
import type { RecordingRow } from '../storage/repos/index.ts';

/** The built-in administrator, whose identity a host actor borrows (CLI contract: "Who acts"). */
export const ADMIN_USERNAME = 'admin';

/** A background job's failure: which job, and what it threw (logged by the caller, never fatal). */
export type JobFailure = (
  job: 'access scheduler' | 'daily password check' | 'rotation scheduler',
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
  /**
   * Where the gateway registers the sessions it runs and hears termination and shadow requests.
   * The node's own plumbing: operators list, shadow and terminate through `as(actor).live`.
   */
  readonly liveRegistry: LiveRegistry;
  /** Finishes remote resets a crash left pending (start-up). */
  reconcileResets(): Promise<ReconcileResult>;
  /** Settles recordings a killed node left open, from their files (start-up). */
  settleInterruptedRecordings(): Promise<RecordingRow[]>;
  /** Access expiry, the daily password check (as `dailyCheckAs`) and scheduled rotation. */
  /** `gate` (a cluster's leases) decides which node runs each pass; without it, this node runs all. */
  startSchedulers(o: { dailyCheckAs: Actor; onError: JobFailure; gate?: JobGate }): void;
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
    get liveRegistry() {
      return core.live.registry;
    },
    reconcileResets: () => core.resets.reconcile(),
    settleInterruptedRecordings: () => core.recordings.settleInterrupted(),
    startSchedulers: (o: { dailyCheckAs: Actor; onError: JobFailure; gate?: JobGate }) => {
      const gate = o.gate ?? ungated;
      core.accessScheduler.start(30_000, (e) => o.onError('access scheduler', e), gate);
      core.dailyEvents.start(o.dailyCheckAs, 60_000, (e) => o.onError('daily password check', e), gate);
      core.rotationScheduler.start(undefined, (e) => o.onError('rotation scheduler', e), gate);
    },
    auditCluster: (...args: Parameters<SystemOps['auditCluster']>) => ctx.auditAs(...args),
  });
}
