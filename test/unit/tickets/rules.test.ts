import { describe, expect, it } from 'vitest';
import { CustodyError } from '../../../core/index.ts';
import {
  evaluateExpression,
  evaluateTicket,
  matches,
  validateRules,
  type TicketRules,
} from '../../../core/tickets/rules.ts';

const rules = (r: Partial<TicketRules>): TicketRules => ({
  mapCriteria: [],
  mapExpression: '',
  valueCriteria: [],
  valueExpression: '',
  caseSensitive: false,
  ...r,
});

describe('ticket match operators', () => {
  it.each([
    ['EQUAL', 'Open', 'open', true],
    ['EQUAL', 'Open', 'Closed', false],
    ['NOT_EQUAL', 'Open', 'closed', true],
    ['NOT_EQUAL', 'CLOSED', 'closed', false],
    ['CONTAINS', 'restart web01 please', 'WEB01', true],
    ['NOT_CONTAINS', 'restart web01', 'db01', true],
    ['STARTS_WITH', 'web01.example', 'web', true],
    ['STARTS_WITH', 'db01', 'web', false],
    ['ENDS_WITH', 'web01.example', '.EXAMPLE', true],
    ['LESS_THAN', '2026-01-01', '2026-06-01', true],
    ['GREATER_THAN', '2026-01-01T10:00:00Z', '2026-01-01T09:00:00Z', true],
    ['LESS_THAN_EQUAL', '5', '5', true],
    ['GREATER_THAN_EQUAL', '4', '5', false],
    ['LESS_THAN', 'not a date', '2026-01-01', false],
  ] as const)('%s(%j, %j) is %s', (op, a, b, want) => {
    expect(matches(op, a, b)).toBe(want);
  });

  it('compares case-sensitively when configured', () => {
    expect(matches('EQUAL', 'Open', 'open', true)).toBe(false);
    expect(matches('CONTAINS', 'Web01', 'web', true)).toBe(false);
  });
});

describe('criteria expressions', () => {
  const v = new Map([
    ['C1', false],
    ['C2', true],
    ['C3', true],
  ]);
  it.each([
    ['C1 or (C2 and C3)', true],
    ['C1 and C2', false],
    ['c1 OR c2', true],
    ['not C1 and C2', true],
    ['(C1 or C2) and not C3', false],
    ['C1 or C2 and C3', true], // and binds tighter
  ])('%s = %s', (expr, want) => {
    expect(evaluateExpression(expr, v)).toBe(want);
  });

  it.each(['C1 or', '(C1 or C2', 'C1 C2', 'C9 or C1', 'C1 & C2', ')'])(
    'rejects %j with E_VALIDATION',
    (expr) => {
      expect(() => evaluateExpression(expr, v)).toThrow(CustodyError);
    },
  );
});

describe('evaluateTicket', () => {
  const columns = { 'Resource Name': 'web01', 'User Name': 'alice', 'Account Name': 'root' };

  it('by default only checks that the ticket is not Closed', () => {
    expect(evaluateTicket(rules({}), { status: 'Open' }, columns).ok).toBe(true);
    expect(evaluateTicket(rules({}), { Status: 'closed' }, columns)).toEqual({ ok: false, failed: ['C1'] });
    // No status field at all: the criterion cannot be shown to hold.
    expect(evaluateTicket(rules({}), { subject: 'x' }, columns).ok).toBe(false);
  });

  it('applies map criteria (Custody column vs ticket field) with their relation', () => {
    const r = rules({
      mapCriteria: [
        { name: 'C1', column: 'Resource Name', field: 'asset', op: 'EQUAL' },
        { name: 'C2', column: 'User Name', field: 'requester', op: 'EQUAL' },
      ],
      mapExpression: 'C1 or C2',
    });
    expect(evaluateTicket(r, { status: 'Open', asset: 'WEB01', requester: 'bob' }, columns).ok).toBe(true);
    expect(evaluateTicket(r, { status: 'Open', asset: 'db01', requester: 'alice' }, columns).ok).toBe(true);
    const no = evaluateTicket(r, { status: 'Open', asset: 'db01', requester: 'bob' }, columns);
    expect(no).toEqual({ ok: false, failed: ['C1', 'C2'] });
    // Without an expression every map criterion must hold.
    expect(
      evaluateTicket(
        { ...r, mapExpression: '' },
        { status: 'Open', asset: 'web01', requester: 'bob' },
        columns,
      ).ok,
    ).toBe(false);
  });

  it('applies value criteria with the relation C1 or (C2 and C3)', () => {
    const r = rules({
      valueCriteria: [
        { name: 'C1', field: 'STATUS', value: 'Closed', op: 'NOT_EQUAL' },
        { name: 'C2', field: 'URGENCY', value: 'high', op: 'EQUAL' },
        { name: 'C3', field: 'IMPACT', value: 'high', op: 'EQUAL' },
      ],
      valueExpression: 'C1 or (C2 and C3)',
    });
    expect(evaluateTicket(r, { status: 'Closed', urgency: 'High', impact: 'HIGH' }, columns).ok).toBe(true);
    expect(evaluateTicket(r, { status: 'Closed', urgency: 'High', impact: 'low' }, columns).ok).toBe(false);
    expect(evaluateTicket(r, { status: 'Open', urgency: 'low', impact: 'low' }, columns).ok).toBe(true);
  });

  it('validateRules refuses duplicate names, bad operators and expressions naming unknown criteria', () => {
    const c = { name: 'C1', field: 'status', value: 'Closed', op: 'NOT_EQUAL' as const };
    expect(() => validateRules(rules({ valueCriteria: [c, c] }))).toThrow(/defined twice/);
    expect(() => validateRules(rules({ valueCriteria: [{ ...c, op: 'LIKE' as never }] }))).toThrow(
      /unknown operator/,
    );
    expect(() => validateRules(rules({ valueCriteria: [c], valueExpression: 'C1 or C2' }))).toThrow(
      /unknown criterion 'C2'/,
    );
    expect(() => validateRules(rules({ valueCriteria: [{ ...c, name: 'and' }] }))).toThrow(/not valid/);
    expect(() => validateRules(rules({ valueCriteria: [c], valueExpression: 'not C1' }))).not.toThrow();
  });
});
