import { z } from 'zod';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../../protocols/rdp/virtual-channel.ts';

/**
 * The [rdp] table: RDP sessions in the browser.
 * Its own file so the keys of one TOML table are read, and changed, in one place; schema.ts
 * composes the tables into the whole file's schema.
 */
export const rdpSection = z
  .strictObject({
    // At most the channel layer's own bound on one message (a longer one from the server is
    // refused before it is buffered), so a text under this limit is never cut off below it.
    clipboard_max_bytes: z
      .number()
      .int()
      .min(1)
      .max(DEFAULT_MAX_MESSAGE_BYTES)
      .default(DEFAULT_MAX_MESSAGE_BYTES)
      .describe(
        'Longest clipboard text of an RDP session either way, in bytes as RDP carries it (UTF-16: two bytes a character for most text), at most 1 MiB. Longer text is refused and audited as refused with its size.',
      ),
  })
  .prefault({})
  .describe('RDP sessions in the browser.');
