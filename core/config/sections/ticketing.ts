import { z } from 'zod';

/**
 * The [ticketing] table: ticket validation.
 * Its own file so the keys of one TOML table are read, and changed, in one place; schema.ts
 * composes the tables into the whole file's schema.
 */
export const ticketingSection = z
  .strictObject({
    // The ticketing system's auth token (the other settings are in the database).
    auth_token_file: z
      .string()
      .default('')
      .describe(
        "File holding the ticketing system's auth token, sent as `Authorization: Basic <token>` unless it starts with a scheme. Kept here, not in the database settings, so no Custody administrator can point it at another file.",
      ),
  })
  .prefault({})
  .describe('Ticket validation; the other settings are in the database (`custody ticketing`).');
