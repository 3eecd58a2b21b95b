import type { Criterion, ResourceGroup } from '../model.ts';

/** What a criteria group can test a resource on: its name, type, description, accounts. */
export interface CriteriaSubject {
  name: string;
  typeName: string;
  description: string;
  accountNames: string[];
}

/** Case-insensitive, as an operator typing "contains web" expects. */
export function criterionHolds(op: Criterion['op'], actual: string, wanted: string): boolean {
  const a = actual.toLowerCase();
  const w = wanted.toLowerCase();
  switch (op) {
    case 'contains':
      return a.includes(w);
    case 'not-contains':
      return !a.includes(w);
    case 'equals':
      return a === w;
    case 'not-equals':
      return a !== w;
    case 'starts-with':
      return a.startsWith(w);
    case 'ends-with':
      return a.endsWith(w);
  }
}

function matchOne(c: Criterion, s: CriteriaSubject): boolean {
  switch (c.field) {
    case 'resource-name':
      return criterionHolds(c.op, s.name, c.value);
    case 'resource-type':
      return criterionHolds(c.op, s.typeName, c.value);
    case 'resource-description':
      return criterionHolds(c.op, s.description, c.value);
    case 'account-name':
      // Negative operators must hold for every account ("no account contains x"); positive ones
      // for at least one — otherwise "not-contains" would match almost any multi-account resource.
      if (c.op === 'not-contains' || c.op === 'not-equals')
        return s.accountNames.every((n) => criterionHolds(c.op, n, c.value));
      return s.accountNames.some((n) => criterionHolds(c.op, n, c.value));
  }
}

/** Whether criteria combine with AND or OR is the group's choice, `match` (default: all). */
export function matchesCriteria(g: Pick<ResourceGroup, 'criteria' | 'match'>, s: CriteriaSubject): boolean {
  if (g.criteria.length === 0) return false;
  return g.match === 'any' ? g.criteria.some((c) => matchOne(c, s)) : g.criteria.every((c) => matchOne(c, s));
}
