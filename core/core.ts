import { AuditService } from './audit/audit-service.ts';
import { AccessService } from './access/access-service.ts';
import { AccessScheduler } from './access/scheduler.ts';
import path from 'node:path';
import { RecordingStore } from './recording/recording-store.ts';
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
import { rotateMasterKey, type RotationResult } from './crypto/rotate-key.ts';
import { CoreContext, type CoreDeps } from './context.ts';
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

/** The core's services, composed once over one store, keyring, clock, id source and logger. */
export class Core {
  readonly ctx: CoreContext;
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

  constructor(deps: CoreDeps) {
    this.ctx = new CoreContext(deps);
    this.users = new UsersService(this.ctx);
    this.userGroups = new UserGroupsService(this.ctx);
    this.catalog = new CatalogService(this.ctx);
    this.resources = new ResourcesService(this.ctx);
    this.accounts = new AccountsService(this.ctx);
    this.personal = new PersonalService(this.ctx);
    this.groups = new GroupsService(this.ctx);
    this.explorer = new ExplorerService(this.ctx);
    this.sharing = new SharingService(this.ctx);
    this.policies = new PoliciesService(this.ctx);
    this.settings = new SettingsService(this.ctx);
    this.audit = new AuditService(this.ctx);
    this.imports = new ImportService(this.ctx, this.users, this.resources, this.accounts);
    this.recordings = new RecordingStore(this.ctx, deps.recordingsDir ?? path.resolve('recordings'));
    this.credentials = new CredentialsService(this.ctx);
    this.logins = new LoginService(this.ctx);
    this.landing = new LandingService(this.ctx);
    this.hostKeys = new HostKeysService(this.ctx);
    this.sessions = new SessionsService(this.ctx);
    this.live = new LiveService(this.ctx, deps.liveRegistry ?? new InProcessRegistry());
    this.resets = new ResetEngine(this.ctx);
    this.resetSettings = new ResetSettingsService(this.ctx);
    // Reset on check-in uses the engine: resources whose type has no connector still get Case 6.
    this.access = new AccessService(
      this.ctx,
      this.live,
      deps.accessNotifier,
      deps.resetService ?? this.resets,
    );
    this.accessScheduler = new AccessScheduler(this.access);
    this.sessions.onSessionEnd = (grant) => this.access.sessionEnded(grant.actor, grant.target.ref);
    this.selfService = new SelfPasswordService(this.ctx, this.users, this.logins);
    this.ticketing = new TicketingService(this.ctx);
    // What follows a committed change: listeners, sync pushes and password-event notifications
    // react to audit rows and stored passwords, never on the path of the change itself.
    this.listeners = new ListenerService(this.ctx);
    this.listenerDispatch = new ListenerDispatch(this.ctx, deps.listenerRunner);
    this.sync = new SyncService(this.ctx, this.resets);
    this.passwordEvents = new PasswordNotifications(
      this.ctx,
      deps.passwordEventChannels ?? [],
      deps.config.notify.password_events,
      deps.config.notify.password_event_recipients,
    );
    this.dailyEvents = new DailyEventScheduler(
      this.passwordEvents,
      this.ctx.clock,
      deps.config.notify.daily_check_hour,
    );
    this.ctx.passwordObservers.push(this.listenerDispatch.onStored);
    this.ctx.auditObservers.push(
      this.listenerDispatch.onAudit,
      this.sync.onAudit,
      this.passwordEvents.onAudit,
    );
    this.verification = new VerificationService(this.ctx);
    const notifier = deps.accessNotifier ?? noopAccessNotifier;
    this.rotation = new RotationService(
      this.ctx,
      this.resets,
      (id) => this.access.isCheckedOut(id),
      notifier,
    );
    this.rotationScheduler = new RotationScheduler(this.ctx, this.rotation, this.verification, notifier);
  }

  /** Waits for the work started after commits (listeners, sync pushes, notifications). */
  async settled(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      await this.listenerDispatch.inFlight.settled();
      await this.sync.inFlight.settled();
      await this.passwordEvents.inFlight.settled();
    }
  }

  /** `custody key rotate`: super administrators (or the host administrator) only. */
  async rotateKey(
    actor: Actor,
    keyFile: string,
    onProgress?: (done: number, total: number) => void,
  ): Promise<RotationResult> {
    this.ctx.authz.require(actor, 'key.rotate');
    return rotateMasterKey({
      store: this.ctx.store,
      keyFile,
      clock: this.ctx.clock,
      auditLog: this.ctx.auditLog,
      actor: { name: actor.name, source: actor.source },
      batchSize: this.ctx.config.crypto.rotate_batch_size,
      ...(onProgress ? { onProgress } : {}),
    });
  }

  async close(): Promise<void> {
    this.accessScheduler.stop();
    this.rotationScheduler.stop();
    this.dailyEvents.stop();
    await this.settled();
    await this.recordings.closeAll();
    await this.ctx.store.close();
  }
}
