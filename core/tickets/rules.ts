import { ValidationError } from '../errors.ts';

/**
 * The ticket rule engine of the ticketing integration, pure: no I/O.
 * Two rule families: "map" criteria compare a Custody column (resource name, account name, …)
 * with a ticket field; "value" criteria compare a ticket field with a literal. Each family has a
 * relation expression over criterion names (`C1 or (C2 and C3)`); without one, all must hold.
 */
export const MATCH_OPERATORS = [
  'EQUAL',
  'NOT_EQUAL',
  'CONTAINS',
  'NOT_CONTAINS',
  'STARTS_WITH',
  'ENDS_WITH',
  'LESS_THAN',
  'GREATER_THAN',
  'LESS_THAN_EQUAL',
  'GREATER_THAN_EQUAL',
] as const;
export type MatchOperator = (typeof MATCH_OPERATORS)[number];

/**
 * `[criteriaName, custodyColumn, ticketField, operator]`, the column order of the reference
 * product's `PMPTICKETCRITERIACOLUMNS`, so its rule sets carry over unchanged.
 */
export interface MapCriterion {
  name: string;
  column: string;
  field: string;
  op: MatchOperator;
}

/** `[criteriaName, ticketField, value, operator]`, the order of its `TICKETVALUECRITERIACOLUMNS`. */
export interface ValueCriterion {
  name: string;
  field: string;
  value: string;
  op: MatchOperator;
}

export interface TicketRules {
  mapCriteria: MapCriterion[];
  /** Relation over mapCriteria names; empty = all of them. */
  mapExpression: string;
  valueCriteria: ValueCriterion[];
  /** Relation over valueCriteria names; empty = all of them. */
  valueExpression: string;
  /**
   * Case-insensitive by default: ticket systems differ in how they capitalise states and names,
   * and the reference product does not say.
   */
  caseSensitive: boolean;
}

/** The default check when nothing else is configured: the ticket's status is not Closed. */
export const DEFAULT_VALUE_CRITERIA: ValueCriterion[] = [
  { name: 'C1', field: 'status', value: 'Closed', op: 'NOT_EQUAL' },
];

/** Custody's columns offered to map criteria (resource name, account name, …). */
export type CustodyColumns = Record<string, string>;

function asNumber(v: string): number | undefined {
  const t = v.trim();
  if (t !== '' && /^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  const d = Date.parse(t);
  return Number.isNaN(d) ? undefined : d;
}

/**
 * `first` is the Custody/ticket value and `second` the comparand (`CONTAINS` means first contains
 * second), the reading the reference product's rule sets assume.
 */
export function matches(op: MatchOperator, first: string, second: string, caseSensitive = false): boolean {
  const a = caseSensitive ? first : first.toLowerCase();
  const b = caseSensitive ? second : second.toLowerCase();
  switch (op) {
    case 'EQUAL':
      return a === b;
    case 'NOT_EQUAL':
      return a !== b;
    case 'CONTAINS':
      return a.includes(b);
    case 'NOT_CONTAINS':
      return !a.includes(b);
    case 'STARTS_WITH':
      return a.startsWith(b);
    case 'ENDS_WITH':
      return a.endsWith(b);
    default: {
      // Date-based (or numeric) comparisons; an unreadable value never matches.
      const x = asNumber(first);
      const y = asNumber(second);
      if (x === undefined || y === undefined) return false;
      if (op === 'LESS_THAN') return x < y;
      if (op === 'GREATER_THAN') return x > y;
      if (op === 'LESS_THAN_EQUAL') return x <= y;
      return x >= y;
    }
  }
}

type Token = { kind: 'name' | 'and' | 'or' | 'not' | '(' | ')'; text: string };

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(\(|\)|[A-Za-z_][A-Za-z0-9_]*)\s*/y;
  let i = 0;
  while (i < expr.length) {
    re.lastIndex = i;
    const m = re.exec(expr);
    if (!m) throw new ValidationError(`criteria expression: unexpected character at ${i + 1}`);
    i = re.lastIndex;
    const t = m[1]!;
    const lower = t.toLowerCase();
    if (t === '(' || t === ')') tokens.push({ kind: t, text: t });
    else if (lower === 'and' || lower === 'or' || lower === 'not') tokens.push({ kind: lower, text: t });
    else tokens.push({ kind: 'name', text: t });
  }
  return tokens;
}

/**
 * Evaluates `C1 or (C2 and not C3)`; `and` binds tighter than `or`. Unknown names and malformed
 * expressions are errors, never silently false.
 */
export function evaluateExpression(expr: string, values: ReadonlyMap<string, boolean>): boolean {
  const tokens = tokenize(expr);
  let pos = 0;
  const peek = () => tokens[pos];
  const fail = (why: string): never => {
    throw new ValidationError(`criteria expression '${expr.slice(0, 100)}': ${why}`, { field: 'expression' });
  };
  const primary = (): boolean => {
    const t = tokens[pos++];
    if (!t) return fail('ends too early');
    if (t.kind === 'not') return !primary();
    if (t.kind === '(') {
      const v = or();
      if (tokens[pos++]?.kind !== ')') fail("missing ')'");
      return v;
    }
    if (t.kind !== 'name') return fail(`unexpected '${t.text}'`);
    const v = values.get(t.text.toUpperCase());
    if (v === undefined) return fail(`unknown criterion '${t.text}'`);
    return v;
  };
  const and = (): boolean => {
    let v = primary();
    while (peek()?.kind === 'and') {
      pos++;
      const r = primary();
      v = v && r;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (peek()?.kind === 'or') {
      pos++;
      const r = and();
      v = v || r;
    }
    return v;
  };
  const result = or();
  if (pos !== tokens.length) fail(`unexpected '${tokens[pos]!.text}'`);
  return result;
}

function fieldOf(record: Record<string, string>, field: string): string | undefined {
  if (field in record) return record[field];
  const lower = field.toLowerCase();
  const key = Object.keys(record).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : record[key];
}

function combine(results: Map<string, boolean>, expression: string): boolean {
  if (results.size === 0) return true;
  if (expression.trim() === '') return [...results.values()].every(Boolean);
  return evaluateExpression(expression, results);
}

export interface TicketVerdict {
  ok: boolean;
  /** Names of the criteria that failed (for the audit trail and the one-line error). */
  failed: string[];
}

/** Applies both rule families to a ticket. A missing ticket field makes its criterion fail. */
export function evaluateTicket(
  rules: TicketRules,
  ticket: Record<string, string>,
  columns: CustodyColumns,
): TicketVerdict {
  const failed: string[] = [];
  const mapResults = new Map<string, boolean>();
  for (const c of rules.mapCriteria) {
    const first = fieldOf(columns, c.column);
    const second = fieldOf(ticket, c.field);
    const ok =
      first !== undefined && second !== undefined && matches(c.op, first, second, rules.caseSensitive);
    mapResults.set(c.name.toUpperCase(), ok);
    if (!ok) failed.push(c.name);
  }
  const valueCriteria = rules.valueCriteria.length ? rules.valueCriteria : DEFAULT_VALUE_CRITERIA;
  const valueExpression = rules.valueCriteria.length ? rules.valueExpression : '';
  const valueResults = new Map<string, boolean>();
  for (const c of valueCriteria) {
    const first = fieldOf(ticket, c.field);
    const ok = first !== undefined && matches(c.op, first, c.value, rules.caseSensitive);
    valueResults.set(c.name.toUpperCase(), ok);
    if (!ok) failed.push(c.name);
  }
  const ok = combine(mapResults, rules.mapExpression) && combine(valueResults, valueExpression);
  return { ok, failed: ok ? [] : failed };
}

/** Checks criteria names and that both expressions parse and name only defined criteria. */
export function validateRules(rules: TicketRules): void {
  for (const [list, expr, family] of [
    [rules.mapCriteria, rules.mapExpression, 'map'],
    [rules.valueCriteria, rules.valueExpression, 'value'],
  ] as const) {
    const names = new Map<string, boolean>();
    for (const c of list) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(c.name) || ['AND', 'OR', 'NOT'].includes(c.name.toUpperCase()))
        throw new ValidationError(`${family} criterion name '${c.name.slice(0, 40)}' is not valid`);
      if (names.has(c.name.toUpperCase()))
        throw new ValidationError(`${family} criterion '${c.name}' is defined twice`);
      if (!(MATCH_OPERATORS as readonly string[]).includes(c.op))
        throw new ValidationError(
          `${family} criterion '${c.name}': unknown operator '${String(c.op).slice(0, 40)}'`,
        );
      names.set(c.name.toUpperCase(), true);
    }
    if (expr.trim() !== '') evaluateExpression(expr, names);
  }
}
