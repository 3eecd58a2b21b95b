import { isSuperAdmin, type Actor } from '../authz/actor.ts';
import type { CoreContext, OpScope } from '../context.ts';
import type { Secret } from '../crypto/secret.ts';
import { PolicyError } from '../errors.ts';

/**
 * The password-quality exit, modelled on the password-quality exits of mainframe security products:
 * an external validator consulted on every password create and change. It can only accept or deny,
 * with a message. Implementations (a command, an HTTP endpoint) live in integrations/.
 */
export interface QualityRequest {
  /** What the password is for: a Custody login or a vaulted account. */
  kind: 'login' | 'account';
  /** The login name, or `RESOURCE/ACCOUNT`. */
  subject: string;
  /** Who asks (the acting user's name). */
  requester: string;
  password: Secret;
}

export type QualityAnswer =
  | { outcome: 'accept'; message: string }
  | { outcome: 'deny'; message: string }
  /** No answer in time, or a broken answer: the timeout policy applies. */
  | { outcome: 'unavailable'; reason: string };

export interface QualityExit {
  check(req: QualityRequest): Promise<QualityAnswer>;
}

/**
 * Super administrators (and the host administrator) are "undeniable": when the exit does not
 * answer in time, their change falls back to the built-in policy check instead of being denied,
 * so a broken validator cannot lock out the people who must fix it.
 */
export function isUndeniable(actor: Actor): boolean {
  return actor.kind === 'host' || isSuperAdmin(actor);
}

export type QualityOutcome = 'none' | 'accepted' | 'fallback';

/**
 * Consults the exit, if one is configured. Returns 'fallback' when the exit did not answer for an
 * undeniable user: the caller must then run the built-in policy check even where it is otherwise
 * off. Throws E_POLICY on a denial, and on no answer for a deniable user. Timeouts raise an
 * alert: an audit row (kept whether or not the operation goes on) and a log line.
 */
export async function consultQualityExit(
  ctx: CoreContext,
  s: Pick<OpScope, 'audit' | 'auditIfFails'>,
  actor: Actor,
  req: Omit<QualityRequest, 'requester'>,
): Promise<QualityOutcome> {
  const exit = ctx.deps.qualityExit;
  if (!exit) return 'none';
  const target = { kind: req.kind === 'login' ? 'user' : 'account', name: req.subject };
  const answer = await exit.check({ ...req, requester: actor.name });
  if (answer.outcome === 'accept') return 'accepted';
  if (answer.outcome === 'deny') {
    s.auditIfFails('password.quality-deny', target, { message: answer.message });
    throw new PolicyError(`password rejected by the quality check: ${answer.message || 'no reason given'}`, {
      rules: ['quality-exit'],
    });
  }
  const undeniable = isUndeniable(actor);
  const details = { reason: answer.reason, undeniable };
  ctx.deps.logger.log('warn', 'quality-exit.unavailable', {
    actor: actor.name,
    target,
    reason: answer.reason,
    action: undeniable ? 'built-in policy check used instead' : 'denied',
  });
  // One row either way: audit() commits with the operation, auditIfFails() survives its failure.
  s.auditIfFails('password.quality-exit-timeout', target, details);
  if (!undeniable) {
    throw new PolicyError(
      `the password-quality check did not answer (${answer.reason}): password changes are refused until it does`,
      { rules: ['quality-exit'] },
    );
  }
  await s.audit('password.quality-exit-timeout', target, details, 'failure');
  return 'fallback';
}
