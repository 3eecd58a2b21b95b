import type { AuditRecord } from '../model.ts';

/**
 * What one committed audit row adds to the counters. Every label value here comes from a fixed
 * list (anything else becomes `other`): a label value a client or an operator could choose —
 * a user name, a target, a refusal's wording — would give Prometheus one series per value, and
 * some of those values (a mistyped password pasted as a user name) must never leave the bastion.
 */
export type CountedEvent =
  | { counter: 'session_starts'; labels: { mode: string } }
  | { counter: 'session_ends'; labels: { mode: string; how: string } }
  | { counter: 'session_refusals'; labels: { reason: string } }
  | { counter: 'recording_failures'; labels: Record<string, never> }
  | { counter: 'logins'; labels: { outcome: string; method: string } }
  | { counter: 'lockouts'; labels: Record<string, never> }
  | { counter: 'resets'; labels: { outcome: string } }
  | { counter: 'verifications'; labels: { status: string } };

export const SESSION_MODES = ['shell', 'exec', 'sftp', 'port-forward'] as const;
export const END_CAUSES = [
  'closed',
  'terminated',
  'idle',
  'max-duration',
  'expired',
  'recording-failed',
] as const;
export const REFUSAL_REASONS = [
  'not-permitted',
  'malformed',
  'target-failed',
  'landing-failover',
  'forward-refused',
] as const;
export const LOGIN_OUTCOMES = ['success', 'failure', 'locked'] as const;
export const LOGIN_METHODS = ['password', 'publickey', 'totp', 'keyboard-interactive'] as const;
export const RESET_OUTCOMES = ['changed', 'failed'] as const;
export const VERIFY_STATUSES = ['in-sync', 'out-of-sync', 'unreachable', 'unsupported'] as const;

function oneOf(value: unknown, allowed: readonly string[]): string {
  return typeof value === 'string' && allowed.includes(value) ? value : 'other';
}

function detailsOf(row: AuditRecord): Record<string, unknown> {
  try {
    const d: unknown = JSON.parse(row.details || '{}');
    return d && typeof d === 'object' ? (d as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A refusal's class, from which part of the session path wrote it (never its wording). */
function refusalReason(row: AuditRecord, d: Record<string, unknown>): string {
  if (d.failover === true) return 'landing-failover';
  if (d.mode === 'port-forward') return 'forward-refused';
  // Before any grant existed: a malformed user name, or a command without a target.
  if (d.grant === undefined) return 'malformed';
  return row.result === 'denied' ? 'not-permitted' : 'target-failed';
}

export function countedEvents(row: AuditRecord): CountedEvent[] {
  switch (row.type) {
    case 'session.start':
      return [{ counter: 'session_starts', labels: { mode: oneOf(detailsOf(row).mode, SESSION_MODES) } }];
    case 'session.end': {
      const d = detailsOf(row);
      return [
        {
          counter: 'session_ends',
          labels: { mode: oneOf(d.mode, SESSION_MODES), how: oneOf(d.how, END_CAUSES) },
        },
      ];
    }
    case 'session.refused':
      return [{ counter: 'session_refusals', labels: { reason: refusalReason(row, detailsOf(row)) } }];
    case 'authz.denied':
      // Refused at authorisation: the operator may not open a session on that account.
      return detailsOf(row).operation === 'session.open'
        ? [{ counter: 'session_refusals', labels: { reason: 'not-permitted' } }]
        : [];
    case 'recording.fail':
      return [{ counter: 'recording_failures', labels: {} }];
    case 'user.login': {
      const d = detailsOf(row);
      // The first factor of a TOTP user is not a login yet: the TOTP step writes the one that is.
      if (d.pending === 'totp') return [];
      const outcome = d.refused === 'locked' ? 'locked' : row.result === 'success' ? 'success' : 'failure';
      return [{ counter: 'logins', labels: { outcome, method: oneOf(d.method, LOGIN_METHODS) } }];
    }
    case 'user.lockout':
      return [{ counter: 'lockouts', labels: {} }];
    case 'password.reset':
      return [{ counter: 'resets', labels: { outcome: 'changed' } }];
    case 'password.reset-fail':
      return [{ counter: 'resets', labels: { outcome: 'failed' } }];
    case 'password.verify':
      return [
        { counter: 'verifications', labels: { status: oneOf(detailsOf(row).status, VERIFY_STATUSES) } },
      ];
    default:
      return [];
  }
}
