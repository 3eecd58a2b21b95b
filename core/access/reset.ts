import type { Account, Resource } from '../model.ts';

/**
 * Remote password reset, used by "reset after check-in" (and later by scheduled rotation).
 * Nothing implements it yet: until then the guide's Case 6 applies — the reset does not happen,
 * the approvers are notified and the audit trail says why.
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
