import { z } from 'zod';
import { port, host } from './primitives.ts';

/**
 * The [web] table: the HTTPS listener.
 * Its own file so the keys of one TOML table are read, and changed, in one place; schema.ts
 * composes the tables into the whole file's schema.
 */
export const webSection = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        'Whether `custody server` opens the HTTPS listener; `--web-port N` opens it whatever this says.',
      ),
    host: host.default('127.0.0.1').describe('Address the HTTPS listener binds.'),
    port: port.default(7443).describe('Port of the HTTPS listener; 0 picks a free port (printed at start).'),
    public_hosts: z
      .array(z.string().min(1).max(253))
      .max(20)
      .default(['localhost'])
      .describe(
        "Names browsers use to reach the listener: the self-signed certificate's subject alternative names (127.0.0.1 is always added) and the host of one-time link URLs (the first).",
      ),
    session_minutes: z
      .number()
      .int()
      .min(1)
      .max(1440)
      .default(60)
      .describe('A signed-in browser session ends this long after sign-in.'),
    cert_file: z
      .string()
      .default('')
      .describe('A real certificate (PEM); empty: the self-signed one `custody init` made under keys/.'),
    key_file: z
      .string()
      .default('')
      .describe("The real certificate's private key (PEM); set with cert_file."),
  })
  .prefault({})
  .refine((w) => (w.cert_file === '') === (w.key_file === ''), {
    message: 'cert_file and key_file are set together, or both left empty for the self-signed certificate',
    path: ['cert_file'],
  })
  .describe('The HTTPS listener: sign-in, recordings, live sessions, the REST API.');
