import { z } from 'zod';

/**
 * The [quality_exit] table: the password-quality exit (a command or an HTTP service).
 * Its own file so the keys of one TOML table are read, and changed, in one place; schema.ts
 * composes the tables into the whole file's schema.
 */
export const qualityExitSection = z
  .strictObject({
    kind: z
      .enum(['none', 'command', 'http'])
      .default('none')
      .describe(
        'An external password-quality check on every new password: `none`, `command` (requires an absolute `command`) or `http` (requires `url`).',
      ),
    // Run without a shell; the password goes to its standard input, never argv or env.
    command: z
      .string()
      .default('')
      .describe(
        'For `kind = "command"`: absolute path of the program, run without a shell; it reads one JSON line holding the password on standard input, exits 0 to accept or 1 to deny, and its first output line is the message.',
      ),
    args: z
      .array(z.string().max(1000))
      .max(50)
      .default([])
      .describe('For `kind = "command"`: its arguments (never the password).'),
    url: z
      .string()
      .default('')
      .refine((v) => v === '' || /^https?:\/\/[^@\s]+$/.test(v), {
        message: 'must be an http:// or https:// URL without credentials',
      })
      .describe(
        'For `kind = "http"`: the http(s) URL, without credentials, that the same JSON is POSTed to; it answers `{"accept": true|false, "message": "…"}`.',
      ),
    timeout_ms: z
      .number()
      .int()
      .min(50)
      .max(60_000)
      .default(3000)
      .describe(
        'No answer within this time: super administrators fall back to the built-in policy check, everyone else is refused; both raise an alert.',
      ),
  })
  .prefault({})
  .refine((q) => q.kind !== 'command' || q.command.startsWith('/'), {
    message: 'an absolute command path is required when kind = "command"',
    path: ['command'],
  })
  .refine((q) => q.kind !== 'http' || q.url !== '', {
    message: 'url is required when kind = "http"',
    path: ['url'],
  })
  .describe('The password-quality exit (docs/administrators/policies.md).');
