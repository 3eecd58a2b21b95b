import type { Protocol, ResourceType } from '../model.ts';

/**
 * Built-in resource types (the reference product's list, plus the ones the gateway needs by name).
 * Built-ins cannot be edited or deleted. `protocol` is how the gateway opens a session; `resetKind`
 * names the reset connector family a type uses.
 */
const T = (
  name: string,
  protocol: Protocol,
  resetKind: string | null,
  extra: Partial<ResourceType> = {},
): ResourceType => ({
  id: `type-${name}`,
  name,
  builtin: true,
  protocol,
  resetKind,
  hiddenAttributes: [],
  fileFieldEnabled: false,
  ...extra,
});

export const BUILTIN_TYPES: readonly ResourceType[] = [
  T('linux', 'ssh', 'unix'),
  T('mac', 'ssh', 'unix'),
  T('solaris', 'ssh', 'unix'),
  T('hp-unix', 'ssh', 'unix'),
  T('ibm-aix', 'ssh', 'unix'),
  T('telnet-device', 'telnet', 'unix-telnet'),
  T('windows', 'rdp', 'windows'),
  T('windows-domain', 'rdp', 'windows-domain'),
  T('windows-rdp', 'rdp', 'windows'),
  T('network-device', 'ssh', 'cisco-ios'),
  T('cisco-ios', 'ssh', 'cisco-ios'),
  T('cisco-catos', 'ssh', 'cisco-ios'),
  T('cisco-pix', 'ssh', 'cisco-ios'),
  T('hp-procurve', 'ssh', 'cisco-ios'),
  T('juniper-netscreen', 'ssh', null),
  T('hp-ilo', 'ssh', null),
  T('vmware-esxi', 'ssh', null),
  T('mysql', 'mysql', 'mysql'),
  T('postgres', 'postgres', 'postgres'),
  T('mssql', 'none', null),
  T('oracle', 'none', null),
  T('sybase', 'none', null),
  T('ldap', 'ldap', 'ldap'),
  T('website', 'none', null),
  T('file-store', 'none', null, { fileFieldEnabled: true }),
  T('key-store', 'none', null, { fileFieldEnabled: true }),
  T('license-store', 'none', null),
];

export const DEFAULT_PORTS: Partial<Record<Protocol, number>> = {
  ssh: 22,
  telnet: 23,
  rdp: 3389,
  mysql: 3306,
  postgres: 5432,
  ldap: 389,
};

/** Resource attributes a custom type may hide from its forms. */
export const HIDEABLE_ATTRIBUTES = [
  'department',
  'location',
  'url',
  'domain-name',
  'dns-name',
  'description',
] as const;
