import { isSuperAdmin, type Actor } from '../authz/actor.ts';
import type { CoreContext, OpScope } from '../context.ts';
import { CustodyError, ForbiddenError, ValidationError } from '../errors.ts';
import type { Account, Resource } from '../model.ts';
import type { Repos } from '../storage/repos/index.ts';
import { z } from 'zod';
import { evaluateTicket, MATCH_OPERATORS, validateRules } from './rules.ts';
import { DEFAULT_TICKETING, type TicketingSettings } from './ticket-system.ts';

const KEY = 'ticketing';

const name = z.string().min(1).max(40);
const text = z.string().max(200);
/** What an administrator may change; unknown keys and wrong types are refused with their path. */
const patchSchema = z
  .strictObject({
    enabled: z.boolean(),
    url: z.string().max(1000),
    requireForRetrieve: z.boolean(),
    requireForReset: z.boolean(),
    exemptSuperAdmins: z.boolean(),
    retrieveWithoutTicket: z.array(z.string().min(1).max(110)).max(500),
    resetWithoutTicket: z.array(z.string().min(1).max(110)).max(500),
    timeoutMs: z.number().int(),
    mapCriteria: z
      .array(z.strictObject({ name, column: text, field: text, op: z.enum(MATCH_OPERATORS) }))
      .max(50),
    mapExpression: z.string().max(1000),
    valueCriteria: z
      .array(z.strictObject({ name, field: text, value: text, op: z.enum(MATCH_OPERATORS) }))
      .max(50),
    valueExpression: z.string().max(1000),
    caseSensitive: z.boolean(),
  })
  .partial();

export async function readTicketing(repos: Repos): Promise<TicketingSettings> {
  return { ...DEFAULT_TICKETING, ...((await repos.settings.get<Partial<TicketingSettings>>(KEY)) ?? {}) };
}

/** The settings key the ticketing settings are stored under (for reading them with other rows). */
export const TICKETING_SETTINGS_KEY = KEY;

/** The ticketing settings from their stored JSON text (undefined: never set), as readTicketing reads them. */
export function ticketingFromStored(stored: string | undefined): TicketingSettings {
  return {
    ...DEFAULT_TICKETING,
    ...(stored === undefined ? {} : (JSON.parse(stored) as Partial<TicketingSettings>)),
  };
}

export type TicketRequestType = 'RETRIEVAL' | 'RESET';

/** Ticketing-system integration: settings and the check made before a retrieve or reset. */
export class TicketingService {
  constructor(private readonly ctx: CoreContext) {}

  async get(actor: Actor): Promise<TicketingSettings> {
    this.ctx.authz.require(actor, 'settings.change');
    return this.ctx.store.read(readTicketing);
  }

  async configure(actor: Actor, patch: Partial<TicketingSettings>): Promise<TicketingSettings> {
    return this.ctx.run(actor, 'settings.change', { kind: 'setting', name: KEY }, async (s) => {
      this.ctx.authz.require(actor, 'settings.change');
      const parsed = patchSchema.safeParse(patch);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new ValidationError(`ticketing: ${issue.path.join('.') || '(settings)'}: ${issue.message}`);
      }
      const next: TicketingSettings = {
        ...(await readTicketing(s.repos)),
        ...(parsed.data as Partial<TicketingSettings>),
      };
      validateRules(next);
      if (next.enabled && !/^https?:\/\//.test(next.url))
        throw new ValidationError('ticketing url must be an http:// or https:// URL', { field: 'url' });
      if (!Number.isInteger(next.timeoutMs) || next.timeoutMs < 100 || next.timeoutMs > 60_000)
        throw new ValidationError('ticketing timeoutMs must be 100–60000', { field: 'timeoutMs' });
      await s.repos.settings.set(KEY, next);
      await s.audit('settings.change', { kind: 'setting', name: KEY }, { fields: Object.keys(parsed.data) });
      return next;
    });
  }
}

/**
 * Called inside a retrieve or reset operation, after the ordinary authorization (may this actor
 * view, or reset, this password at all): a ticket narrows what authorization allows, it never
 * widens it. Refusals are E_FORBIDDEN with one line naming the reason, never the ticket's
 * contents; success and refusal are both audited with the ticket id.
 */
export async function enforceTicket(
  ctx: CoreContext,
  s: OpScope,
  actor: Actor,
  req: {
    type: TicketRequestType;
    resource: Resource;
    account: Account;
    ticketId: string | undefined;
    /** The settings as the caller read them in this transaction (else read here). */
    settings?: TicketingSettings;
  },
): Promise<string | undefined> {
  const settings = req.settings ?? (await readTicketing(s.repos));
  const required = req.type === 'RETRIEVAL' ? settings.requireForRetrieve : settings.requireForReset;
  if (!settings.enabled || !required) return undefined;
  if (settings.exemptSuperAdmins && isSuperAdmin(actor)) return undefined;
  const allowed = req.type === 'RETRIEVAL' ? settings.retrieveWithoutTicket : settings.resetWithoutTicket;
  if (allowed.includes(actor.user.username)) return undefined;
  if (allowed.some((a) => a.startsWith('group:'))) {
    const groups = await s.repos.userGroups.groupsOf(actor.user.id);
    if (groups.some((g) => allowed.includes(`group:${g.name}`))) return undefined;
  }
  const ref = `${req.resource.name}/${req.account.name}`;
  const ticketId = (req.ticketId ?? '').trim();
  const deny = (why: string, details: Record<string, unknown> = {}): never => {
    s.auditIfFails(
      'ticket.denied',
      { kind: 'account', name: ref },
      { ticket: ticketId, type: req.type, why, ...details },
    );
    throw new ForbiddenError(why, { ticket: ticketId });
  };
  if (!ticketId) return deny('a ticket id is required for this operation (--ticket ID)');
  if (ticketId.length > 100 || !/^[\w.:#/-]+$/.test(ticketId)) return deny('the ticket id is not valid');
  const factory = ctx.deps.ticketSystemFactory;
  if (!factory) return deny('ticket validation is on but no ticketing system is configured on this node');
  let ticket: Record<string, string> | null;
  try {
    ticket = await factory(settings).lookup(ticketId);
  } catch (e) {
    const line = (e instanceof CustodyError ? e.message : String((e as Error)?.message ?? e)).split('\n')[0]!;
    return deny(`ticketing system unavailable: ${line.slice(0, 200)}`);
  }
  if (!ticket) return deny(`ticket '${ticketId}' does not exist`);
  const type = await s.repos.types.byId(req.resource.typeId);
  const columns: Record<string, string> = {
    'User Name': actor.user.username,
    'Resource Name': req.resource.name,
    'DNS Name': req.resource.dnsName,
    'Account Name': req.account.name,
    'User Account': req.account.name,
    'Resource Type': type?.name ?? '',
    'Resource Description': req.resource.description,
    Department: req.resource.department,
    Location: req.resource.location,
    'Domain Name': req.resource.domainName,
    'Request Type': req.type,
  };
  const verdict = evaluateTicket(settings, ticket, columns);
  if (!verdict.ok)
    return deny(`ticket '${ticketId}' does not allow this (failed: ${verdict.failed.join(', ')})`, {
      failed: verdict.failed,
    });
  await s.audit('ticket.validated', { kind: 'account', name: ref }, { ticket: ticketId, type: req.type });
  return ticketId;
}
