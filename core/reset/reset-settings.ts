import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { ValidationError } from '../errors.ts';
import type { Repos } from '../storage/repos/index.ts';
import { loadResource } from '../vault/refs.ts';
import { RESET_PROMPTS, type ResetSettings } from './connector.ts';

/** Kept in the key/value settings table (no schema change): one entry per resource id. */
const keyOf = (resourceId: string) => `reset-settings:${resourceId}`;

const MODES = new Set(['self', 'sudo', 'su']);
const TRANSPORTS = new Set(['ssh', 'telnet']);
const KEYS = new Set(['mode', 'login', 'root', 'enable', 'transport', 'writeMemory', 'prompts']);

export async function loadResetSettings(repos: Repos, resourceId: string): Promise<ResetSettings> {
  return (await repos.settings.get<ResetSettings>(keyOf(resourceId))) ?? {};
}

function bad(field: string, message: string): never {
  throw new ValidationError(message, { field });
}

/** Checks shape, regexes and that the named accounts exist on the resource. */
async function check(repos: Repos, resourceId: string, input: ResetSettings): Promise<ResetSettings> {
  for (const k of Object.keys(input)) if (!KEYS.has(k)) bad(k, `unknown reset setting '${k.slice(0, 40)}'`);
  if (input.mode !== undefined && !MODES.has(input.mode)) bad('mode', 'mode must be self, sudo or su');
  if (input.transport !== undefined && !TRANSPORTS.has(input.transport))
    bad('transport', 'transport must be ssh or telnet');
  for (const f of ['login', 'root', 'enable'] as const) {
    const name = input[f];
    if (name === undefined) continue;
    if (!(await repos.accounts.byName(resourceId, name)))
      bad(f, `${f} account '${name.slice(0, 80)}' is not an account of this resource`);
  }
  if ((input.mode === 'sudo' || input.mode === 'su') && !input.login)
    bad('login', `mode ${input.mode} needs a login account`);
  for (const [name, re] of Object.entries(input.prompts ?? {})) {
    if (!(RESET_PROMPTS as readonly string[]).includes(name))
      bad('prompts', `unknown prompt '${name.slice(0, 40)}' (one of ${RESET_PROMPTS.join(', ')})`);
    if (typeof re !== 'string' || re.length === 0 || re.length > 200)
      bad('prompts', `prompt '${name}' must be a regular expression of 1–200 characters`);
    try {
      new RegExp(re, 'i');
    } catch {
      bad('prompts', `prompt '${name}' is not a valid regular expression`);
    }
  }
  return input;
}

/**
 * Per-resource reset settings: how a Unix account is changed (self passwd, a login account plus
 * sudo, or plus su with the root account), over SSH or Telnet, the prompts to expect, and a network
 * device's enable account and `write memory`. Setting them is managing the resource; they hold
 * account names, never passwords.
 */
export class ResetSettingsService {
  constructor(private readonly ctx: CoreContext) {}

  async configure(actor: Actor, resourceName: string, settings: ResetSettings): Promise<ResetSettings> {
    return this.ctx.run(actor, 'reset.configure', { kind: 'resource', name: resourceName }, async (s) => {
      const r = await loadResource(s.repos, resourceName);
      this.ctx.authz.requireOn(actor, 'reset.configure', await s.access.onResource(r), {
        kind: 'resource',
        name: resourceName,
      });
      const checked = await check(s.repos, r.id, settings);
      await s.repos.settings.set(keyOf(r.id), checked);
      await s.audit('reset.configure', { kind: 'resource', name: resourceName }, { ...checked });
      return checked;
    });
  }

  async show(actor: Actor, resourceName: string): Promise<ResetSettings> {
    return this.ctx.run(actor, 'reset.configure', { kind: 'resource', name: resourceName }, async (s) => {
      const r = await loadResource(s.repos, resourceName);
      this.ctx.authz.requireOn(actor, 'reset.configure', await s.access.onResource(r), {
        kind: 'resource',
        name: resourceName,
      });
      return loadResetSettings(s.repos, r.id);
    });
  }
}
