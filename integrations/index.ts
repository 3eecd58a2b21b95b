// The outbound integrations (ticketing, password-quality exit, notifications). Core defines the
// interfaces; the composition root (cli/) hands `integrationsFor` to openCore, which builds these
// from the configuration.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type {
  AccessNotifier,
  CustodyConfig,
  IntegrationServices,
  PasswordEventChannel,
  QualityExit,
  TicketSystemFactory,
} from '../core/index.ts';
import { LogAccessNotifier } from './notify-log.ts';
import { SmtpAccessNotifier } from './notify-smtp.ts';
import { CommandQualityExit } from './quality-exit-command.ts';
import { HttpQualityExit } from './quality-exit-http.ts';
import { HttpTicketSystem } from './ticketing-http.ts';
import { EmailChannel } from './notify-password-email.ts';
import { formatRfc5424, SyslogChannel } from './notify-syslog.ts';
import { SIGNATURE_HEADER, signatureOf, WebhookChannel } from './notify-webhook.ts';

export { CommandQualityExit, HttpQualityExit, HttpTicketSystem, LogAccessNotifier, SmtpAccessNotifier };
export { EmailChannel, SyslogChannel, WebhookChannel, formatRfc5424, signatureOf, SIGNATURE_HEADER };
export type { SmtpSettings } from './notify-smtp.ts';

export interface Integrations {
  qualityExit?: QualityExit;
  ticketSystemFactory: TicketSystemFactory;
  accessNotifier: AccessNotifier;
  passwordEventChannels: PasswordEventChannel[];
}

export function integrationsFor(
  config: Readonly<CustodyConfig>,
  home: string,
  services: IntegrationServices,
): Integrations {
  const q = config.quality_exit;
  const qualityExit =
    q.kind === 'command'
      ? new CommandQualityExit(q.command, q.args, q.timeout_ms)
      : q.kind === 'http'
        ? new HttpQualityExit(q.url, q.timeout_ms)
        : undefined;
  const n = config.notify;
  const accessNotifier =
    n.kind === 'smtp'
      ? new SmtpAccessNotifier(
          {
            host: n.smtp_host,
            port: n.smtp_port,
            from: n.smtp_from,
            tls: n.smtp_tls,
            timeoutMs: n.timeout_ms,
            ...(n.smtp_user ? { user: n.smtp_user } : {}),
            ...(n.smtp_password_file
              ? { password: readFileSync(path.resolve(home, n.smtp_password_file), 'utf8').trim() }
              : {}),
          },
          services.emailOf,
          services.logger,
        )
      : new LogAccessNotifier(services.logger);
  const passwordEventChannels: PasswordEventChannel[] = [];
  for (const c of n.password_event_channels) {
    if (c === 'email') passwordEventChannels.push(new EmailChannel(accessNotifier));
    if (c === 'syslog')
      passwordEventChannels.push(
        new SyslogChannel(
          { host: n.syslog_host, port: n.syslog_port, protocol: n.syslog_protocol, timeoutMs: n.timeout_ms },
          services.logger,
        ),
      );
    if (c === 'webhook')
      passwordEventChannels.push(
        new WebhookChannel(
          {
            url: n.webhook_url,
            key: readFileSync(path.resolve(home, n.webhook_secret_file), 'utf8').trim(),
            timeoutMs: n.timeout_ms,
          },
          services.logger,
        ),
      );
  }
  return {
    passwordEventChannels,
    ...(qualityExit ? { qualityExit } : {}),
    ticketSystemFactory: (settings) =>
      new HttpTicketSystem(
        settings,
        config.ticketing.auth_token_file ? path.resolve(home, config.ticketing.auth_token_file) : '',
      ),
    accessNotifier,
  };
}
