// No label of the node's metrics carries a secret or an unbounded value: whatever an audit row
// holds (a password pasted as a user name, a refusal's free text, a hostile method name), the
// counters it moves are labelled from fixed lists only.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../core/index.ts';
import {
  countedEvents,
  END_CAUSES,
  LOGIN_METHODS,
  LOGIN_OUTCOMES,
  REFUSAL_REASONS,
  RESET_OUTCOMES,
  SESSION_MODES,
  VERIFY_STATUSES,
} from '../../core/metrics/audit-counts.ts';

const ALLOWED: Record<string, readonly string[]> = {
  mode: SESSION_MODES,
  how: END_CAUSES,
  reason: REFUSAL_REASONS,
  outcome: [...LOGIN_OUTCOMES, ...RESET_OUTCOMES],
  method: LOGIN_METHODS,
  status: VERIFY_STATUSES,
};

const TYPES = [
  'session.start',
  'session.end',
  'session.refused',
  'authz.denied',
  'recording.fail',
  'user.login',
  'user.lockout',
  'password.reset',
  'password.reset-fail',
  'password.verify',
  'account.create',
];

function row(type: string, details: unknown, result: string, actor: string): AuditRecord {
  return {
    seq: 1,
    id: 'a',
    at: '2026-01-01T00:00:00.000Z',
    type,
    code: 'X',
    actor,
    source: '10.0.0.1',
    targetKind: 'user',
    targetName: actor,
    result: result as AuditRecord['result'],
    details: JSON.stringify(details),
    prevHash: '',
    hash: '',
  };
}

describe('metric labels', () => {
  it('come from fixed lists (or `other`), never from a row’s free text', () => {
    const secretish = fc.string({ minLength: 6, maxLength: 40 }).map((s) => `S3cr3t-${s}`);
    fc.assert(
      fc.property(
        fc.constantFrom(...TYPES),
        fc.record({
          mode: fc.oneof(fc.constantFrom(...SESSION_MODES), secretish),
          how: fc.oneof(fc.constantFrom(...END_CAUSES), secretish),
          reason: secretish,
          method: fc.oneof(fc.constantFrom(...LOGIN_METHODS), secretish),
          status: fc.oneof(fc.constantFrom(...VERIFY_STATUSES), secretish),
          grant: fc.option(secretish, { nil: undefined }),
          failover: fc.boolean(),
          operation: fc.constantFrom('session.open', 'audit.read'),
        }),
        fc.constantFrom('success', 'failure', 'denied'),
        secretish,
        (type, details, result, actor) => {
          for (const e of countedEvents(row(type, details, result, actor))) {
            for (const [label, value] of Object.entries(e.labels as Record<string, string>)) {
              expect(value).not.toContain('S3cr3t');
              expect([...(ALLOWED[label] ?? []), 'other']).toContain(value);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('name what happened for known rows', () => {
    expect(countedEvents(row('user.login', { method: 'password' }, 'failure', 'x'))).toEqual([
      { counter: 'logins', labels: { outcome: 'failure', method: 'password' } },
    ]);
    expect(
      countedEvents(row('user.login', { method: 'password', refused: 'locked' }, 'failure', 'x')),
    ).toEqual([{ counter: 'logins', labels: { outcome: 'locked', method: 'password' } }]);
    // The first factor of a TOTP user is not a sign-in yet.
    expect(countedEvents(row('user.login', { method: 'password', pending: 'totp' }, 'success', 'x'))).toEqual(
      [],
    );
    expect(countedEvents(row('session.refused', { reason: 'free text' }, 'denied', 'x'))).toEqual([
      { counter: 'session_refusals', labels: { reason: 'malformed' } },
    ]);
    expect(
      countedEvents(row('session.refused', { grant: 'g', reason: 'timed out' }, 'failure', 'x')),
    ).toEqual([{ counter: 'session_refusals', labels: { reason: 'target-failed' } }]);
    expect(countedEvents(row('password.verify', { status: 'out-of-sync' }, 'failure', 'x'))).toEqual([
      { counter: 'verifications', labels: { status: 'out-of-sync' } },
    ]);
  });
});
