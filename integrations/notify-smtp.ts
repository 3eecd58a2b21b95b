import nodemailer from 'nodemailer';
import type { AccessNotification, AccessNotifier, Logger } from '../core/index.ts';

export interface SmtpSettings {
  host: string;
  port: number;
  from: string;
  /** "tls": implicit TLS; "starttls": STARTTLS required; "none": plain (loopback relays only). */
  tls: 'none' | 'starttls' | 'tls';
  user?: string;
  password?: string;
  timeoutMs: number;
}

/**
 * Access-control notifications by e-mail. `to` holds Custody user names; `emailOf` maps them to
 * addresses (users without one are skipped and logged). A failed delivery is logged on one line
 * and never fails the workflow step that caused it.
 */
export class SmtpAccessNotifier implements AccessNotifier {
  private readonly transport: nodemailer.Transporter;

  constructor(
    private readonly s: SmtpSettings,
    private readonly emailOf: (username: string) => Promise<string | undefined>,
    private readonly logger: Logger,
  ) {
    this.transport = nodemailer.createTransport({
      host: s.host,
      port: s.port,
      secure: s.tls === 'tls',
      requireTLS: s.tls === 'starttls',
      ignoreTLS: s.tls === 'none',
      connectionTimeout: s.timeoutMs,
      greetingTimeout: s.timeoutMs,
      socketTimeout: s.timeoutMs,
      ...(s.user ? { auth: { user: s.user, pass: s.password ?? '' } } : {}),
    });
  }

  async notify(n: AccessNotification): Promise<void> {
    const to: string[] = [];
    for (const name of n.to) {
      const address = await this.emailOf(name);
      if (address) to.push(address);
      else this.logger.log('warn', 'notify.no-address', { user: name, kind: n.kind });
    }
    if (to.length === 0) return;
    try {
      await this.transport.sendMail({ from: this.s.from, to, subject: n.subject, text: n.body });
      this.logger.log('info', 'notify.sent', { kind: n.kind, to: n.to, subject: n.subject });
    } catch (e) {
      this.logger.log('error', 'notify.failed', {
        kind: n.kind,
        to: n.to,
        error: String((e as Error)?.message ?? e)
          .split('\n')[0]!
          .slice(0, 200),
      });
    }
  }

  close(): void {
    this.transport.close();
  }
}
