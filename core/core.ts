import { AuditService } from './audit/audit-service.ts';
import { AccessService } from './access/access-service.ts';
import { AccessScheduler } from './access/scheduler.ts';
import path from 'node:path';
import { RecordingStore } from './recording/recording-store.ts';
import { RecordingSearchService } from './recording/search/search-service.ts';
import { RecordingRetention, RetentionJob } from './recording/search/retention-service.ts';
import { CredentialsService } from './identity/credentials-service.ts';
import { LoginService } from './identity/login-service.ts';
import { SelfPasswordService } from './identity/self-password-service.ts';
import { TicketingService } from './tickets/ticketing-service.ts';
import { InProcessRegistry } from './live/in-process-registry.ts';
import { LiveService } from './live/live-service.ts';
import { LandingService } from './sessions/landing-service.ts';
import { HostKeysService } from './sessions/host-keys-service.ts';
import { SessionsService } from './sessions/sessions-service.ts';
import type { Actor } from './authz/actor.ts';
import { CoreContext, type CoreDeps } from './context.ts';
import { KeysService } from './crypto/keys-service.ts';
import { actorCore, type ActorCore } from './facade/actor-core.ts';
import { systemOps, type SystemOps } from './facade/system.ts';
import { ExplorerService } from './groups/explorer-service.ts';
import { GroupsService } from './groups/groups-service.ts';
import { UserGroupsService } from './identity/user-groups-service.ts';
import { UsersService } from './identity/users-service.ts';
import { ImportService } from './import/import-service.ts';
import { PoliciesService } from './policy/policies-service.ts';
import { SettingsService } from './settings/settings-service.ts';
import { SharingService } from './sharing/sharing-service.ts';
import { AccountsService } from './vault/accounts-service.ts';
import { CatalogService } from './vault/catalog-service.ts';
import { PersonalService } from './vault/personal-service.ts';
import { ResourcesService } from './vault/resources-service.ts';
import { ResetEngine } from './reset/reset-engine.ts';
import { ListenerService } from './listeners/listener-service.ts';
import { ListenerDispatch } from './listeners/listener-dispatch.ts';
import { SyncService } from './sync/sync-service.ts';
import { PasswordNotifications } from './notify/password-notifications.ts';
import { DailyEventScheduler } from './notify/daily-scheduler.ts';
import { VerificationService } from './reset/verification.ts';
import { noopAccessNotifier } from './access/notify.ts';
import { RotationScheduler } from './rotation/rotation-scheduler.ts';
import { RotationService } from './rotation/rotation-service.ts';
import { ResetSettingsService } from './reset/reset-settings.ts';
import { WebLinksService } from './web/web-links-service.ts';
import { BoardService } from './board/board-service.ts';
import { MetricsService } from './metrics/metrics-service.ts';
import { ApiKeysService } from './apikeys/api-keys-service.ts';

/** Reads a core's context; only code inside core (and tests, through test/support) calls it. */
let contextOfCore: (core: Core) => CoreContext;

/**
 * The core's services, composed once over one store, keyring, clock, id source and logger.
 *
 * Product code outside core calls `as(actor)` for an operator's operations and `system` for the
 * few made with no operator behind them. The context (store, keyring, authorizer) is a private
 * field: nothing outside core can reach it, whatever it imports. The services stay public for
 * core's own wiring and for tests; a lint rule keeps the console, the CLI and the gateway off them.
 */
export class Core {
  readonly #ctx: CoreContext;
  static {
    contextOfCore = (core) => core.#ctx;
  }
  readonly users: UsersService;
  readonly userGroups: UserGroupsService;
  readonly catalog: CatalogService;
  readonly resources: ResourcesService;
  readonly accounts: AccountsService;
  readonly personal: PersonalService;
  readonly groups: GroupsService;
  readonly explorer: ExplorerService;
  readonly sharing: SharingService;
  readonly policies: PoliciesService;
  readonly settings: SettingsService;
  readonly audit: AuditService;
  readonly imports: ImportService;
  readonly recordings: RecordingStore;
  readonly recordingSearch: RecordingSearchService;
  readonly recordingRetention: RecordingRetention;
  readonly retentionJob: RetentionJob;
  readonly credentials: CredentialsService;
  readonly logins: LoginService;
  readonly landing: LandingService;
  readonly hostKeys: HostKeysService;
  readonly sessions: SessionsService;
  readonly live: LiveService;
  readonly access: AccessService;
  readonly accessScheduler: AccessScheduler;
  readonly selfService: SelfPasswordService;
  readonly ticketing: TicketingService;
  readonly resets: ResetEngine;
  readonly listeners: ListenerService;
  readonly listenerDispatch: ListenerDispatch;
  readonly sync: SyncService;
  readonly passwordEvents: PasswordNotifications;
  readonly dailyEvents: DailyEventScheduler;
  readonly verification: VerificationService;
  readonly rotation: RotationService;
  readonly rotationScheduler: RotationScheduler;
  readonly resetSettings: ResetSettingsService;
  readonly keys: KeysService;
  readonly webLinks: WebLinksService;
  readonly board: BoardService;
  readonly metrics: MetricsService;
  readonly apiKeys: ApiKeysService;
  /** Operations with no operator behind them: sign-in, the session path, start-up. */
  readonly system: SystemOps;
  readonly #actors = new WeakMap<Actor, ActorCore>();

  constructor(deps: CoreDeps) {
    const ctx = new CoreContext(deps);
    this.#ctx = ctx;
    this.users = new UsersService(ctx);
    this.userGroups = new UserGroupsService(ctx);
    this.catalog = new CatalogService(ctx);
    this.resources = new ResourcesService(ctx);
    this.accounts = new AccountsService(ctx);
    this.personal = new PersonalService(ctx);
    this.groups = new GroupsService(ctx);
    this.explorer = new ExplorerService(ctx);
    this.sharing = new SharingService(ctx);
    this.policies = new PoliciesService(ctx);
    this.settings = new SettingsService(ctx);
    this.audit = new AuditService(ctx);
    this.imports = new ImportService(ctx, this.users, this.resources, this.accounts);
    this.recordings = new RecordingStore(ctx, deps.recordingsDir ?? path.resolve('recordings'));
    this.recordingSearch = new RecordingSearchService(ctx);
    this.recordingRetention = new RecordingRetention(ctx, this.recordings);
    this.retentionJob = new RetentionJob(ctx, this.recordingRetention);
    this.credentials = new CredentialsService(ctx);
    this.logins = new LoginService(ctx);
    this.landing = new LandingService(ctx);
    this.hostKeys = new HostKeysService(ctx);
    this.sessions = new SessionsService(ctx);
    this.live = new LiveService(ctx, deps.liveRegistry ?? new InProcessRegistry());
    this.resets = new ResetEngine(ctx);
    this.resetSettings = new ResetSettingsService(ctx);
    // Reset on check-in uses the engine. For a resource whose type has no reset connector the
    // check-in still completes; the approvers are told and the audit says the reset was skipped.
    this.access = new AccessService(ctx, this.live, deps.accessNotifier, deps.resetService ?? this.resets);
    this.accessScheduler = new AccessScheduler(this.access);
    this.sessions.onSessionEnd = (grant) => this.access.sessionEnded(grant.actor, grant.target.ref);
    this.selfService = new SelfPasswordService(ctx, this.users, this.logins);
    this.ticketing = new TicketingService(ctx);
    // What follows a committed change: listeners, sync pushes and password-event notifications
    // react to audit rows and stored passwords, never on the path of the change itself.
    this.listeners = new ListenerService(ctx);
    this.listenerDispatch = new ListenerDispatch(ctx, deps.listenerRunner);
    this.sync = new SyncService(ctx, this.resets);
    this.passwordEvents = new PasswordNotifications(
      ctx,
      deps.passwordEventChannels ?? [],
      deps.config.notify.password_events,
      deps.config.notify.password_event_recipients,
    );
    this.dailyEvents = new DailyEventScheduler(
      this.passwordEvents,
      ctx.clock,
      deps.config.notify.daily_check_hour,
    );
    ctx.passwordObservers.push(this.listenerDispatch.onStored);
    ctx.auditObservers.push(this.listenerDispatch.onAudit, this.sync.onAudit, this.passwordEvents.onAudit);
    this.verification = new VerificationService(ctx);
    const notifier = deps.accessNotifier ?? noopAccessNotifier;
    this.rotation = new RotationService(ctx, this.resets, (id) => this.access.isCheckedOut(id), notifier);
    this.rotationScheduler = new RotationScheduler(ctx, this.rotation, this.verification, notifier);
    this.keys = new KeysService(ctx);
    this.webLinks = new WebLinksService(ctx);
    this.board = new BoardService(ctx, () => this.live.registry, this.recordings.dir);
    // The node's metrics follow what committed, what the recorders wrote and what the jobs did.
    this.metrics = new MetricsService(ctx.store, () => this.live.registry, deps.logger);
    ctx.auditObservers.push(this.metrics.onAudit);
    ctx.recordingObservers.push(this.metrics.onRecordingBytes);
    this.accessScheduler.onRun = (o, s) => this.metrics.onJobRun('access-expiry', o, s);
    this.dailyEvents.onRun = (o, s) => this.metrics.onJobRun('daily-password-check', o, s);
    this.rotationScheduler.onRun = (o, s) => this.metrics.onJobRun('rotation', o, s);
    this.apiKeys = new ApiKeysService(ctx);
    this.system = systemOps(this, ctx);
  }

  /** Waits for the work started after commits (listeners, sync pushes, notifications). */
  async settled(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      await this.listenerDispatch.inFlight.settled();
      await this.sync.inFlight.settled();
      await this.passwordEvents.inFlight.settled();
    }
  }

  /**
   * Everything `actor` may attempt, with the actor bound (the compiler checks each call), and
   * `can` for what to offer. Core still authorizes every call; one object per actor is kept.
   */
  as(actor: Actor): ActorCore {
    let bound = this.#actors.get(actor);
    if (!bound) {
      bound = actorCore(this, this.#ctx, actor);
      this.#actors.set(actor, bound);
    }
    return bound;
  }

  async close(): Promise<void> {
    this.accessScheduler.stop();
    this.rotationScheduler.stop();
    this.dailyEvents.stop();
    this.retentionJob.stop();
    await this.settled();
    await this.recordings.closeAll();
    await this.#ctx.store.close();
  }
}

/** The context behind a core: for core's own composition code and test/support only. */
export function contextOf(core: Core): CoreContext {
  return contextOfCore(core);
}
