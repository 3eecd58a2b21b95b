import { z } from 'zod';

/**
 * The schema of conf/custody.toml. Strict objects everywhere: a misspelt key is an error with its
 * path, never silently ignored. Snake case mirrors the file; `load.ts` hands out the parsed,
 * frozen object.
 */
const port = z.number().int().min(0).max(65535);
const host = z.string().min(1);
const nonEmptyPath = z.string().min(1);
const regex = z
  .string()
  .min(1)
  .max(500)
  .refine(
    (v) => {
      try {
        new RegExp(v, 'i');
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be a valid regular expression' },
  );

export const configSchema = z
  .strictObject({
    server: z
      .strictObject({
        ssh_host: host.default('127.0.0.1'),
        ssh_port: port.default(2222),
        // Reserved for the web listener, not built yet: nothing reads them. Still accepted because
        // `custody init` copied them into every home initialised before they were commented out.
        web_host: host.default('127.0.0.1'),
        web_port: port.default(7272),
        host_key_file: nonEmptyPath.default('keys/ssh_host_ed25519_key'),
      })
      .prefault({}),
    storage: z
      .strictObject({
        driver: z.enum(['sqlite', 'postgres']).default('sqlite'),
        sqlite_file: nonEmptyPath.default('data/custody.sqlite'),
        postgres_url: z
          .string()
          .default('')
          .refine((v) => v === '' || /^postgres(ql)?:\/\/[^:@/]+(@|\/|$)|^postgres(ql)?:\/\/[^@]*$/.test(v), {
            message: 'must be a postgres:// URL without a password (use postgres_password_file)',
          }),
        postgres_password_file: z.string().default(''),
      })
      .prefault({})
      .refine((s) => s.driver !== 'postgres' || s.postgres_url !== '', {
        message: 'postgres_url is required when driver = "postgres"',
        path: ['postgres_url'],
      }),
    crypto: z
      .strictObject({
        key_file: nonEmptyPath.default('keys/custody.key'),
        rotate_batch_size: z.number().int().min(1).max(100_000).default(500),
      })
      .prefault({}),
    security: z
      .strictObject({
        kdf_memory_kib: z.number().int().min(1024).max(4_194_304).default(65536),
        kdf_time_cost: z.number().int().min(1).max(50).default(3),
        kdf_parallelism: z.number().int().min(1).max(16).default(1),
        login_password_policy: z.string().min(1).default('Medium'),
        lockout_attempts: z.number().int().min(1).max(1000).default(5),
        lockout_source_attempts: z.number().int().min(1).max(10_000).default(20),
        lockout_minutes: z.number().int().min(1).max(10_080).default(15),
      })
      .prefault({}),
    vault: z
      .strictObject({
        enforce_policy_on_add: z.boolean().default(true),
        reveal_seconds: z.number().int().min(1).max(3600).default(10),
        clipboard_clear_seconds: z.number().int().min(5).max(3600).default(30),
        require_reason_to_reveal: z.boolean().default(false),
        default_password_policy: z.string().min(1).default('Strong'),
      })
      .prefault({}),
    audit: z
      .strictObject({
        password_admins_read_audit: z.boolean().default(false),
      })
      .prefault({}),
    recordings: z.strictObject({ dir: nonEmptyPath.default('recordings') }).prefault({}),
    telnet: z
      .strictObject({
        // Regular expressions (case-insensitive) matched against the end of what the device shows.
        // The defaults are protocols/prompts.ts's, shared by the gateway and the reset room
        // (test/protocols/prompts.test.ts fails when the two drift apart).
        login_prompt: regex.default('(login|username)\\s*:\\s*$'),
        password_prompt: regex.default('password\\s*:\\s*$'),
        failure_pattern: regex.default(
          '(login incorrect|authentication failed|access denied|% ?login invalid|% ?bad passwords?)',
        ),
        shell_prompt: regex.default('[$#>]\\s*$'),
      })
      .prefault({}),
    gateway: z
      .strictObject({
        node_name: z.string().min(1).max(100).default('node-1'),
        // The front door's algorithm lists (empty: the built-in modern choice; see the README's
        // Security section). ssh2 refuses a name it does not implement when the server starts.
        ssh_kex: z.array(z.string().min(1).max(100)).max(30).default([]),
        ssh_ciphers: z.array(z.string().min(1).max(100)).max(30).default([]),
        ssh_macs: z.array(z.string().min(1).max(100)).max(30).default([]),
        recording_failure: z.enum(['strict', 'best-effort']).default('strict'),
        idle_timeout_minutes: z.number().int().min(0).max(10_080).default(30),
        max_session_hours: z.number().min(0).max(168).default(12),
        connect_timeout_seconds: z.number().int().min(1).max(300).default(15),
        // Before authentication (README, Security), so that unauthenticated clients cannot exhaust
        // the node: connections not yet logged in, per source address and overall; how long one may
        // take to log in; login password hashing.
        max_preauth_per_source: z.number().int().min(1).max(10_000).default(10),
        max_preauth: z.number().int().min(1).max(100_000).default(200),
        login_grace_time: z.number().int().min(1).max(3600).default(60),
        hash_concurrency: z.number().int().min(0).max(64).default(0),
        hash_queue_max: z.number().int().min(1).max(10_000).default(64),
        hash_queue_per_source: z.number().int().min(1).max(10_000).default(4),
      })
      .prefault({}),
    quality_exit: z
      .strictObject({
        kind: z.enum(['none', 'command', 'http']).default('none'),
        // Run without a shell; the password goes to its standard input, never argv or env.
        command: z.string().default(''),
        args: z.array(z.string().max(1000)).max(50).default([]),
        url: z
          .string()
          .default('')
          .refine((v) => v === '' || /^https?:\/\/[^@\s]+$/.test(v), {
            message: 'must be an http:// or https:// URL without credentials',
          }),
        timeout_ms: z.number().int().min(50).max(60_000).default(3000),
      })
      .prefault({})
      .refine((q) => q.kind !== 'command' || q.command.startsWith('/'), {
        message: 'an absolute command path is required when kind = "command"',
        path: ['command'],
      })
      .refine((q) => q.kind !== 'http' || q.url !== '', {
        message: 'url is required when kind = "http"',
        path: ['url'],
      }),
    ticketing: z
      .strictObject({
        // The ticketing system's auth token (the other settings are in the database).
        auth_token_file: z.string().default(''),
      })
      .prefault({}),
    notify: z
      .strictObject({
        kind: z.enum(['log', 'smtp']).default('log'),
        smtp_host: z.string().default(''),
        smtp_port: port.default(25),
        smtp_from: z.string().max(254).default(''),
        smtp_tls: z.enum(['none', 'starttls', 'tls']).default('starttls'),
        smtp_user: z.string().max(254).default(''),
        // The password never goes in this file.
        smtp_password_file: z.string().default(''),
        timeout_ms: z.number().int().min(100).max(120_000).default(10_000),
        // The six password events: which are sent, where, and to whom.
        password_events: z
          .array(
            z.enum(['accessed', 'changed', 'share-changed', 'expired', 'policy-violated', 'out-of-sync']),
          )
          .default(['accessed', 'changed', 'share-changed', 'expired', 'policy-violated', 'out-of-sync']),
        password_event_channels: z.array(z.enum(['email', 'syslog', 'webhook'])).default([]),
        password_event_recipients: z
          .array(z.enum(['owner', 'shared', 'admins']))
          .default(['owner', 'shared', 'admins']),
        syslog_host: z.string().default(''),
        syslog_port: port.default(514),
        syslog_protocol: z.enum(['udp', 'tcp']).default('udp'),
        webhook_url: z.string().default(''),
        // The HMAC-SHA256 key lives in its own file, never here.
        webhook_secret_file: z.string().default(''),
        // The daily check (expired, policy violated) runs once a day at or after this UTC hour.
        daily_check_hour: z.number().int().min(0).max(23).default(1),
      })
      .prefault({})
      .refine((n) => n.kind !== 'smtp' || (n.smtp_host !== '' && /^[^@\s]+@[^@\s]+$/.test(n.smtp_from)), {
        message: 'smtp_host and an smtp_from address are required when kind = "smtp"',
        path: ['smtp_host'],
      })
      .refine((n) => !n.password_event_channels.includes('syslog') || n.syslog_host !== '', {
        message: 'syslog_host is required when password_event_channels has "syslog"',
        path: ['syslog_host'],
      })
      .refine(
        (n) =>
          !n.password_event_channels.includes('webhook') ||
          (/^https?:\/\//.test(n.webhook_url) && n.webhook_secret_file !== ''),
        {
          message:
            'an http(s) webhook_url and a webhook_secret_file are required when password_event_channels has "webhook"',
          path: ['webhook_url'],
        },
      ),
    rotation: z
      .strictObject({
        // Remote logins in flight at once during bulk verification and scheduled rotation.
        concurrency: z.number().int().min(1).max(32).default(4),
        // Nightly verification of every account against its target (UTC time of day).
        verify_nightly: z.boolean().default(true),
        verify_at: z
          .string()
          .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be HH:MM (UTC)' })
          .default('02:30'),
        // How often `custody server` looks for due rotations, pre-notifications and the nightly run.
        check_every_seconds: z.number().int().min(5).max(3600).default(60),
      })
      .prefault({}),
    log: z.strictObject({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info') }).prefault({}),
    // Cluster mode: on when redis_url is set (and [storage] names PostgreSQL); without it a node is
    // on its own, with the in-process live registry and no service to run.
    cluster: z
      .strictObject({
        redis_url: z
          .string()
          .default('')
          .refine((v) => v === '' || /^rediss?:\/\/[^:@/]*(:\d+)?(\/\d+)?$/.test(v), {
            message: 'must be a redis:// or rediss:// URL without a password',
          })
          .describe(
            'Redis for presence and the command bus between nodes (redis://host:port); empty: single node',
          ),
        node_name: z
          .string()
          .max(100)
          .regex(/^$|^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
            message: 'letters, digits, dot, dash and underscore only',
          })
          .default('')
          .describe(
            'this node in the cluster (unique per node); empty: the host name and SSH port; `custody server --node-name` overrides it',
          ),
        advertise_address: z
          .string()
          .default('')
          .refine((v) => v === '' || /^[^\s:]+:\d{1,5}$/.test(v), { message: 'must be HOST:PORT' })
          .describe('HOST:PORT other nodes reach this node at, over mutual TLS (node-to-node streams)'),
      })
      .prefault({})
      .describe('cluster mode: several nodes on one PostgreSQL and one Redis'),
  })
  .refine((c) => c.cluster.redis_url === '' || c.storage.driver === 'postgres', {
    message: 'cluster mode needs [storage] driver = "postgres": every node must share the same database',
    path: ['cluster', 'redis_url'],
  });

export type CustodyConfig = z.infer<typeof configSchema>;
