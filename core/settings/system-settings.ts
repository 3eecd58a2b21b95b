import type { Repos } from '../storage/repos/index.ts';

/**
 * Settings changed at run time by administrators (as opposed to conf/custody.toml, which is read
 * at start). Each defaults as the reference product does.
 */
export interface SystemSettings {
  /**
   * "Deny administrators from creating super administrators": only a super administrator sets it,
   * so an administrator cannot widen their own kind's reach.
   */
  superAdminCreationDenied: boolean;
  /** One organisation-wide explorer tree that all administrators edit (else one tree each). */
  orgWideTree: boolean;
  /** The password policy used when neither the resource nor its group names one. */
  defaultPolicyId: string;
}

export const DEFAULT_SETTINGS: SystemSettings = {
  superAdminCreationDenied: false,
  orgWideTree: false,
  defaultPolicyId: 'builtin-strong',
};

export async function readSettings(repos: Repos): Promise<SystemSettings> {
  const stored = (await repos.settings.get<Partial<SystemSettings>>('system')) ?? {};
  return { ...DEFAULT_SETTINGS, ...stored };
}

export async function writeSettings(repos: Repos, patch: Partial<SystemSettings>): Promise<SystemSettings> {
  const next = { ...(await readSettings(repos)), ...patch };
  await repos.settings.set('system', next);
  return next;
}
