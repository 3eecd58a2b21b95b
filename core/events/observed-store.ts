import type { AuditRecord } from '../model.ts';
import type { Logger } from '../runtime.ts';
import type { Store } from '../storage/db.ts';
import { firstLine } from '../errors.ts';

/**
 * Called with the audit rows of a transaction once it has COMMITTED (never for a rolled-back one),
 * so what follows a change — notifications, sync pushes, listeners — reacts only to what really
 * happened, and other modules need no change to be observed. Observers must not throw and must
 * not block: they start their own work and return.
 */
export type AuditObserver = (committed: readonly AuditRecord[]) => void;

/**
 * Wraps a store so that every audit row appended inside `tx` is remembered and handed to the
 * observers after the commit. The wrapped store is otherwise the same store.
 */
export function observedStore(base: Store, observers: readonly AuditObserver[], logger: Logger): Store {
  return {
    driver: base.driver,
    read: (fn) => base.read(fn),
    close: () => base.close(),
    tx: async (fn) => {
      const appended: AuditRecord[] = [];
      const result = await base.tx((repos) =>
        fn({
          ...repos,
          audit: {
            ...repos.audit,
            append: async (rec: AuditRecord) => {
              await repos.audit.append(rec);
              appended.push(rec);
            },
          },
        }),
      );
      if (appended.length > 0)
        for (const o of observers) {
          try {
            o(appended);
          } catch (e) {
            // An observer's bug never turns a committed change into a reported failure.
            logger.log('error', 'audit-observer', {
              error: firstLine(e),
            });
          }
        }
      return result;
    },
  };
}
