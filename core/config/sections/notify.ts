import { z } from 'zod';
import { port } from './primitives.ts';

/**
 * The [notify] table: where access-control and password-event notifications go.
 * Its own file so the keys of one TOML table are read, and changed, in one place; schema.ts
 * composes the tables into the whole file's schema.
 */
export const notifySection = z
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
      .array(z.enum(['accessed', 'changed', 'share-changed', 'expired', 'policy-violated', 'out-of-sync']))
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
    syslog_host: z.string().default('').describe('The syslog server (RFC 5424 messages, facility authpriv).'),
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
  .describe('Notifications: access-control requests and decisions, and the six password events.');
