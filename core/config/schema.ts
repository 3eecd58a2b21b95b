import { z } from 'zod';

/**
 * The schema of conf/custody.toml. Strict objects everywhere: a misspelt key is an error with its
 * path, never silently ignored. Snake case mirrors the file; `load.ts` hands out the parsed,
 * frozen object. Every section and key carries a `.describe()` text: docs/configuration.md is
 * generated from them (`npm run docs:config`), and a test fails when a key has none or the page
 * is out of date.
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
      .describe('The SSH front door of this node.'),
    storage: z
      .strictObject({
        driver: z
          .enum(['sqlite', 'postgres'])
          .default('sqlite')
          .describe('`sqlite` (embedded, nothing else to run) or `postgres` (cluster mode).'),
        sqlite_file: nonEmptyPath
          .default('data/custody.sqlite')
          .describe('The SQLite database file (WAL mode).'),
        postgres_url: z
          .string()
          .default('')
          .refine((v) => v === '' || /^postgres(ql)?:\/\/[^:@/]+(@|\/|$)|^postgres(ql)?:\/\/[^@]*$/.test(v), {
            message: 'must be a postgres:// URL without a password (use postgres_password_file)',
          })
          .describe(
            'For `driver = "postgres"` (required then): the connection URL, without a password (`postgres://user@host:5432/db`).',
          ),
        postgres_password_file: z
          .string()
          .default('')
          .describe(
            'File holding the PostgreSQL password, so it never sits in this file or in a process argument; empty: none.',
          ),
      })
      .prefault({})
      .refine((s) => s.driver !== 'postgres' || s.postgres_url !== '', {
        message: 'postgres_url is required when driver = "postgres"',
        path: ['postgres_url'],
      })
      .describe('Where the vault, the audit trail and every other record are kept.'),
    crypto: z
      .strictObject({
        key_file: nonEmptyPath
          .default('keys/custody.key')
          .describe(
            'The key file (master keys and the audit key). It must live outside the data folder, checked by real path at every open, so a copy of the database or of a backup is never enough to read a secret.',
          ),
        rotate_batch_size: z
          .number()
          .int()
          .min(1)
          .max(100_000)
          .default(500)
          .describe('Secrets re-encrypted per transaction by `custody key rotate`.'),
      })
      .prefault({})
      .describe('The keys that seal every secret.'),
    security: z
      .strictObject({
        kdf_memory_kib: z
          .number()
          .int()
          .min(1024)
          .max(4_194_304)
          .default(65536)
          .describe('Argon2id memory cost for login passwords, in KiB.'),
        kdf_time_cost: z
          .number()
          .int()
          .min(1)
          .max(50)
          .default(3)
          .describe('Argon2id time cost (iterations).'),
        kdf_parallelism: z.number().int().min(1).max(16).default(1).describe('Argon2id parallelism (lanes).'),
        login_password_policy: z
          .string()
          .min(1)
          .default('Medium')
          .describe('The password policy login passwords must satisfy (a built-in or custom policy name).'),
        lockout_attempts: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .default(5)
          .describe('Failed logins in a row that lock a user name for `lockout_minutes`.'),
        lockout_source_attempts: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .default(20)
          .describe(
            'Failed logins within `lockout_minutes` that lock a source address (higher: one address may serve many people, e.g. behind NAT).',
          ),
        lockout_minutes: z
          .number()
          .int()
          .min(1)
          .max(10_080)
          .default(15)
          .describe('How long a lockout lasts, and the window in which an address’s failures are counted.'),
      })
      .prefault({})
      .describe('Login password hashing and lockout.'),
    vault: z
      .strictObject({
        enforce_policy_on_add: z
          .boolean()
          .default(true)
          .describe(
            "Check account passwords against the resource's policy when accounts are added or imported.",
          ),
        reveal_seconds: z
          .number()
          .int()
          .min(1)
          .max(3600)
          .default(10)
          .describe('Seconds a password revealed in the console stays on screen.'),
        clipboard_clear_seconds: z
          .number()
          .int()
          .min(5)
          .max(3600)
          .default(30)
          .describe("Seconds after a copy (OSC 52) before the console overwrites the operator's clipboard."),
        require_reason_to_reveal: z
          .boolean()
          .default(false)
          .describe('Ask for a reason before revealing a password.'),
        default_password_policy: z
          .string()
          .min(1)
          .default('Strong')
          .describe('The policy used when a resource has none of its own and no group sets one.'),
      })
      .prefault({})
      .describe('Revealing, copying and checking vaulted passwords.'),
    audit: z
      .strictObject({
        password_admins_read_audit: z
          .boolean()
          .default(false)
          .describe(
            'Whether password administrators may read the audit trail (off: only administrators and auditors; the guide leaves it open).',
          ),
      })
      .prefault({})
      .describe('Who reads the audit trail.'),
    recordings: z
      .strictObject({
        dir: nonEmptyPath
          .default('recordings')
          .describe(
            'Folder of the session recordings (one encrypted, signed `.rec` file per session under `YYYY/MM/`).',
          ),
        search_index: z
          .boolean()
          .default(true)
          .describe(
            'Index what sessions showed and typed for `recordings search`; the index is plaintext inside the database (not under the recordings folder).',
          ),
        retention_days: z
          .number()
          .int()
          .min(0)
          .max(36_500)
          .default(0)
          .describe('Recordings older than this many days are purged daily (held ones never); 0 keeps all.'),
      })
      .prefault({})
      .describe('Session recordings.'),
    telnet: z
      .strictObject({
        // Regular expressions (case-insensitive) matched against the end of what the device shows.
        // The defaults are protocols/prompts.ts's, shared by the gateway and the reset room
        // (test/protocols/prompts.test.ts fails when the two drift apart).
        login_prompt: regex.default('(login|username)\\s*:\\s*$').describe('The login (user name) prompt.'),
        password_prompt: regex.default('password\\s*:\\s*$').describe('The password prompt.'),
        failure_pattern: regex
          .default('(login incorrect|authentication failed|access denied|% ?login invalid|% ?bad passwords?)')
          .describe(
            "A refused login (Unix `login` refusals and IOS's `% Login invalid`, `% Bad passwords`).",
          ),
        shell_prompt: regex.default('[$#>]\\s*$').describe('The shell prompt that says the login succeeded.'),
      })
      .prefault({})
      .describe(
        "How automatic Telnet login, and the login step of Telnet and device resets, recognise a device's prompts: regular expressions (at most 500 characters), case-insensitive, matched against the end of what the device has shown. The defaults are `protocols/prompts.ts`'s. In TOML, literal strings ('…') need no escaping.",
      ),
    gateway: z
      .strictObject({
        node_name: z
          .string()
          .min(1)
          .max(100)
          .default('node-1')
          .describe('Name of this node in live-session listings.'),
        // The front door's algorithm lists (empty: the built-in modern choice; see docs/security.md).
        // ssh2 refuses a name it does not implement when the server starts.
        ssh_kex: z
          .array(z.string().min(1).max(100))
          .max(30)
          .default([])
          .describe(
            "The front door's key exchanges, most preferred first. Empty: the built-in modern choice (curve25519, MODP 4096–8192 with SHA-512).",
          ),
        ssh_ciphers: z
          .array(z.string().min(1).max(100))
          .max(30)
          .default([])
          .describe(
            "The front door's ciphers, most preferred first. Empty: chacha20-poly1305, AES-GCM, AES-CTR.",
          ),
        ssh_macs: z
          .array(z.string().min(1).max(100))
          .max(30)
          .default([])
          .describe("The front door's MACs, most preferred first. Empty: encrypt-then-MAC SHA-2."),
        recording_failure: z
          .enum(['strict', 'best-effort'])
          .default('strict')
          .describe(
            'When writing a recording fails: `strict` ends the session with a message (and shows output only once recorded), `best-effort` warns the operator once and carries on.',
          ),
        idle_timeout_minutes: z
          .number()
          .int()
          .min(0)
          .max(10_080)
          .default(30)
          .describe(
            "A session with no input or output for this long is ended (0 = never); on an RDP desktop only the operator's input counts, since a desktop redraws with nobody at it.",
          ),
        max_session_hours: z
          .number()
          .min(0)
          .max(168)
          .default(12)
          .describe('No session lasts longer than this (0 = unlimited).'),
        connect_timeout_seconds: z
          .number()
          .int()
          .min(1)
          .max(300)
          .default(15)
          .describe('Budget for reaching a target through its landing servers and logging in.'),
        // Before authentication (docs/security.md), so that unauthenticated clients cannot exhaust
        // the node: connections not yet logged in, per source address and overall; how long one may
        // take to log in; login password hashing.
        max_preauth_per_source: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .default(10)
          .describe(
            'Connections not yet logged in from one source address; one more is closed at once (logged once a minute per address).',
          ),
        max_preauth: z
          .number()
          .int()
          .min(1)
          .max(100_000)
          .default(200)
          .describe('Connections not yet logged in, overall; one more is closed at once.'),
        login_grace_time: z
          .number()
          .int()
          .min(1)
          .max(3600)
          .default(60)
          .describe('Seconds a connection has to log in (password, then TOTP) before it is closed.'),
        hash_concurrency: z
          .number()
          .int()
          .min(0)
          .max(64)
          .default(0)
          .describe(
            'Login password hashes (Argon2) computed at once; 0 = automatic (CPU count − 1, at most 3).',
          ),
        hash_queue_max: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .default(64)
          .describe('Logins waiting for a hash, overall; beyond it the answer is "try again".'),
        hash_queue_per_source: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .default(4)
          .describe('Logins waiting for a hash, per source address.'),
      })
      .prefault({})
      .describe('Sessions through the gateway, and the front door before login.'),
    quality_exit: z
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
      .describe('The password-quality exit (docs/administrators/policies.md).'),
    ticketing: z
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
      .describe('Ticket validation; the other settings are in the database (`custody ticketing`).'),
    notify: z
      .strictObject({
        kind: z
          .enum(['log', 'smtp'])
          .default('log')
          .describe(
            'Access-control notifications (requests to the authorisers, decisions to the requester): `log` writes them to the operation log, `smtp` e-mails them (requires `smtp_host` and an `smtp_from` address).',
          ),
        smtp_host: z.string().default('').describe('For `kind = "smtp"`: the mail server.'),
        smtp_port: port.default(25).describe('The mail server’s port.'),
        smtp_from: z.string().max(254).default('').describe('The sender address.'),
        smtp_tls: z
          .enum(['none', 'starttls', 'tls'])
          .default('starttls')
          .describe(
            '`starttls` (required), `tls` (implicit, usually port 465) or `none` (a loopback relay only).',
          ),
        smtp_user: z.string().max(254).default('').describe('The SMTP user name; empty: no authentication.'),
        // The password never goes in this file.
        smtp_password_file: z
          .string()
          .default('')
          .describe('File holding the SMTP password (mode 0600); the password never goes in this file.'),
        timeout_ms: z
          .number()
          .int()
          .min(100)
          .max(120_000)
          .default(10_000)
          .describe('Time limit for one delivery.'),
        // The six password events: which are sent, where, and to whom.
        password_events: z
          .array(
            z.enum(['accessed', 'changed', 'share-changed', 'expired', 'policy-violated', 'out-of-sync']),
          )
          .default(['accessed', 'changed', 'share-changed', 'expired', 'policy-violated', 'out-of-sync'])
          .describe(
            'Which of the six password events are sent: accessed (reveal), changed (change, reset, sync publish), share-changed, expired and policy-violated (daily check), out-of-sync (verification). They never carry a password.',
          ),
        password_event_channels: z
          .array(z.enum(['email', 'syslog', 'webhook']))
          .default([])
          .describe(
            'Where password events go: `email` (through the notifier above), `syslog` (requires `syslog_host`), `webhook` (requires an http(s) `webhook_url` and a `webhook_secret_file`). Empty: not sent.',
          ),
        password_event_recipients: z
          .array(z.enum(['owner', 'shared', 'admins']))
          .default(['owner', 'shared', 'admins'])
          .describe(
            "To whom: the password's `owner`, the users it is `shared` with (user groups expanded) and all `admins`.",
          ),
        syslog_host: z
          .string()
          .default('')
          .describe('The syslog server (RFC 5424 messages, facility authpriv).'),
        syslog_port: port.default(514).describe('The syslog server’s port.'),
        syslog_protocol: z
          .enum(['udp', 'tcp'])
          .default('udp')
          .describe('`udp` (one datagram per message) or `tcp` (octet-counted, RFC 6587).'),
        webhook_url: z
          .string()
          .default('')
          .describe('The webhook: an HTTP POST of the event as JSON, signed in `X-Custody-Signature`.'),
        // The HMAC-SHA256 key lives in its own file, never here.
        webhook_secret_file: z
          .string()
          .default('')
          .describe('File holding the webhook’s HMAC-SHA256 key; it never goes in this file.'),
        // The daily check (expired, policy violated) runs once a day at or after this UTC hour.
        daily_check_hour: z
          .number()
          .int()
          .min(0)
          .max(23)
          .default(1)
          .describe(
            '`custody server` checks every password once a day at or after this hour (UTC), for the expired and policy-violated events.',
          ),
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
      )
      .describe('Notifications: access-control requests and decisions, and the six password events.'),
    rotation: z
      .strictObject({
        // Remote logins in flight at once during bulk verification and scheduled rotation.
        concurrency: z
          .number()
          .int()
          .min(1)
          .max(32)
          .default(4)
          .describe(
            'Remote logins in flight at once for `custody verify --all`, the nightly run and rotations.',
          ),
        // Nightly verification of every account against its target (UTC time of day).
        verify_nightly: z
          .boolean()
          .default(true)
          .describe('Run the nightly verification of every account against its target in `custody server`.'),
        verify_at: z
          .string()
          .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be HH:MM (UTC)' })
          .default('02:30')
          .describe('Time of day of the nightly verification, HH:MM UTC.'),
        // How often `custody server` looks for due rotations, pre-notifications and the nightly run.
        check_every_seconds: z
          .number()
          .int()
          .min(5)
          .max(3600)
          .default(60)
          .describe(
            'How often `custody server` looks for due rotations, pre-notifications and the nightly run.',
          ),
      })
      .prefault({})
      .describe('Verification and scheduled rotation.'),
    wallboard: z
      .strictObject({
        refresh_seconds: z
          .number()
          .int()
          .min(1)
          .max(60)
          .default(5)
          .describe(
            'How often the operations wallboard reads the bastion when nothing commits (it also refreshes as soon as a change commits, at most once a second).',
          ),
      })
      .prefault({})
      .describe('The operations wallboard (`ssh USER:wallboard@bastion`, `custody wallboard`).'),
    metrics: z
      .strictObject({
        allow_from: z
          .array(
            z
              .string()
              .min(2)
              .max(50)
              .regex(/^[0-9A-Fa-f:.]+(\/\d{1,3})?$/, { message: 'must be an IP address or a CIDR block' }),
          )
          .max(100)
          .default(['127.0.0.1', '::1'])
          .describe(
            'Addresses (exact IPv4 or IPv6, or CIDR blocks) allowed to scrape GET /metrics on the web listener without an API key; anyone else gets 403. /healthz and /readyz answer everyone.',
          ),
      })
      .prefault({})
      .describe('Prometheus metrics on the web listener.'),
    web: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe(
            'Whether `custody server` opens the HTTPS listener; `--web-port N` opens it whatever this says.',
          ),
        host: host.default('127.0.0.1').describe('Address the HTTPS listener binds.'),
        port: port
          .default(7443)
          .describe('Port of the HTTPS listener; 0 picks a free port (printed at start).'),
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
        message:
          'cert_file and key_file are set together, or both left empty for the self-signed certificate',
        path: ['cert_file'],
      })
      .describe('The HTTPS listener: sign-in, recordings, live sessions, the REST API.'),
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
            'Redis for presence and the command bus between nodes (redis://host:port); empty: single node.',
          ),
        node_name: z
          .string()
          .max(100)
          .regex(/^$|^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
            message: 'letters, digits, dot, dash and underscore only',
          })
          .default('')
          .describe(
            'This node in the cluster (unique per node); empty: the host name and SSH port; `custody server --node-name` overrides it.',
          ),
        advertise_address: z
          .string()
          .default('')
          .refine((v) => v === '' || /^[^\s:]+:\d{1,5}$/.test(v), { message: 'must be HOST:PORT' })
          .describe('HOST:PORT other nodes reach this node at, over mutual TLS (node-to-node streams).'),
      })
      .prefault({})
      .describe('Cluster mode: several nodes on one PostgreSQL and one Redis.'),
    log: z
      .strictObject({
        level: z
          .enum(['debug', 'info', 'warn', 'error'])
          .default('info')
          .describe('The least severe level written to the operation log (`logs/custody.log`, JSON lines).'),
      })
      .prefault({})
      .describe('The operation log.'),
  })
  .refine((c) => c.cluster.redis_url === '' || c.storage.driver === 'postgres', {
    message: 'cluster mode needs [storage] driver = "postgres": every node must share the same database',
    path: ['cluster', 'redis_url'],
  })
  .describe(
    'The configuration file, conf/custody.toml. Every key is validated at start: an unknown key or a bad value stops the program with the key’s path and the reason. Relative paths are relative to the home folder.',
  );

export type CustodyConfig = z.infer<typeof configSchema>;
