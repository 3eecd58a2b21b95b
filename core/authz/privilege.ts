import type { Privilege, Role } from '../model.ts';

/**
 * What a user may do with one object. `owner` covers the owner and super administrators: all of
 * `manage` plus ownership transfer and deletion.
 */
export type Level = 'none' | Privilege | 'owner';

const RANK: Record<Level, number> = { none: 0, view: 1, modify: 2, manage: 3, owner: 4 };

export function atLeast(have: Level, need: Level): boolean {
  return RANK[have] >= RANK[need];
}

export function maxLevel(levels: Iterable<Level>): Level {
  let best: Level = 'none';
  for (const l of levels) if (RANK[l] > RANK[best]) best = l;
  return best;
}

/**
 * Password users and auditors cannot manage resources (their role never can), so a `manage` share gives
 * them at most `modify`: they can read and change the password, not re-share or edit the resource.
 */
export function capForRole(level: Level, role: Role): Level {
  if ((role === 'password-user' || role === 'auditor') && RANK[level] > RANK.modify) return 'modify';
  return level;
}
