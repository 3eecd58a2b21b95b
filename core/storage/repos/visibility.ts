import type { Knex } from 'knex';
import type { Account, Criterion, Privilege, Resource, ResourceGroup } from '../../model.ts';
import { criteriaGroupSql, typeNames, type Driver, type SqlPart } from './criteria-sql.ts';
import { fold } from './fold.ts';
import { jsonArray, str, type Row } from './map.ts';
import { toAccount, toResource } from './vault.ts';

/** Who asks: a user id, and whether their scope is every password (super administrator or host). */
export interface VisibilityActor {
  userId: string;
  allPasswords: boolean;
}

/**
 * The strongest grant of each kind the actor holds on one account, before the sharing precedence
 * picks among them: `owner` when the actor owns the resource (or sees everything), and per level
 * (account, resource, resource groups) the grant that level would give — a grant to the user
 * beats grants to their user groups, several of one kind combine to the highest.
 */
export interface Grants {
  owner: boolean;
  account: Privilege | null;
  resource: Privilege | null;
  group: Privilege | null;
}

export interface VisibleRow {
  account: Account;
  resource: Resource;
  grants: Grants;
}

export interface VisibilityPage {
  /** How many accounts the actor sees (matching the search, when one is given). */
  total: number;
  rows: VisibleRow[];
}

export interface PageRequest {
  limit: number;
  offset: number;
  /**
   * Text that must appear (case-insensitively) in the account's `RESOURCE/ACCOUNT` name, a
   * resource or account field, or a custom value.
   */
  search?: string;
  /** Only the accounts of resources this group holds now (its static list, or its criteria). */
  group?: ResourceGroup;
}

const PRIVILEGES: readonly Privilege[] = ['view', 'modify', 'manage'];

/**
 * Grants are ranked in SQL as one number so a single MAX answers both precedence rules of a level:
 * privilege rank 1–3, plus 4 when granted to the user themself, so any user grant outranks every
 * user-group grant and, among user grants, the highest privilege wins.
 */
const GRANT_KEY = `(CASE sh.privilege WHEN 'view' THEN 1 WHEN 'modify' THEN 2 WHEN 'manage' THEN 3 ELSE 0 END)
  + (CASE WHEN sh.grantee_kind = 'user' THEN 4 ELSE 0 END)`;

function privilegeOfKey(key: unknown): Privilege | null {
  if (key === null || key === undefined) return null;
  const k = Number(key);
  return PRIVILEGES[(k > 4 ? k - 4 : k) - 1] ?? null;
}

const GRANT_CTES = `my_groups AS (SELECT group_id FROM user_group_members WHERE user_id = ?),
  mine AS (
    SELECT sh.object_kind, sh.object_id, ${GRANT_KEY} AS k FROM shares sh
    WHERE (sh.grantee_kind = 'user' AND sh.grantee_id = ?)
       OR (sh.grantee_kind = 'user-group' AND sh.grantee_id IN (SELECT group_id FROM my_groups)))`;

interface CriteriaShare {
  groupId: string;
  criteria: string;
  match: string;
  ownerId: string;
  ownerAllPasswords: boolean;
}

export function visibilityRepo(db: Knex | Knex.Transaction, driver: Driver) {
  const binaryOrder = driver === 'postgres' ? ' COLLATE "C"' : '';
  const find = (column: string) =>
    driver === 'postgres' ? `strpos(${column}, ?) > 0` : `instr(${column}, ?) > 0`;

  /** Type names are read only when a criterion tests the type (most criteria test names). */
  async function typeNamesIfTested(criteria: Criterion[][]): Promise<Map<string, string>> {
    return criteria.some((list) => list.some((c) => c.field === 'resource-type')) ? typeNames(db) : new Map();
  }

  /** The criteria groups shared with the actor, with what their containment rule needs. */
  async function criteriaShares(userId: string): Promise<CriteriaShare[]> {
    const rows = (await db.raw(
      `WITH ${GRANT_CTES}
       SELECT DISTINCT g.id, g.criteria, g.match, g.owner_id, o.role AS owner_role, o.super_admin AS owner_super
       FROM mine JOIN resource_groups g ON g.id = mine.object_id AND g.kind = 'criteria'
       JOIN users o ON o.id = g.owner_id
       WHERE mine.object_kind = 'group'`,
      [userId, userId],
    )) as unknown;
    return rowsOf(rows).map(criteriaShareOf);
  }

  /** The resources each criteria group holds, with the actor's grant key on that group. */
  async function criteriaGrantSql(
    userId: string,
    only?: { resourceId: string },
    known?: CriteriaShare[],
  ): Promise<SqlPart[]> {
    const shares = known ?? (await criteriaShares(userId));
    if (!shares.length) return [];
    const types = await typeNamesIfTested(shares.map((g) => jsonArray<Criterion>(g.criteria)));
    return shares.map((g) => {
      const pred = criteriaGroupSql(
        driver,
        { criteria: jsonArray(g.criteria), match: g.match === 'any' ? 'any' : 'all' },
        { id: g.ownerId, allPasswords: g.ownerAllPasswords },
        'cr',
        types,
      );
      return {
        sql: `SELECT cr.id AS resource_id, mine.k FROM mine JOIN resources cr ON ${only ? 'cr.id = ? AND ' : ''}(${pred.sql})
          WHERE mine.object_kind = 'group' AND mine.object_id = ?`,
        bindings: [...(only ? [only.resourceId] : []), ...pred.bindings, g.groupId],
      };
    });
  }

  /** The grant tables of one actor as common table expressions, criteria groups compiled in. */
  async function grantCtes(
    userId: string,
    only?: { resourceId: string },
    known?: CriteriaShare[],
  ): Promise<SqlPart> {
    const criteria = await criteriaGrantSql(userId, only, known);
    const groupBranches = [
      `SELECT gm.resource_id, mine.k FROM mine JOIN resource_groups sg ON sg.id = mine.object_id AND sg.kind = 'static'
        JOIN resource_group_members gm ON gm.group_id = sg.id WHERE mine.object_kind = 'group'${only ? ' AND gm.resource_id = ?' : ''}`,
      ...criteria.map((c) => c.sql),
    ];
    return {
      sql: `${GRANT_CTES},
        acc_grant AS (SELECT object_id AS account_id, MAX(k) AS k FROM mine WHERE object_kind = 'account' GROUP BY object_id),
        res_grant AS (SELECT object_id AS resource_id, MAX(k) AS k FROM mine WHERE object_kind = 'resource' GROUP BY object_id),
        grp_grant AS (SELECT resource_id, MAX(k) AS k FROM (${groupBranches.join(' UNION ALL ')}) gx GROUP BY resource_id)`,
      bindings: [userId, userId, ...(only ? [only.resourceId] : []), ...criteria.flatMap((c) => c.bindings)],
    };
  }

  /** The search as a predicate over `a` (and `r` only when `readsResource`). */
  function searchSql(search: string | undefined): SqlPart & { readsResource: boolean } {
    const needle = fold((search ?? '').trim());
    if (!needle) return { sql: '1 = 1', bindings: [], readsResource: false };
    // The fields of a resource are tested once per resource, not once per account: the accounts
    // of the resources that match are then one lookup each, and per account only its own name
    // and notes are read, which makes the pass over every account several times cheaper.
    // "RESOURCE/ACCOUNT" holds a text without '/' exactly when the resource's name or the
    // account's holds it, so the joined name is only built for a needle with a '/' in it
    // ("web01/ro" finds web01/root).
    const joinedName = needle.includes('/') ? ` OR ${find("r.name_folded || '/' || a.name_folded")}` : '';
    return {
      sql: `(a.resource_id IN (
          SELECT sr.id FROM resources sr
          WHERE ${find('sr.name_folded')} OR ${find('sr.description_folded')} OR ${find('sr.dns_name_folded')}
          UNION SELECT cv.owner_id FROM custom_values cv WHERE cv.owner_kind = 'resource'
            AND cv.value_text_folded IS NOT NULL AND ${find('cv.value_text_folded')})
        OR ${find('a.name_folded')} OR ${find('a.notes_folded')}${joinedName}
        OR a.id IN (SELECT cv.owner_id FROM custom_values cv WHERE cv.owner_kind = 'account'
                    AND cv.value_text_folded IS NOT NULL AND ${find('cv.value_text_folded')}))`,
      bindings: [needle, needle, needle, needle, needle, needle, ...(joinedName ? [needle] : []), needle],
      readsResource: joinedName !== '',
    };
  }

  async function groupSql(group: ResourceGroup | undefined): Promise<SqlPart> {
    if (!group) return { sql: '1 = 1', bindings: [] };
    if (group.kind === 'static')
      return {
        sql: 'a.resource_id IN (SELECT resource_id FROM resource_group_members WHERE group_id = ?)',
        bindings: [group.id],
      };
    const owner = await ownerOf(group.ownerId);
    if (!owner) return { sql: '1 = 0', bindings: [] };
    return criteriaGroupSql(driver, group, owner, 'r', await typeNamesIfTested([group.criteria]));
  }

  async function ownerOf(userId: string): Promise<{ id: string; allPasswords: boolean } | undefined> {
    const owner = (await db('users').where({ id: userId }).first('role', 'super_admin')) as Row | undefined;
    if (!owner) return undefined;
    const allPasswords =
      (owner.super_admin === true || owner.super_admin === 1 || owner.super_admin === '1') &&
      (owner.role === 'admin' || owner.role === 'password-admin');
    return { id: userId, allPasswords };
  }

  const ORDER = () =>
    `r.name_folded${binaryOrder}, r.name${binaryOrder}, a.name_folded${binaryOrder}, a.name${binaryOrder}`;

  const toRow = (r: Row, all: boolean): VisibleRow => {
    const account = toAccount({ ...r, id: r.a_id, name: r.a_name, created_at: r.a_created_at });
    const resource = toResource({
      ...r,
      id: r.r_id,
      name: r.r_name,
      created_at: r.r_created_at,
    });
    return {
      account,
      resource,
      grants: all
        ? { owner: true, account: null, resource: null, group: null }
        : {
            owner: r.is_owner === true || r.is_owner === 1 || r.is_owner === '1',
            account: privilegeOfKey(r.acc_k),
            resource: privilegeOfKey(r.res_k),
            group: privilegeOfKey(r.grp_k),
          },
    };
  };

  const COLUMNS = `a.id AS a_id, a.name AS a_name, a.created_at AS a_created_at, a.resource_id, a.notes, a.password_enc,
    a.password_changed_at, a.password_changed_by, a.credential_kind,
    r.id AS r_id, r.name AS r_name, r.created_at AS r_created_at, r.type_id, r.dns_name, r.port, r.description,
    r.department, r.location, r.url, r.domain_name, r.policy_id, r.owner_id, r.allow_port_forwarding, r.updated_at`;

  return {
    /**
     * The resources a criteria group holds now, ordered as `resources.list`: its criteria, and its owner's
     * reach (what the owner could manage directly, or everything for a super administrator).
     */
    async criteriaMembers(group: ResourceGroup): Promise<Resource[]> {
      const owner = await ownerOf(group.ownerId);
      if (!owner || group.kind !== 'criteria') return [];
      const pred = criteriaGroupSql(driver, group, owner, 'cr', await typeNamesIfTested([group.criteria]));
      const rows = rowsOf(
        await db.raw(`SELECT cr.* FROM resources cr WHERE ${pred.sql} ORDER BY cr.name`, pred.bindings),
      );
      return rows.map(toResource);
    },

    /**
     * One page of the accounts the actor sees ("All My Passwords"), in name order (resource, then
     * account; folded, then exact), with the grants that make each visible. Owned, shared on the
     * account, on the resource, or through a static or criteria group — to the user or to one of
     * their user groups; every account for a super administrator.
     */
    async page(actor: VisibilityActor, req: PageRequest): Promise<VisibilityPage> {
      const searched = searchSql(req.search);
      const inGroup = await groupSql(req.group);
      const search = {
        sql: `${searched.sql} AND ${inGroup.sql}`,
        bindings: [...searched.bindings, ...inGroup.bindings],
      };
      // The page carries the count (a window over every matching row, computed before LIMIT), so
      // a search is one pass over the accounts, not a count and then a page. Only a page past the
      // end, which has no row to carry it, asks for the count alone. Every account, unsearched, is
      // the exception: its count is the table's, and its page walks the name indexes in order.
      const pageOf = async (
        sql: string,
        countSql: string,
        bindings: (string | number)[],
        countBindings: (string | number)[],
        all: boolean,
        windowed = !(all && !req.search?.trim() && !req.group),
      ) => {
        const rows = rowsOf(
          await db.raw(sql.replace('/*total*/', windowed ? ', COUNT(*) OVER () AS total_n' : ''), [
            ...bindings,
            req.limit,
            req.offset,
          ]),
        );
        const total =
          windowed && rows.length
            ? Number(rows[0]!.total_n)
            : Number(rowsOf(await db.raw(countSql, countBindings))[0]?.n ?? 0);
        return { total, rows: rows.map((r) => toRow(r, all)) };
      };
      if (actor.allPasswords && driver === 'sqlite' && !req.group) {
        // Every account on SQLite: the page walks the name indexes in order (resources first,
        // which CROSS JOIN makes SQLite keep) and stops once it is full, and the count is a pass
        // over the accounts alone. A window count would make it sort every match instead: all
        // 100,000 accounts for a search as broad as the first letters typed.
        return pageOf(
          `SELECT ${COLUMNS} FROM resources r CROSS JOIN accounts a ON a.resource_id = r.id WHERE ${search.sql}
           ORDER BY ${ORDER()} LIMIT ? OFFSET ?`,
          `SELECT COUNT(*) AS n FROM accounts a${searched.readsResource ? ' JOIN resources r ON r.id = a.resource_id' : ''}
           WHERE ${search.sql}`,
          search.bindings,
          search.bindings,
          true,
          false,
        );
      }
      if (actor.allPasswords) {
        return pageOf(
          `SELECT ${COLUMNS} /*total*/ FROM resources r JOIN accounts a ON a.resource_id = r.id WHERE ${search.sql}
           ORDER BY ${ORDER()} LIMIT ? OFFSET ?`,
          `SELECT COUNT(*) AS n FROM accounts a JOIN resources r ON r.id = a.resource_id WHERE ${search.sql}`,
          search.bindings,
          search.bindings,
          true,
        );
      }
      const ctes = await grantCtes(actor.userId);
      const from = `FROM accounts a JOIN resources r ON r.id = a.resource_id
        LEFT JOIN acc_grant ag ON ag.account_id = a.id
        LEFT JOIN res_grant rg ON rg.resource_id = a.resource_id
        LEFT JOIN grp_grant gg ON gg.resource_id = a.resource_id
        WHERE (a.resource_id IN (SELECT id FROM resources WHERE owner_id = ?
                                 UNION SELECT resource_id FROM res_grant
                                 UNION SELECT resource_id FROM grp_grant)
               OR a.id IN (SELECT account_id FROM acc_grant))
          AND ${search.sql}`;
      return pageOf(
        `WITH ${ctes.sql} SELECT ${COLUMNS}, CASE WHEN r.owner_id = ? THEN 1 ELSE 0 END AS is_owner,
           ag.k AS acc_k, rg.k AS res_k, gg.k AS grp_k /*total*/ ${from}
         ORDER BY ${ORDER()} LIMIT ? OFFSET ?`,
        `WITH ${ctes.sql} SELECT COUNT(*) AS n ${from}`,
        [...ctes.bindings, actor.userId, actor.userId, ...search.bindings],
        [...ctes.bindings, actor.userId, ...search.bindings],
        false,
      );
    },

    /**
     * The actor's grants on one account of one resource (or on the resource alone when
     * `accountId` is null), as far as the sharing precedence needs them: when the account or the
     * resource holds a grant, `group` may leave criteria groups out (the group level cannot decide).
     */
    async grantsOn(
      userId: string,
      resourceId: string,
      accountId: string | null,
    ): Promise<Omit<Grants, 'owner'>> {
      // First round trip: the account, resource and static-group grants, and the criteria groups
      // shared with the actor. A grant on the account or the resource decides without any group,
      // and most actors hold no criteria-group share: then this is the only round trip.
      const only = { resourceId };
      const base = await grantCtes(userId, only, []);
      const rows = rowsOf(
        await db.raw(
          `WITH ${base.sql}
           SELECT 'grants' AS row_kind,
                  (SELECT k FROM acc_grant WHERE account_id = ?) AS acc_k,
                  (SELECT k FROM res_grant WHERE resource_id = ?) AS res_k,
                  (SELECT k FROM grp_grant WHERE resource_id = ?) AS grp_k,
                  NULL AS id, NULL AS criteria, NULL AS match, NULL AS owner_id, NULL AS owner_role, NULL AS owner_super
           UNION ALL
           SELECT DISTINCT 'criteria', CAST(NULL AS INTEGER), CAST(NULL AS INTEGER), CAST(NULL AS INTEGER), g.id, g.criteria, g.match, g.owner_id, o.role, o.super_admin
           FROM mine JOIN resource_groups g ON g.id = mine.object_id AND g.kind = 'criteria'
           JOIN users o ON o.id = g.owner_id
           WHERE mine.object_kind = 'group'`,
          [...base.bindings, accountId ?? '', resourceId, resourceId],
        ),
      );
      const r = rows.find((x) => x.row_kind === 'grants') ?? {};
      const grants = {
        account: accountId ? privilegeOfKey(r.acc_k) : null,
        resource: privilegeOfKey(r.res_k),
        group: privilegeOfKey(r.grp_k),
      };
      const criteria = rows.filter((x) => x.row_kind === 'criteria').map(criteriaShareOf);
      if (grants.account || grants.resource || !criteria.length) return grants;
      const full = await grantCtes(userId, only, criteria);
      const g = rowsOf(
        await db.raw(`WITH ${full.sql} SELECT (SELECT k FROM grp_grant WHERE resource_id = ?) AS grp_k`, [
          ...full.bindings,
          resourceId,
        ]),
      );
      return { ...grants, group: privilegeOfKey(g[0]?.grp_k) };
    },
  };
}

function criteriaShareOf(r: Row): CriteriaShare {
  return {
    groupId: str(r.id),
    criteria: str(r.criteria),
    match: str(r.match),
    ownerId: str(r.owner_id),
    ownerAllPasswords:
      (r.owner_super === true || r.owner_super === 1 || r.owner_super === '1') &&
      (r.owner_role === 'admin' || r.owner_role === 'password-admin'),
  };
}

/** knex.raw answers with the driver's own result: rows for SQLite, `{ rows }` for PostgreSQL. */
function rowsOf(result: unknown): Row[] {
  if (Array.isArray(result)) return result as Row[];
  return ((result as { rows?: Row[] }).rows ?? []) as Row[];
}
