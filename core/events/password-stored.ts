import type { Secret } from '../crypto/secret.ts';
import type { Logger } from '../runtime.ts';
import { firstLine } from '../errors.ts';

/**
 * A password that the vault has just stored (committed) for an account, with the value it
 * replaced: what reset listeners need (they are given the old and the new password). Emitted by the reset
 * engine after its vault commit and by a sync-channel publish; plain `account set-password`
 * changes are picked up from their audit row instead (see listener-dispatch.ts).
 */
export interface PasswordStored {
  resource: string;
  account: string;
  who: { name: string; source: string };
  old: Secret;
  next: Secret;
}

export type PasswordStoredObserver = (e: PasswordStored) => void;

/** Calls every observer; one that throws is logged and never affects the caller. */
export function emitPasswordStored(
  observers: readonly PasswordStoredObserver[],
  logger: Logger,
  e: PasswordStored,
): void {
  for (const o of observers) {
    try {
      o(e);
    } catch (err) {
      logger.log('error', 'password-stored-observer', {
        error: firstLine(err),
      });
    }
  }
}
