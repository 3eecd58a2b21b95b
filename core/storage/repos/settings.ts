import type { Knex } from 'knex';
import type { PasswordPolicy } from '../../policy/policy.ts';
import { bool, num, str, type Row } from './map.ts';

const toPolicy = (r: Row): PasswordPolicy => ({
  id: str(r.id),
  name: str(r.name),
  description: str(r.description),
  builtin: bool(r.builtin),
  minLength: num(r.min_length),
  maxLength: num(r.max_length),
  mixedCase: bool(r.mixed_case),
  minDigits: num(r.min_digits),
  requireSpecial: bool(r.require_special),
  minSpecial: num(r.min_special),
  startWithAlpha: bool(r.start_with_alpha),
  allowLoginName: bool(r.allow_login_name),
  historyCount: num(r.history_count),
  maxAgeDays: num(r.max_age_days),
});

function policyRow(p: PasswordPolicy, createdAt: string): Row {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    builtin: p.builtin,
    min_length: p.minLength,
    max_length: p.maxLength,
    mixed_case: p.mixedCase,
    min_digits: p.minDigits,
    require_special: p.requireSpecial,
    min_special: p.minSpecial,
    start_with_alpha: p.startWithAlpha,
    allow_login_name: p.allowLoginName,
    history_count: p.historyCount,
    max_age_days: p.maxAgeDays,
    created_at: createdAt,
  };
}

export function settingsRepo(db: Knex | Knex.Transaction) {
  return {
    async get<T>(key: string): Promise<T | undefined> {
      const r = await db('settings').where({ key }).first();
      return r ? (JSON.parse(str(r.value)) as T) : undefined;
    },
    async set(key: string, value: unknown): Promise<void> {
      await db('settings')
        .insert({ key, value: JSON.stringify(value) })
        .onConflict('key')
        .merge(['value']);
    },
  };
}

export function policiesRepo(db: Knex | Knex.Transaction) {
  return {
    async list(): Promise<PasswordPolicy[]> {
      return (await db('password_policies').orderBy('name')).map(toPolicy);
    },
    async byName(name: string): Promise<PasswordPolicy | undefined> {
      const r = await db('password_policies').whereRaw('lower(name) = ?', [name.toLowerCase()]).first();
      return r ? toPolicy(r) : undefined;
    },
    async byId(id: string): Promise<PasswordPolicy | undefined> {
      const r = await db('password_policies').where({ id }).first();
      return r ? toPolicy(r) : undefined;
    },
    async insert(p: PasswordPolicy, createdAt: string): Promise<void> {
      await db('password_policies').insert(policyRow(p, createdAt));
    },
    async update(p: PasswordPolicy): Promise<void> {
      const { id: _id, created_at: _c, ...rest } = policyRow(p, '');
      await db('password_policies').where({ id: p.id }).update(rest);
    },
    async remove(id: string): Promise<void> {
      await db('password_policies').where({ id }).delete();
    },
    async inUse(id: string): Promise<boolean> {
      return !!(
        (await db('resources').where({ policy_id: id }).first('id')) ||
        (await db('resource_groups').where({ policy_id: id }).first('id'))
      );
    },
  };
}
