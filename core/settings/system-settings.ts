import type { Repos } from '../storage/repos/index.ts';

/**
 * Settings changed at run time by administrators (as opposed to conf/custody.toml, which is read
 * at start). Each has the guide's default.
 */
export interface SystemSettings {
  /** B §0: "Deny Administrators from Creating Super Administrators"; only a super admin sets it. */
  superAdminCreationDenied: boolean;
  /** C §11.4: one organisation-wide explorer tree that all administrators edit. */
  orgWideTree: boolean;
  /** D §8: the policy used when neither the resource nor its group names one. */
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
