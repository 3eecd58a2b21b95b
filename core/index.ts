// The public entry of core: gateway/, tui/ and cli/ import from here and nowhere deeper (lint).
// Nothing exported here reaches core's context, store or key material: operators' operations go
// through `core.as(actor)`, the rest through `core.system`.
export { Core } from './core.ts';
export type { ActorCore, BoundService } from './facade/actor-core.ts';
export type { SystemOps, JobFailure } from './facade/system.ts';
export type { PermissionObject } from './authz/can.ts';
export type { KeyCheckResult } from './crypto/keys-service.ts';
export type { ApiKeyInput, ApiKeyState, ApiKeyView, ApiKeyRefusal } from './apikeys/api-keys-service.ts';
export { API_KEY_PREFIX } from './crypto/api-key-token.ts';
export {
  openCore,
  initHome,
  hostActorFor,
  ADMIN_USERNAME,
  type OpenedCore,
  type InitResult,
  type IntegrationServices,
  type OpenOptions,
} from './bootstrap.ts';
export { actorFor, apiKeyActor, hostActor, isSuperAdmin, type Actor } from './authz/actor.ts';
export { OPERATIONS, type Operation } from './authz/operations.ts';
export {
  resolveHome,
  configFileOf,
  layoutOf,
  isInside,
  realPathOf,
  REPOSITORY_ROOT,
  type HomeLayout,
} from './config/home.ts';
export { loadConfigFile, parseConfig } from './config/load.ts';
export type { CustodyConfig } from './config/schema.ts';
export {
  MAX_TERMINAL_COLS,
  MAX_TERMINAL_ROWS,
  DEFAULT_TERMINAL_COLS,
  DEFAULT_TERMINAL_ROWS,
  clampTerminalSize,
} from './terminal-size.ts';
export { Secret, SECRET_MASK } from './crypto/secret.ts';
export type { RotationResult } from './crypto/rotate-key.ts';
export * from './errors.ts';
export { HTTP_STATUS, httpStatusOf, type HttpStatus } from './http-status.ts';
export { isLandingPath, webLinkUrl, WEB_LINK_TTL_MS } from './web/web-links-service.ts';
export { livePagePath, recordingPagePath } from './web/web-pages.ts';
export { desktopPagePath } from './web/desktop-launch.ts';
export { printable, printableBlock, hasUnsafeCharacters } from './printable.ts';
export { plural } from './plural.ts';
export { processAlive } from './process-alive.ts';
export * from './model.ts';
export { AUDIT_EVENTS, type AuditEventType } from './audit/events.ts';
export { parseCheckpoint, type AuditCheckpoint, type VerifyReport } from './audit/audit-service.ts';
export type { ImportReport, LineResult } from './import/import-service.ts';
export { BUILTIN_POLICIES } from './policy/builtin.ts';
export { generatePassword } from './policy/generate.ts';
export type { PasswordPolicy } from './policy/policy.ts';
export {
  systemClock,
  uuidIds,
  silentLogger,
  createStreamLogger,
  ManualClock,
  sequentialIds,
} from './runtime.ts';
export type { Clock, IdGenerator, Logger } from './runtime.ts';
export { systemTimers, ManualTimers, type Timers } from './timers.ts';
export { SOLE_HOLDER, ungated, type JobGate, type JobLease, type ScheduledJob } from './jobs.ts';
export { checkoutExpiredMessage } from './access/access-holds.ts';
export type { SessionGrant, SessionTarget, Hop, HopCandidate, Credential } from './sessions/types.ts';
export type {
  LiveControl,
  ViewerChange,
  LiveEndpoint,
  LiveEvent,
  LiveScreenSize,
  LiveListFilter,
  LiveRegistration,
  LiveRegistry,
  LiveSessionInfo,
  LiveSessionKind,
  LiveSessionState,
  LiveSubscribeOptions,
  LiveSubscription,
} from './live/live-registry.ts';
export { InProcessRegistry } from './live/in-process-registry.ts';
export type { ShadowSession } from './live/live-service.ts';
export type { LoginStep } from './identity/login-service.ts';
export { userStatusText } from './identity/users-service.ts';
export { parsePublicKey, fingerprintOf } from './identity/ssh-public-key.ts';
export type { LandingView } from './sessions/landing-service.ts';
export type { HostKeyView } from './sessions/host-keys-service.ts';
export type {
  RecordingFailurePolicy,
  RecordingMeta,
  RecordingSummary,
  RecordingWriter,
} from './recording/types.ts';
export {
  discardRecorder,
  discardDesktopRecorder,
  type DesktopRecorder,
  type FileTransferRecorder,
  type SessionRecorder,
  type TerminalRecorder,
} from './recording/recorder.ts';
export type { TransferOp } from './recording/file-transfer-format.ts';
export { DesktopWriter, DEFAULT_KEYFRAME_INTERVAL_MS } from './recording/desktop-writer.ts';
export { DesktopReader, type DesktopFrame, type PlaybackStep } from './recording/desktop-reader.ts';
export type { DesktopFramebuffer, FramebufferFactory } from './recording/desktop-screen.ts';
export { scaleDown, thumbnailPng, THUMBNAIL_WIDTH } from './recording/desktop-thumbnail.ts';
export { AsciicastWriter, type AsciicastWriterOptions } from './recording/asciicast-writer.ts';
export { INDEX_SUFFIX, type IndexEntry } from './recording/index-format.ts';
export { RecordingStore, type RecordingExport, type RecordingFormat } from './recording/recording-store.ts';
export { seek, readIndex, type SeekResult } from './recording/index-reader.ts';
export { RecordingReader, type RecordingSources, type SeekPoint } from './recording/recording-reader.ts';
export { ReplayTerminal } from './recording/replay-terminal.ts';
export {
  withSearchIndex,
  type IndexingOptions,
  type LineSink,
} from './recording/search/indexing-recorder.ts';
export { TypedLine, type TypedCommand } from './recording/search/typed-line.ts';
export {
  RecordingSearchService,
  type RecordingHit,
  type RecordingMarker,
  type RecordingSearchFilter,
} from './recording/search/search-service.ts';
export { RecordingRetention, RetentionJob, type PurgeResult } from './recording/search/retention-service.ts';
export { bufferSource, openFileSource, CountingSource, type ByteSource } from './recording/byte-source.ts';
export { parseSize as parseSizeOfResize, type CastEvent } from './recording/cast-lines.ts';
export type { ScreenKeyframe } from './recording/screen-keyframes.ts';
export { SCREENS_SUFFIX } from './recording/screen-index-file.ts';
export { CONTAINER_SUFFIX } from './recording/container-format.ts';
export {
  VERIFY_EXIT as RECORDING_VERIFY_EXIT,
  type VerifyReport as RecordingVerifyReport,
  type VerifyStatus as RecordingVerifyStatus,
} from './recording/container-verify.ts';
export { verifyBundleFile } from './recording/bundle.ts';
export type { RecordingRow, RecordingFilter, RecordingHoldRow, IndexedLine } from './storage/repos/index.ts';
export type { QualityExit, QualityRequest, QualityAnswer, QualityOutcome } from './policy/quality-exit.ts';
export type { TicketSystem, TicketSystemFactory, TicketingSettings } from './tickets/ticket-system.ts';
export { DEFAULT_TICKETING } from './tickets/ticket-system.ts';
export { MATCH_OPERATORS, type MatchOperator, type TicketRules } from './tickets/rules.ts';
export { combinePolicies, type PasswordRules } from './identity/self-password-service.ts';
export {
  AccessService,
  type AccessConfigInput,
  type AccessConfigView,
  type AccessRequestView,
} from './access/access-service.ts';
export { AccessScheduler } from './access/scheduler.ts';
export { noopAccessNotifier, type AccessNotifier, type AccessNotification } from './access/notify.ts';
export { noRemoteReset, type ResetService } from './access/reset.ts';
export {
  resetError,
  failureOf,
  type ResetAccount,
  type ResetConnector,
  type ResetConnectors,
  type ResetFailure,
  type ResetLogin,
  type ResetTarget,
  type ResetSettings,
  type ResetPromptName,
  RESET_PROMPTS,
} from './reset/connector.ts';
export type { RouteDialer, RouteDialRequest, RoutedStream } from './reset/route-dialer.ts';
export { ResetSettingsService, loadResetSettings } from './reset/reset-settings.ts';
export {
  ResetEngine,
  type ReconcileResult,
  type ResetEngineOptions,
  type ResetOptions,
} from './reset/reset-engine.ts';
export {
  VerificationService,
  type VerifyFilter,
  type VerifyProgress,
  type VerifyResult,
  type VerifyStatus,
} from './reset/verification.ts';
export {
  RotationService,
  type RotationTaskInput,
  type RotationTaskView,
} from './rotation/rotation-service.ts';
export type {
  RotationProgress,
  RotationReport,
  RotationResult as RotationAccountResult,
} from './rotation/rotation-runner.ts';
export { RotationScheduler, type TickResult } from './rotation/rotation-scheduler.ts';
export { parseNotifyBefore, firstRun, nextRunAfter, type Schedule } from './rotation/schedule.ts';
export type { ListenerRunner, ListenerRun, ListenerOutcome } from './listeners/runner.ts';
export type { ListenerInput, ListenerView } from './listeners/listener-service.ts';
export { scrub } from './listeners/listener-dispatch.ts';
export type { ChannelSettings, ChannelView, PushResult } from './sync/sync-service.ts';
export {
  PASSWORD_EVENT_KINDS,
  RECIPIENT_KINDS,
  type PasswordEvent,
  type PasswordEventChannel,
  type PasswordEventKind,
  type RecipientKind,
} from './notify/password-events.ts';
export type { CoreDeps } from './context.ts';
export type { AuditObserver } from './events/observed-store.ts';
export type { PasswordStored, PasswordStoredObserver } from './events/password-stored.ts';
export type { AccessGeneralSettings } from './access/enforce.ts';
export type { ConsoleSession, ConsoleTerminal, StartConsole } from './console/console-host.ts';
export type { WallboardSession, StartWallboard } from './console/wallboard-host.ts';
export type {
  BoardAuditLine,
  BoardDisk,
  BoardNode,
  BoardOvernight,
  BoardRequest,
  BoardSnapshot,
} from './board/board-types.ts';
export type { MetricsExposition } from './metrics/metrics-service.ts';
