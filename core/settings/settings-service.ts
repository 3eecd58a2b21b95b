import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { readSettings, writeSettings, type SystemSettings } from './system-settings.ts';

/** Run-time settings. The super-administrator deny switch is for super administrators only. */
export class SettingsService {
  constructor(private readonly ctx: CoreContext) {}

  async get(actor: Actor): Promise<SystemSettings> {
    this.ctx.authz.require(actor, 'settings.change');
    return this.ctx.store.read(readSettings);
  }

  async setSuperAdminCreationDenied(actor: Actor, denied: boolean): Promise<void> {
    await this.ctx.run(
      actor,
      'settings.deny-super-admin-creation',
      { kind: 'setting', name: 'superAdminCreationDenied' },
      async (s) => {
        this.ctx.authz.require(actor, 'settings.deny-super-admin-creation');
        await writeSettings(s.repos, { superAdminCreationDenied: denied });
        await s.audit(
          'settings.change',
          { kind: 'setting', name: 'superAdminCreationDenied' },
          { value: denied },
        );
      },
    );
  }

  async setOrgWideTree(actor: Actor, on: boolean): Promise<void> {
    await this.ctx.run(actor, 'settings.change', { kind: 'setting', name: 'orgWideTree' }, async (s) => {
      this.ctx.authz.require(actor, 'settings.change');
      await writeSettings(s.repos, { orgWideTree: on });
      await s.audit('settings.change', { kind: 'setting', name: 'orgWideTree' }, { value: on });
    });
  }
}
