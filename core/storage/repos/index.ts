import type { Knex } from 'knex';
import { accessRepo } from './access.ts';
import { apiKeysRepo } from './api-keys.ts';
import { auditRepo } from './audit.ts';
import { explorerRepo, resourceGroupsRepo } from './groups.ts';
import {
  hostKeysRepo,
  landingRepo,
  loginAttemptsRepo,
  loginFailuresRepo,
  sshKeysRepo,
  totpRepo,
} from './gateway.ts';
import { recordingsRepo } from './recordings.ts';
import { recordingSearchRepo } from './recording-search.ts';
import { listenersRepo } from './listeners.ts';
import { pendingResetsRepo } from './resets.ts';
import { syncRepo } from './sync.ts';
import { rotationRepo } from './rotation.ts';
import { secretsRepo } from './secrets.ts';
import { webLinksRepo } from './web-links.ts';
import { policiesRepo, settingsRepo } from './settings.ts';
import { sharesRepo } from './shares.ts';
import { userGroupsRepo, usersRepo } from './users.ts';
import { visibilityRepo } from './visibility.ts';
import { accountsRepo, fieldsRepo, historyRepo, personalRepo, resourcesRepo, typesRepo } from './vault.ts';

/**
 * `auditHead`: the audit chain's head as the transaction read it when it took the write lock
 * (SQLite), so the first audit row of the transaction needs no read of its own.
 */
export function createRepos(
  db: Knex | Knex.Transaction,
  driver: 'sqlite' | 'postgres',
  auditHead?: { seq: number; hash: string },
) {
  return {
    users: usersRepo(db),
    userGroups: userGroupsRepo(db),
    types: typesRepo(db),
    fields: fieldsRepo(db),
    resources: resourcesRepo(db),
    accounts: accountsRepo(db),
    history: historyRepo(db),
    personal: personalRepo(db),
    resourceGroups: resourceGroupsRepo(db),
    explorer: explorerRepo(db),
    shares: sharesRepo(db),
    settings: settingsRepo(db),
    policies: policiesRepo(db),
    audit: auditRepo(db, driver, auditHead),
    secrets: secretsRepo(db, driver),
    recordings: recordingsRepo(db),
    recordingSearch: recordingSearchRepo(db, driver),
    sshKeys: sshKeysRepo(db),
    loginFailures: loginFailuresRepo(db),
    loginAttempts: loginAttemptsRepo(db),
    totp: totpRepo(db),
    landing: landingRepo(db),
    hostKeys: hostKeysRepo(db),
    access: accessRepo(db),
    pendingResets: pendingResetsRepo(db),
    listeners: listenersRepo(db),
    sync: syncRepo(db),
    rotation: rotationRepo(db),
    webLinks: webLinksRepo(db),
    visibility: visibilityRepo(db, driver),
    apiKeys: apiKeysRepo(db),
  };
}

export type Repos = ReturnType<typeof createRepos>;
export { SECRET_COLUMNS, type SecretColumn, type SealedCell } from './secrets.ts';
export type { PendingResetRow, PendingResetState } from './resets.ts';
export type { ListenerRow, ListenerStatus } from './listeners.ts';
export type { SyncChannelRow } from './sync.ts';
export type {
  PasswordMode,
  RotationOutcome,
  RotationResultRow,
  RotationRunRow,
  RotationTaskRow,
  ScheduleKind,
} from './rotation.ts';
export type { Grants, VisibilityPage, VisibleRow } from './visibility.ts';
export type { AuditQuery } from './audit.ts';
export type { ApiKeyRow } from './api-keys.ts';
export type { RecordingRow, RecordingFilter } from './recordings.ts';
export type {
  RecordingHoldRow,
  IndexedLine,
  IndexedLineKind,
  LineHit,
  LineSearch,
} from './recording-search.ts';
export type { SshKeyRow, LandingRow } from './gateway.ts';
export type {
  AccessSettingsRow,
  AccessRequestRow,
  AccessState,
  Approval,
  AutoApprove,
  HoldRow,
} from './access.ts';
