import { z } from 'zod';
import { regex } from './primitives.ts';

/**
 * The [telnet] table: the prompt patterns automatic Telnet login recognises.
 * Its own file so the keys of one TOML table are read, and changed, in one place; schema.ts
 * composes the tables into the whole file's schema.
 */
export const telnetSection = z
  .strictObject({
    // Regular expressions (case-insensitive) matched against the end of what the device shows.
    // The defaults are protocols/prompts.ts's, shared by the gateway and the reset room
    // (test/protocols/prompts.test.ts fails when the two drift apart).
    login_prompt: regex.default('(login|username)\\s*:\\s*$').describe('The login (user name) prompt.'),
    password_prompt: regex.default('password\\s*:\\s*$').describe('The password prompt.'),
    failure_pattern: regex
      .default('(login incorrect|authentication failed|access denied|% ?login invalid|% ?bad passwords?)')
      .describe("A refused login (Unix `login` refusals and IOS's `% Login invalid`, `% Bad passwords`)."),
    shell_prompt: regex.default('[$#>]\\s*$').describe('The shell prompt that says the login succeeded.'),
  })
  .prefault({})
  .describe(
    "How automatic Telnet login, and the login step of Telnet and device resets, recognise a device's prompts: regular expressions (at most 500 characters), case-insensitive, matched against the end of what the device has shown. The defaults are `protocols/prompts.ts`'s. In TOML, literal strings ('…') need no escaping.",
  );
