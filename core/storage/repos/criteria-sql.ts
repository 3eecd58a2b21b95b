import type { Knex } from 'knex';
import type { Criterion, CriteriaOperator, ResourceGroup } from '../../model.ts';
import { criterionHolds } from '../../groups/criteria.ts';
import { fold } from './fold.ts';

/** A piece of SQL with its bound values, in order. */
export interface SqlPart {
  sql: string;
  bindings: (string | number)[];
}

export type Driver = 'sqlite' | 'postgres';

/** The criteria group's owner, as far as the containment rule needs to know them. */
export interface CriteriaOwner {
  id: string;
  /** A super administrator (administrator or password administrator): any resource qualifies. */
  allPasswords: boolean;
}

const TRUE: SqlPart = { sql: '1 = 1', bindings: [] };
const FALSE: SqlPart = { sql: '1 = 0', bindings: [] };

/**
 * One string test on a folded column, the SQL twin of `criterionHolds`: both sides are folded
 * already, so the database compares code points; lengths are counted in code points, as both
 * databases count characters.
 */
function stringTest(driver: Driver, op: CriteriaOperator, column: string, value: string): SqlPart {
  const w = fold(value);
  const n = [...w].length;
  const negate = (p: SqlPart): SqlPart => ({ sql: `NOT (${p.sql})`, bindings: p.bindings });
  switch (op) {
    case 'contains':
    case 'not-contains': {
      const find = driver === 'postgres' ? `strpos(${column}, ?) > 0` : `instr(${column}, ?) > 0`;
      const p = n === 0 ? TRUE : { sql: find, bindings: [w] };
      return op === 'contains' ? p : negate(p);
    }
    case 'equals':
      return { sql: `${column} = ?`, bindings: [w] };
    case 'not-equals':
      return { sql: `${column} <> ?`, bindings: [w] };
    case 'starts-with':
      return n === 0 ? TRUE : { sql: `substr(${column}, 1, ${n}) = ?`, bindings: [w] };
    case 'ends-with':
      if (n === 0) return TRUE;
      return driver === 'postgres'
        ? { sql: `right(${column}, ${n}) = ?`, bindings: [w] }
        : { sql: `substr(${column}, -${n}) = ?`, bindings: [w] };
  }
}

function criterionSql(
  driver: Driver,
  c: Criterion,
  resource: string,
  typeNames: ReadonlyMap<string, string>,
): SqlPart {
  switch (c.field) {
    case 'resource-name':
      return stringTest(driver, c.op, `${resource}.name_folded`, c.value);
    case 'resource-description':
      return stringTest(driver, c.op, `${resource}.description_folded`, c.value);
    case 'resource-type': {
      // Types are few: the test runs on each type name here, and the SQL keeps the types it holds for.
      const ids = [...typeNames].filter(([, name]) => criterionHolds(c.op, name, c.value)).map(([id]) => id);
      if (!ids.length) return FALSE;
      return { sql: `${resource}.type_id IN (${ids.map(() => '?').join(', ')})`, bindings: ids };
    }
    case 'account-name': {
      // Negative operators must hold for every account, positive ones for at least one.
      const negative = c.op === 'not-contains' || c.op === 'not-equals';
      const positiveOp: CriteriaOperator =
        c.op === 'not-contains' ? 'contains' : c.op === 'not-equals' ? 'equals' : c.op;
      const t = stringTest(driver, positiveOp, 'crit_acc.name_folded', c.value);
      return {
        sql: `${negative ? 'NOT ' : ''}EXISTS (SELECT 1 FROM accounts crit_acc WHERE crit_acc.resource_id = ${resource}.id AND ${t.sql})`,
        bindings: t.bindings,
      };
    }
  }
}

/**
 * Whether `resource` (an alias of the resources table) belongs to the criteria group, as SQL:
 * the SQL twin of `criteriaGroupContains`. The group only ever holds resources its owner could
 * manage directly (owned, or shared to the owner at resource level with manage), or any resource
 * when the owner is a super administrator.
 */
export function criteriaGroupSql(
  driver: Driver,
  group: Pick<ResourceGroup, 'criteria' | 'match'>,
  owner: CriteriaOwner,
  resource: string,
  typeNames: ReadonlyMap<string, string>,
): SqlPart {
  if (group.criteria.length === 0) return FALSE;
  const parts = group.criteria.map((c) => criterionSql(driver, c, resource, typeNames));
  // Parenthesised whole: callers join it to other conditions with AND.
  const joined: SqlPart = {
    sql: `(${parts.map((p) => `(${p.sql})`).join(group.match === 'any' ? ' OR ' : ' AND ')})`,
    bindings: parts.flatMap((p) => p.bindings),
  };
  if (owner.allPasswords) return joined;
  return {
    sql: `(${resource}.owner_id = ? OR EXISTS (SELECT 1 FROM shares crit_sh WHERE crit_sh.object_kind = 'resource'
      AND crit_sh.object_id = ${resource}.id AND crit_sh.privilege = 'manage'
      AND ((crit_sh.grantee_kind = 'user' AND crit_sh.grantee_id = ?)
        OR (crit_sh.grantee_kind = 'user-group' AND crit_sh.grantee_id IN
          (SELECT crit_ug.group_id FROM user_group_members crit_ug WHERE crit_ug.user_id = ?)))))
      AND (${joined.sql})`,
    bindings: [owner.id, owner.id, owner.id, ...joined.bindings],
  };
}

/** Every resource type's id and name: what a type criterion is tested on. */
export async function typeNames(db: Knex | Knex.Transaction): Promise<Map<string, string>> {
  const rows = (await db('resource_types').select('id', 'name')) as { id: string; name: string }[];
  return new Map(rows.map((r) => [String(r.id), String(r.name)]));
}
