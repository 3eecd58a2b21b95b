import { z } from 'zod';
import { port, host, nonEmptyPath } from './primitives.ts';

/**
 * The [server] table: the SSH front door (addresses, ports, host key).
 * Its own file so the keys of one TOML table are read, and changed, in one place; schema.ts
 * composes the tables into the whole file's schema.
 */
export const serverSection = z
  .strictObject({
    ssh_host: host.default('127.0.0.1').describe('Address the SSH front door listens on.'),
    ssh_port: port
      .default(2222)
      .describe('Port of the SSH front door; 0 picks a free port (the chosen one is printed).'),
    // Superseded by the [web] section (host, port): nothing reads them. Still accepted because
    // `custody init` copied them into every home initialised before they were commented out.
    web_host: host
      .default('127.0.0.1')
      .describe(
        'Superseded by `[web] host`: accepted (homes initialised earlier carry it) but nothing reads it.',
      ),
    web_port: port
      .default(7272)
      .describe(
        'Superseded by `[web] port` and `custody server --web-port`: accepted (homes initialised earlier carry it) but nothing reads it.',
      ),
    host_key_file: nonEmptyPath
      .default('keys/ssh_host_ed25519_key')
      .describe("The gateway's own SSH host key, generated at init and kept so clients can pin it."),
  })
  .prefault({})
  .describe('The SSH front door of this node.');
