// Access control, the configuration part: per-resource settings (configure, activate/deactivate,
// show) and the general setting that lets administrators view a checked-out password concurrently.
import type { Actor } from '../authz/actor.ts';
import { ValidationError } from '../errors.ts';
import type { Resource } from '../model.ts';
import type { AccessSettingsRow, AutoApprove, Repos } from '../storage/repos/index.ts';
import { loadResource } from '../vault/refs.ts';
import { AccessBase } from './access-common.ts';
import { GENERAL_SETTINGS_KEY, readGeneralSettings, type AccessGeneralSettings } from './enforce.ts';

export interface AccessConfigInput {
  approvers: string[];
  dual?: boolean;
  excluded?: string[];
  /** Hours after which an unapproved request is void (0 = never). Default 24. */
  voidAfterHours?: number;
  /** Exclusive use after check-out, in hours (default 8, 0 = unlimited). */
  exclusiveHours?: number;
  resetOnCheckin?: boolean;
  /** 'always', or a daily UTC window 'HH:MM-HH:MM'; authorisers are still notified. */
  autoApprove?: 'off' | 'always' | string;
  /** Ending a gateway session on the account checks the password in. */
  checkinOnSessionEnd?: boolean;
  /** With ticketing on: a request whose ticket validates is approved at once. */
  ticketAutoApprove?: boolean;
  active?: boolean;
}

export interface AccessConfigView {
  resource: string;
  active: boolean;
  approvers: string[];
  dual: boolean;
  excluded: string[];
  voidAfterHours: number;
  exclusiveHours: number;
  resetOnCheckin: boolean;
  autoApprove: string;
  checkinOnSessionEnd: boolean;
  ticketAutoApprove: boolean;
  updatedAt: string;
  updatedBy: string;
}

/** Per-resource access-control settings and the general access setting. */
export class AccessConfiguration extends AccessBase {
  async configure(actor: Actor, resourceName: string, input: AccessConfigInput): Promise<AccessConfigView> {
    return this.ctx.run(actor, 'access.configure', { kind: 'resource', name: resourceName }, async (s) => {
      const resource = await loadResource(s.repos, resourceName);
      this.ctx.authz.requireOn(actor, 'access.configure', await s.access.onResource(resource), {
        kind: 'resource',
        name: resourceName,
      });
      const approvers = [];
      for (const name of unique(input.approvers)) {
        const u = await s.repos.users.byName(name);
        if (!u) throw new ValidationError(`approver '${name}' is not a user`, { field: 'approvers' });
        if (u.role !== 'admin' && u.role !== 'password-admin')
          throw new ValidationError(`approver '${name}' is not an administrator or password administrator`, {
            field: 'approvers',
          });
        approvers.push(u.id);
      }
      if (approvers.length === 0)
        throw new ValidationError('at least one approver is required', { field: 'approvers' });
      const dual = input.dual ?? false;
      if (dual && approvers.length < 2)
        throw new ValidationError('dual approval needs at least two approvers', { field: 'approvers' });
      const excluded = [];
      for (const name of unique(input.excluded ?? [])) {
        const u = await s.repos.users.byName(name);
        if (!u) throw new ValidationError(`excluded user '${name}' is not a user`, { field: 'excluded' });
        excluded.push(u.id);
      }
      const auto = parseAutoApprove(input.autoApprove ?? 'off');
      const row: AccessSettingsRow = {
        resourceId: resource.id,
        active: input.active ?? true,
        approvers,
        excluded,
        dual,
        voidAfterHours: hours('void-after-hours', input.voidAfterHours ?? 24),
        exclusiveHours: hours('exclusive-hours', input.exclusiveHours ?? 8),
        resetOnCheckin: input.resetOnCheckin ?? false,
        autoApprove: auto.mode,
        autoFrom: auto.from,
        autoTo: auto.to,
        checkinOnSessionEnd: input.checkinOnSessionEnd ?? false,
        ticketAutoApprove: input.ticketAutoApprove ?? false,
        updatedAt: this.ctx.now(),
        updatedBy: actor.name,
      };
      await s.repos.access.putSettings(row);
      await s.audit(
        row.active ? 'access.configure' : 'access.deactivate',
        { kind: 'resource', name: resourceName },
        { ...(await this.configView(s.repos, resource, row)) },
      );
      return this.configView(s.repos, resource, row);
    });
  }

  /**
   * Activate or deactivate without changing the other settings. While inactive, whoever may view
   * the password sees it without a request; reactivating restores the same workflow.
   */
  async setActive(actor: Actor, resourceName: string, active: boolean): Promise<AccessConfigView> {
    return this.ctx.run(actor, 'access.configure', { kind: 'resource', name: resourceName }, async (s) => {
      const resource = await loadResource(s.repos, resourceName);
      this.ctx.authz.requireOn(actor, 'access.configure', await s.access.onResource(resource), {
        kind: 'resource',
        name: resourceName,
      });
      const current = await s.repos.access.settings(resource.id);
      if (!current)
        throw new ValidationError(`access control is not configured on '${resourceName}': use access set`);
      const row = { ...current, active, updatedAt: this.ctx.now(), updatedBy: actor.name };
      await s.repos.access.putSettings(row);
      await s.audit(active ? 'access.configure' : 'access.deactivate', {
        kind: 'resource',
        name: resourceName,
      });
      return this.configView(s.repos, resource, row);
    });
  }

  async show(actor: Actor, resourceName: string): Promise<AccessConfigView | null> {
    return this.ctx.run(
      actor,
      'access.view-settings',
      { kind: 'resource', name: resourceName },
      async (s) => {
        const resource = await loadResource(s.repos, resourceName);
        this.ctx.authz.requireOn(actor, 'access.view-settings', await s.access.onResource(resource), {
          kind: 'resource',
          name: resourceName,
        });
        const row = await s.repos.access.settings(resource.id);
        return row ? this.configView(s.repos, resource, row) : null;
      },
    );
  }

  /** The general setting: may administrators view a password while a password user holds it. */
  async setGeneral(actor: Actor, patch: Partial<AccessGeneralSettings>): Promise<AccessGeneralSettings> {
    return this.ctx.run(actor, 'settings.change', { kind: 'settings', name: 'access' }, async (s) => {
      this.ctx.authz.require(actor, 'settings.change');
      const next = { ...(await readGeneralSettings(s.repos)), ...patch };
      await s.repos.settings.set(GENERAL_SETTINGS_KEY, next);
      await s.audit('access.general-settings', { kind: 'settings', name: 'access' }, { ...next });
      return next;
    });
  }

  private async configView(
    repos: Repos,
    resource: Resource,
    row: AccessSettingsRow,
  ): Promise<AccessConfigView> {
    return {
      resource: resource.name,
      active: row.active,
      approvers: await this.names(repos, row.approvers),
      dual: row.dual,
      excluded: await this.names(repos, row.excluded),
      voidAfterHours: row.voidAfterHours,
      exclusiveHours: row.exclusiveHours,
      resetOnCheckin: row.resetOnCheckin,
      autoApprove: row.autoApprove === 'window' ? `${row.autoFrom}-${row.autoTo}` : row.autoApprove,
      checkinOnSessionEnd: row.checkinOnSessionEnd,
      ticketAutoApprove: row.ticketAutoApprove,
      updatedAt: row.updatedAt,
      updatedBy: row.updatedBy,
    };
  }
}

function unique(names: string[]): string[] {
  return [...new Set(names.map((n) => n.trim()).filter((n) => n !== ''))];
}

function hours(field: string, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 24 * 365)
    throw new ValidationError(`${field} must be a whole number of hours between 0 and 8760`, { field });
  return n;
}

function parseAutoApprove(v: string): { mode: AutoApprove; from: string | null; to: string | null } {
  if (v === 'off' || v === 'always') return { mode: v, from: null, to: null };
  const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/.exec(v);
  if (!m)
    throw new ValidationError(`auto-approve must be 'off', 'always' or a daily window HH:MM-HH:MM (UTC)`, {
      field: 'autoApprove',
    });
  return { mode: 'window', from: `${m[1]}:${m[2]}`, to: `${m[3]}:${m[4]}` };
}

/** Automatic approval: always, or when `now` (UTC time of day) falls in the daily window. */
export function autoApproves(s: AccessSettingsRow, now: Date): boolean {
  if (s.autoApprove === 'always') return true;
  if (s.autoApprove !== 'window' || !s.autoFrom || !s.autoTo) return false;
  const t = now.toISOString().slice(11, 16);
  return s.autoFrom <= s.autoTo ? t >= s.autoFrom && t < s.autoTo : t >= s.autoFrom || t < s.autoTo;
}
