import type { Account, Resource } from '../model.ts';

/**
 * Remote password reset as access control and rotation see it: "reset after check-in" and the
 * scheduled rotation. `ResetEngine` (core/reset) implements it; `noRemoteReset` stands in when a
 * core is opened without one. When the reset cannot happen, the check-in still completes, the
 * approvers are notified and the audit trail says why.
 */
export interface ResetService {
  canReset(resource: Resource): boolean | Promise<boolean>;
  reset(account: Account, resource: Resource): Promise<void>;
}

export const noRemoteReset: ResetService = {
  canReset: () => false,
  reset: async () => {
    throw new Error('remote password reset is not available');
  },
};
