/**
 * Every audit event type, with its stable code. The code is what reports, alerts and external
 * SIEM rules key on: never reuse or renumber one. A test fails if a type lacks a code or two
 * types share one. Prefixes: S system, U users, G user groups, T types and fields, R resources,
 * A accounts and passwords, P personal, O resource groups and explorer, H sharing, Y policies,
 * I import, K keys, L audit, Z authorization.
 */
export const AUDIT_EVENTS = {
  'system.init': 'S100',
  'settings.change': 'S101',
  'user.create': 'U100',
  'user.update': 'U101',
  'user.role-change': 'U102',
  'user.scope-change': 'U103',
  'user.delete': 'U104',
  'user.password-set': 'U105',
  'user.login': 'U106',
  'user-group.create': 'G100',
  'user-group.update': 'G101',
  'user-group.delete': 'G102',
  'user-group.member-add': 'G103',
  'user-group.member-remove': 'G104',
  'resource-type.create': 'T100',
  'resource-type.delete': 'T101',
  'custom-field.create': 'T102',
  'resource.create': 'R100',
  'resource.update': 'R101',
  'resource.delete': 'R102',
  'resource.transfer': 'R103',
  'account.create': 'A100',
  'account.update': 'A101',
  'account.delete': 'A102',
  'password.access': 'A103',
  'password.change': 'A104',
  'password.history-view': 'A105',
  'password.policy-violation': 'A106',
  'personal.create': 'P100',
  'personal.access': 'P101',
  'personal.delete': 'P102',
  'resource-group.create': 'O100',
  'resource-group.update': 'O101',
  'resource-group.delete': 'O102',
  'resource-group.member-add': 'O103',
  'resource-group.member-remove': 'O104',
  'resource-group.transfer': 'O105',
  'explorer.tree-change': 'O106',
  'explorer.tree-revert': 'O107',
  'favourite.add': 'O108',
  'favourite.remove': 'O109',
  'share.grant': 'H100',
  'share.revoke': 'H101',
  'policy.create': 'Y100',
  'policy.update': 'Y101',
  'policy.delete': 'Y102',
  'policy.default-change': 'Y103',
  'import.user-line': 'I100',
  'import.resource-line': 'I101',
  'import.run': 'I102',
  'key.rotate-start': 'K100',
  'key.rotate-finish': 'K101',
  'audit.verify': 'L100',
  'authz.denied': 'Z100',
} as const;

export type AuditEventType = keyof typeof AUDIT_EVENTS;

export function codeOf(type: AuditEventType): string {
  return AUDIT_EVENTS[type];
}
