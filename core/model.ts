// Domain records as core services see them. Storage maps rows to these; nothing here knows SQL.

export const ROLES = ['admin', 'password-admin', 'password-user', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'Administrator',
  'password-admin': 'Password Administrator',
  'password-user': 'Password User',
  auditor: 'Password Auditor',
};

export type UserStatus = 'active' | 'inactive';

export interface User {
  id: string;
  username: string;
  firstName: string;
  lastName: string;
  email: string;
  department: string;
  location: string;
  role: Role;
  /** Access scope "All Passwords in the System"; only for admin and password-admin. */
  superAdmin: boolean;
  status: UserStatus;
  passwordHash: string | null;
  passwordChangedAt: string | null;
  totpEnabled: boolean;
  treeRootName: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface UserGroupSettings {
  exportIncludePasswords: boolean;
  allowPersonal: boolean;
  allowExportPersonal: boolean;
  allowGrantManageCriteria: boolean;
}

export interface UserGroup extends UserGroupSettings {
  id: string;
  name: string;
  description: string;
  createdAt: string;
}

export type FieldKind = 'text' | 'numeric' | 'password' | 'datetime' | 'file';
export const FIELD_KINDS: readonly FieldKind[] = ['text', 'numeric', 'password', 'datetime', 'file'];
export type FieldTarget = 'resource' | 'account';

export interface CustomFieldDef {
  id: string;
  target: FieldTarget;
  name: string;
  kind: FieldKind;
  position: number;
}

export type Protocol = 'ssh' | 'telnet' | 'rdp' | 'mysql' | 'postgres' | 'ldap' | 'none';

export interface ResourceType {
  id: string;
  name: string;
  builtin: boolean;
  protocol: Protocol;
  /** The built-in reset handler a custom type behaves like, if any. */
  resetKind: string | null;
  hiddenAttributes: string[];
  fileFieldEnabled: boolean;
}

export interface Resource {
  id: string;
  name: string;
  typeId: string;
  dnsName: string;
  port: number | null;
  description: string;
  department: string;
  location: string;
  url: string;
  domainName: string;
  policyId: string | null;
  ownerId: string;
  allowPortForwarding: boolean;
  /** SFTP recordings keep the file contents too, not only the operations (default off). */
  recordFileContents?: boolean;
  /** Which way text may cross an RDP session's clipboard (default off). */
  clipboard?: ClipboardPolicy;
  createdAt: string;
  updatedAt: string;
}

/** Clipboard of RDP sessions: off, text to the target only, from the target only, or both ways. */
export type ClipboardPolicy = 'off' | 'to-target' | 'from-target' | 'both';
export const CLIPBOARD_POLICIES: readonly ClipboardPolicy[] = ['off', 'to-target', 'from-target', 'both'];

/** A stored value as a policy; anything unknown reads as off (the safe side). */
export function clipboardPolicyOf(v: unknown): ClipboardPolicy {
  return CLIPBOARD_POLICIES.includes(v as ClipboardPolicy) ? (v as ClipboardPolicy) : 'off';
}

export interface Account {
  id: string;
  resourceId: string;
  name: string;
  notes: string;
  passwordEnc: string;
  passwordChangedAt: string;
  passwordChangedBy: string;
  credentialKind: 'password' | 'private-key';
  createdAt: string;
}

export interface PasswordHistoryEntry {
  id: string;
  accountId: string;
  passwordEnc: string;
  changedAt: string;
  changedBy: string;
  source: string;
}

export interface PersonalPassword {
  id: string;
  ownerId: string;
  title: string;
  login: string;
  url: string;
  notes: string;
  passwordEnc: string;
  createdAt: string;
  updatedAt: string;
}

export const CRITERIA_FIELDS = [
  'resource-name',
  'resource-type',
  'resource-description',
  'account-name',
] as const;
export type CriteriaField = (typeof CRITERIA_FIELDS)[number];
export const CRITERIA_OPERATORS = [
  'contains',
  'not-contains',
  'equals',
  'not-equals',
  'starts-with',
  'ends-with',
] as const;
export type CriteriaOperator = (typeof CRITERIA_OPERATORS)[number];
export interface Criterion {
  field: CriteriaField;
  op: CriteriaOperator;
  value: string;
}

export interface ResourceGroup {
  id: string;
  name: string;
  description: string;
  kind: 'static' | 'criteria';
  ownerId: string;
  parentId: string | null;
  policyId: string | null;
  criteria: Criterion[];
  match: 'all' | 'any';
  createdAt: string;
}

export type ObjectKind = 'account' | 'resource' | 'group';
export type GranteeKind = 'user' | 'user-group';
export type Privilege = 'view' | 'modify' | 'manage';
export const PRIVILEGES: readonly Privilege[] = ['view', 'modify', 'manage'];

export interface Share {
  id: string;
  objectKind: ObjectKind;
  objectId: string;
  granteeKind: GranteeKind;
  granteeId: string;
  privilege: Privilege;
  grantedBy: string;
  grantedAt: string;
}

export type AuditResult = 'success' | 'denied' | 'failure';

export interface AuditRecord {
  seq: number;
  id: string;
  at: string;
  type: string;
  code: string;
  actor: string;
  source: string;
  targetKind: string;
  targetName: string;
  result: AuditResult;
  details: string;
  prevHash: string;
  hash: string;
}
