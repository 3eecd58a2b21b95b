import type { Role } from '../model.ts';
import type { Grants } from '../storage/repos/visibility.ts';
import { capForRole, type Level } from './privilege.ts';

/**
 * Sharing precedence over the grants the database found: the most specific level that has any
 * grant decides (account, then resource, then resource group), so a narrower share can restrict a
 * wider one. A `manage` share on an account gives `modify` (an account has nothing to manage
 * beyond its password), and the role caps what a share can give. Owners and super administrators
 * hold `owner`.
 */
export function levelFromGrants(grants: Grants, role: Role): Level {
  if (grants.owner) return 'owner';
  if (grants.account) return capForRole(grants.account === 'manage' ? 'modify' : grants.account, role);
  if (grants.resource) return capForRole(grants.resource, role);
  if (grants.group) return capForRole(grants.group, role);
  return 'none';
}
