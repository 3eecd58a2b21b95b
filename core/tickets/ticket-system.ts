import type { TicketRules } from './rules.ts';

/**
 * The ticketing system as core sees it. Implementations live outside core
 * (integrations/ticketing-http.ts) and are wired in by the composition root.
 */
export interface TicketSystem {
  /** The ticket's fields (names as the ticketing system spells them), or null if it does not exist. */
  lookup(ticketId: string): Promise<Record<string, string> | null>;
}

/** Ticketing settings, stored in the database (an administrator changes them at run time). */
export interface TicketingSettings extends TicketRules {
  enabled: boolean;
  /** The ticketing system's REST URL; `{id}` is replaced by the URL-encoded ticket id. */
  url: string;
  requireForRetrieve: boolean;
  requireForReset: boolean;
  /** Super administrators need no ticket (they see every password anyway). */
  exemptSuperAdmins: boolean;
  /**
   * The users allowed to retrieve / reset passwords without a ticket id: user names,
   * or `group:NAME` for every member of a user group.
   */
  retrieveWithoutTicket: string[];
  resetWithoutTicket: string[];
  timeoutMs: number;
}

export const DEFAULT_TICKETING: TicketingSettings = {
  enabled: false,
  url: '',
  requireForRetrieve: true,
  requireForReset: true,
  exemptSuperAdmins: true,
  retrieveWithoutTicket: [],
  resetWithoutTicket: [],
  timeoutMs: 5000,
  mapCriteria: [],
  mapExpression: '',
  valueCriteria: [],
  valueExpression: '',
  caseSensitive: false,
};

/** Builds the client for the current settings (the composition root supplies it). */
export type TicketSystemFactory = (settings: Readonly<TicketingSettings>) => TicketSystem;
