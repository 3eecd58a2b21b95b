import type { Knex } from 'knex';
import type { Role, User, UserGroup, UserGroupSettings, UserStatus } from '../../model.ts';
import { bool, str, strOrNull, type Row } from './map.ts';

function toUser(r: Row): User {
  return {
    id: str(r.id),
    username: str(r.username),
    firstName: str(r.first_name),
    lastName: str(r.last_name),
    email: str(r.email),
    department: str(r.department),
    location: str(r.location),
    role: str(r.role) as Role,
    superAdmin: bool(r.super_admin),
    status: str(r.status) as UserStatus,
    passwordHash: strOrNull(r.password_hash),
    passwordChangedAt: strOrNull(r.password_changed_at),
    totpEnabled: bool(r.totp_enabled),
    treeRootName: strOrNull(r.tree_root_name),
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
  };
}

function toGroup(r: Row): UserGroup {
  return {
    id: str(r.id),
    name: str(r.name),
    description: str(r.description),
    exportIncludePasswords: bool(r.export_include_passwords),
    allowPersonal: bool(r.allow_personal),
    allowExportPersonal: bool(r.allow_export_personal),
    allowGrantManageCriteria: bool(r.allow_grant_manage_criteria),
    createdAt: str(r.created_at),
  };
}

const userColumns = {
  username: 'username',
  firstName: 'first_name',
  lastName: 'last_name',
  email: 'email',
  department: 'department',
  location: 'location',
  role: 'role',
  superAdmin: 'super_admin',
  status: 'status',
  passwordHash: 'password_hash',
  passwordChangedAt: 'password_changed_at',
  totpEnabled: 'totp_enabled',
  treeRootName: 'tree_root_name',
  updatedAt: 'updated_at',
} as const;

export function usersRepo(db: Knex | Knex.Transaction) {
  return {
    async byId(id: string): Promise<User | undefined> {
      const r = await db('users').where({ id }).first();
      return r ? toUser(r) : undefined;
    },
    async byName(username: string): Promise<User | undefined> {
      const r = await db('users').where({ username }).first();
      return r ? toUser(r) : undefined;
    },
    async list(): Promise<User[]> {
      return (await db('users').orderBy('username')).map(toUser);
    },
    async insert(u: User): Promise<void> {
      await db('users').insert({
        id: u.id,
        username: u.username,
        first_name: u.firstName,
        last_name: u.lastName,
        email: u.email,
        department: u.department,
        location: u.location,
        role: u.role,
        super_admin: u.superAdmin,
        status: u.status,
        password_hash: u.passwordHash,
        password_changed_at: u.passwordChangedAt,
        totp_enabled: u.totpEnabled,
        tree_root_name: u.treeRootName,
        created_at: u.createdAt,
        updated_at: u.updatedAt,
      });
    },
    async update(id: string, patch: Partial<Omit<User, 'id' | 'createdAt'>>): Promise<void> {
      const row: Row = {};
      for (const [k, col] of Object.entries(userColumns)) {
        if (k in patch) row[col] = (patch as Row)[k];
      }
      if (Object.keys(row).length) await db('users').where({ id }).update(row);
    },
    async remove(id: string): Promise<void> {
      await db('users').where({ id }).delete();
    },
    async countSuperAdmins(): Promise<number> {
      const r = await db('users').where({ super_admin: true }).count({ n: '*' }).first();
      return Number(r?.n ?? 0);
    },
  };
}

export function userGroupsRepo(db: Knex | Knex.Transaction) {
  return {
    async byId(id: string): Promise<UserGroup | undefined> {
      const r = await db('user_groups').where({ id }).first();
      return r ? toGroup(r) : undefined;
    },
    async byName(name: string): Promise<UserGroup | undefined> {
      const r = await db('user_groups').where({ name }).first();
      return r ? toGroup(r) : undefined;
    },
    async list(): Promise<UserGroup[]> {
      return (await db('user_groups').orderBy('name')).map(toGroup);
    },
    async insert(g: UserGroup): Promise<void> {
      await db('user_groups').insert({
        id: g.id,
        name: g.name,
        description: g.description,
        export_include_passwords: g.exportIncludePasswords,
        allow_personal: g.allowPersonal,
        allow_export_personal: g.allowExportPersonal,
        allow_grant_manage_criteria: g.allowGrantManageCriteria,
        created_at: g.createdAt,
      });
    },
    async updateSettings(id: string, s: Partial<UserGroupSettings>): Promise<void> {
      const row: Row = {};
      if (s.exportIncludePasswords !== undefined) row.export_include_passwords = s.exportIncludePasswords;
      if (s.allowPersonal !== undefined) row.allow_personal = s.allowPersonal;
      if (s.allowExportPersonal !== undefined) row.allow_export_personal = s.allowExportPersonal;
      if (s.allowGrantManageCriteria !== undefined)
        row.allow_grant_manage_criteria = s.allowGrantManageCriteria;
      if (Object.keys(row).length) await db('user_groups').where({ id }).update(row);
    },
    async remove(id: string): Promise<void> {
      await db('user_groups').where({ id }).delete();
    },
    async addMember(groupId: string, userId: string): Promise<void> {
      await db('user_group_members').insert({ group_id: groupId, user_id: userId }).onConflict().ignore();
    },
    async removeMember(groupId: string, userId: string): Promise<void> {
      await db('user_group_members').where({ group_id: groupId, user_id: userId }).delete();
    },
    async members(groupId: string): Promise<string[]> {
      return (await db('user_group_members').where({ group_id: groupId }).select('user_id')).map((r) =>
        str(r.user_id),
      );
    },
    async groupsOf(userId: string): Promise<UserGroup[]> {
      const rows = await db('user_groups')
        .join('user_group_members', 'user_groups.id', 'user_group_members.group_id')
        .where('user_group_members.user_id', userId)
        .select('user_groups.*');
      return rows.map(toGroup);
    },
  };
}
