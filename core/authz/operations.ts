import type { Role } from '../model.ts';
import { ALL_ROLES, MANAGER_ROLES } from './actor.ts';
import type { Level } from './privilege.ts';

/**
 * Every core operation, with who may attempt it (role) and, for object operations, the
 * privilege needed on the object (owner/super-admin, or a share). Services check through
 * `Authorizer.require`, which only accepts names from this table, and the authorization-matrix
 * test fails when an operation here has no row there.
 */
export interface OperationRule {
  roles: readonly Role[];
  /** Needed privilege on the object; absent for operations not bound to a shared object. */
  privilege?: Level;
  /** Only a super administrator (or the host administrator) may perform it. */
  superAdminOnly?: boolean;
}

const ADMIN: readonly Role[] = ['admin'];
const AUDIT_READERS: readonly Role[] = ['admin', 'password-admin', 'auditor'];

export const OPERATIONS = {
  // Identity: only administrators manage users and user groups.
  'user.create': { roles: ADMIN },
  'user.list': { roles: ADMIN },
  'user.update': { roles: ADMIN },
  'user.set-role': { roles: ADMIN },
  'user.set-scope': { roles: ADMIN },
  'user.delete': { roles: ADMIN },
  'user.set-password': { roles: ADMIN },
  'user.unlock': { roles: ADMIN },
  // Anyone may make a one-time link that signs in themselves (never another user).
  'web.link': { roles: ALL_ROLES },
  'user-group.create': { roles: ADMIN },
  'user-group.update': { roles: ADMIN },
  'user-group.delete': { roles: ADMIN },
  'user-group.list': { roles: ADMIN },
  'settings.change': { roles: ADMIN },
  'settings.deny-super-admin-creation': { roles: ADMIN, superAdminOnly: true },
  // Types, fields, policies: application configuration.
  'resource-type.create': { roles: ADMIN },
  'resource-type.delete': { roles: ADMIN },
  // The shape of the vault (types, custom fields) is no secret: every role reads it.
  'resource-type.list': { roles: ALL_ROLES },
  'custom-field.list': { roles: ALL_ROLES },
  'custom-field.create': { roles: ADMIN },
  'policy.create': { roles: ADMIN },
  'policy.update': { roles: ADMIN },
  'policy.delete': { roles: ADMIN },
  'policy.set-default': { roles: ADMIN },
  'policy.list': { roles: ALL_ROLES },
  // Resources and accounts.
  'resource.create': { roles: MANAGER_ROLES },
  'resource.view': { roles: ALL_ROLES, privilege: 'view' },
  'resource.update': { roles: MANAGER_ROLES, privilege: 'manage' },
  'resource.delete': { roles: MANAGER_ROLES, privilege: 'owner' },
  'resource.transfer': { roles: MANAGER_ROLES, privilege: 'owner' },
  'account.create': { roles: MANAGER_ROLES, privilege: 'manage' },
  'account.view': { roles: ALL_ROLES, privilege: 'view' },
  'account.reveal': { roles: ALL_ROLES, privilege: 'view' },
  'account.change-password': { roles: ALL_ROLES, privilege: 'modify' },
  'password.reset': { roles: ALL_ROLES, privilege: 'modify' },
  // Verification logs in with the password without showing it: using it, like a session (view).
  'password.verify': { roles: ALL_ROLES, privilege: 'view' },
  // Bulk verification ("verify --all"): over the accounts the actor may view.
  'password.verify-all': { roles: MANAGER_ROLES },
  // Scheduled rotation is configured per resource group, so it needs manage on the group.
  'rotation.create': { roles: MANAGER_ROLES, privilege: 'manage' },
  'rotation.delete': { roles: MANAGER_ROLES, privilege: 'manage' },
  'rotation.run': { roles: MANAGER_ROLES, privilege: 'manage' },
  'rotation.report': { roles: MANAGER_ROLES, privilege: 'manage' },
  'rotation.list': { roles: MANAGER_ROLES },
  // How a resource is reset (mode, login/root/enable accounts, prompts): managing the resource.
  'reset.configure': { roles: MANAGER_ROLES, privilege: 'manage' },
  // Finishing resets a crash left pending writes passwords into the vault on others' behalf.
  'reset.reconcile': { roles: ADMIN },
  'account.history': { roles: ALL_ROLES, privilege: 'modify' },
  'account.update': { roles: MANAGER_ROLES, privilege: 'manage' },
  'account.delete': { roles: MANAGER_ROLES, privilege: 'manage' },
  'account.favourite': { roles: ALL_ROLES, privilege: 'view' },
  // Sharing: manage is full delegation, re-sharing included.
  'share.grant': { roles: MANAGER_ROLES, privilege: 'manage' },
  'share.revoke': { roles: MANAGER_ROLES, privilege: 'manage' },
  // Resource groups and the explorer.
  'resource-group.create': { roles: MANAGER_ROLES },
  'resource-group.view': { roles: ALL_ROLES, privilege: 'view' },
  'resource-group.update': { roles: MANAGER_ROLES, privilege: 'manage' },
  'resource-group.delete': { roles: MANAGER_ROLES, privilege: 'owner' },
  'resource-group.transfer': { roles: MANAGER_ROLES, privilege: 'owner' },
  'explorer.edit-org-tree': { roles: MANAGER_ROLES },
  // Personal passwords: the owner only, whatever the role (the service scopes every call to it).
  'personal.manage': { roles: ALL_ROLES },
  // Audit and keys.
  'audit.read': { roles: AUDIT_READERS },
  'audit.verify': { roles: AUDIT_READERS },
  'import.users': { roles: ADMIN },
  'import.resources': { roles: MANAGER_ROLES },
  'key.rotate': { roles: ADMIN, superAdminOnly: true },
  // Opening every secret with the key file on disk: the same people as rotating it.
  'key.check': { roles: ADMIN, superAdminOnly: true },
  // Login credentials: one's own SSH keys and TOTP; administrators manage anyone's.
  'credentials.own': { roles: ALL_ROLES },
  'credentials.others': { roles: ADMIN },
  // Sessions through the gateway: opening one is using the password (view).
  'session.open': { roles: ALL_ROLES, privilege: 'view' },
  'session.list-live': { roles: ADMIN },
  'session.shadow': { roles: ADMIN },
  'session.terminate': { roles: ADMIN },
  // The operations wallboard shows every live session, request and the audit tail (read-only):
  // the people who read the audit trail and watch sessions — administrators and auditors.
  'wallboard.view': { roles: ['admin', 'auditor'] },
  'landing.manage': { roles: ADMIN },
  'landing.list': { roles: MANAGER_ROLES },
  // Seeing and accepting pinned target host keys: administrators managing the resource.
  'host-key.manage': { roles: ADMIN, privilege: 'manage' },
  // Session recordings: the audit readers (password administrators only when
  // audit.password_admins_read_audit is on, as for the audit trail).
  'recording.list': { roles: AUDIT_READERS },
  'recording.export': { roles: AUDIT_READERS },
  // Searching recordings is reading them: the same people as listing and replaying.
  'recording.search': { roles: AUDIT_READERS },
  // A legal hold is an auditor's or an administrator's call; removing evidence is administrators'.
  'recording.hold': { roles: ['admin', 'auditor'] },
  'recording.purge': { roles: ADMIN },
  // Access-control workflow: configuring is managing the resource; requesting, checking out and in
  // is using the password; approving is for the resource's authorisers (checked in the service);
  // force check-in needs manage on the account.
  'access.configure': { roles: MANAGER_ROLES, privilege: 'manage' },
  'access.view-settings': { roles: ALL_ROLES, privilege: 'view' },
  'access.request': { roles: ALL_ROLES, privilege: 'view' },
  'access.approve': { roles: MANAGER_ROLES },
  'access.checkout': { roles: ALL_ROLES, privilege: 'view' },
  'access.checkin': { roles: ALL_ROLES, privilege: 'view' },
  'access.force-checkin': { roles: MANAGER_ROLES, privilege: 'manage' },
  'access.list': { roles: ALL_ROLES },
  // Self-service login password: one's own, proven with the old password.
  'user.change-own-password': { roles: ALL_ROLES },
  'user.password-rules': { roles: ALL_ROLES },
  // Reset listeners: arbitrary commands run with the server's privileges, so only
  // administrators add, edit and see them, and another administrator approves (checked in the
  // service: the author never approves their own).
  'listener.manage': { roles: ADMIN },
  'listener.approve': { roles: ADMIN },
  // Password sync channels: configuring links accounts across resources (admin);
  // publishing a password learned from a target changes that account, so it needs modify.
  'sync.manage': { roles: ADMIN },
  // Linking an account lets the channel overwrite its password: changing it (modify).
  'sync.link': { roles: ADMIN, privilege: 'modify' },
  'sync.publish': { roles: ALL_ROLES, privilege: 'modify' },
  // API keys act as their user for applications: only administrators issue, list and revoke
  // them (for any user); an API key itself never manages keys (checked in the service).
  'apikey.create': { roles: ADMIN },
  'apikey.list': { roles: ADMIN },
  'apikey.revoke': { roles: ADMIN },
  // The daily password-event check (expired, policy violated): administrators or the server.
  'notify.daily-check': { roles: ADMIN },
} as const satisfies Record<string, OperationRule>;

export type Operation = keyof typeof OPERATIONS;
