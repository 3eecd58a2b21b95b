import type { AuditRecord } from '../model.ts';

/** The six password events notifications are sent for, by our name. */
export const PASSWORD_EVENT_KINDS = [
  'accessed',
  'changed',
  'share-changed',
  'expired',
  'policy-violated',
  'out-of-sync',
] as const;
export type PasswordEventKind = (typeof PASSWORD_EVENT_KINDS)[number];

export const RECIPIENT_KINDS = ['owner', 'shared', 'admins'] as const;
export type RecipientKind = (typeof RECIPIENT_KINDS)[number];

/**
 * One password event as it leaves Custody. Built from a committed audit row and the recipient
 * lists only: it never holds a password (the audit row never does either).
 */
export interface PasswordEvent {
  kind: PasswordEventKind;
  at: string;
  /** Who caused it and from where (the audit row's actor and source). */
  actor: string;
  source: string;
  /** What it is about: an account (`RESOURCE/ACCOUNT`), or a resource/group for share changes. */
  object: { kind: string; name: string };
  audit: { seq: number; code: string; type: string };
  /** Custody user names; the e-mail channel maps them to addresses. */
  recipients: string[];
  /** A one-line summary (English), e.g. for an e-mail subject or a syslog MSG. */
  summary: string;
}

/** Where events go: e-mail, syslog, webhook (integrations/). A failure is the channel's to log. */
export interface PasswordEventChannel {
  readonly name: string;
  send(e: PasswordEvent): Promise<void>;
}

const CHANGED = new Set(['password.change', 'password.reset', 'password.reset-reconciled', 'sync.published']);

/** Which event a committed audit row is, if any. */
export function eventKindOf(row: AuditRecord): PasswordEventKind | undefined {
  const ok = row.result === 'success';
  if (row.type === 'password.access' && ok) return 'accessed';
  if (CHANGED.has(row.type) && ok) return 'changed';
  if ((row.type === 'share.grant' || row.type === 'share.revoke') && ok) return 'share-changed';
  if (row.type === 'password.expired') return 'expired';
  if (row.type === 'password.policy-violation') return 'policy-violated';
  // Written by verification: only a refused login is out of sync; an unreachable target is not
  // (nothing is known about its password, and a network outage must not flood the inboxes).
  if (row.type === 'password.verify' && detailsOf(row).status === 'out-of-sync') return 'out-of-sync';
  return undefined;
}

export function detailsOf(row: AuditRecord): Record<string, unknown> {
  try {
    const d = JSON.parse(row.details) as unknown;
    return d && typeof d === 'object' ? (d as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const WORDS: Record<PasswordEventKind, string> = {
  accessed: 'password accessed',
  changed: 'password changed',
  'share-changed': 'password share changed',
  expired: 'password expired',
  'policy-violated': 'password violates its policy',
  'out-of-sync': 'password out of sync with the target',
};

export function summaryOf(
  kind: PasswordEventKind,
  object: { kind: string; name: string },
  actor: string,
): string {
  return `${WORDS[kind]}: ${object.kind} ${object.name} (by ${actor})`;
}
