// Password events as an HTTP POST of JSON, signed with HMAC-SHA256 so the receiver can check the
// sender: header `X-Custody-Signature: sha256=<hex of HMAC(key, raw body)>`.
import { createHmac } from 'node:crypto';
import type { Logger, PasswordEvent, PasswordEventChannel } from '../core/index.ts';

export interface WebhookSettings {
  url: string;
  /** The HMAC key (read from webhook_secret_file by the composition root). */
  key: string;
  timeoutMs: number;
}

export const SIGNATURE_HEADER = 'x-custody-signature';

export function signatureOf(key: string, body: string): string {
  return `sha256=${createHmac('sha256', key).update(body, 'utf8').digest('hex')}`;
}

export class WebhookChannel implements PasswordEventChannel {
  readonly name = 'webhook';

  constructor(
    private readonly s: WebhookSettings,
    private readonly logger: Logger,
  ) {}

  async send(e: PasswordEvent): Promise<void> {
    const body = JSON.stringify(e);
    try {
      const res = await fetch(this.s.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signatureOf(this.s.key, body) },
        body,
        signal: AbortSignal.timeout(this.s.timeoutMs),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      this.logger.log('error', 'password-event.webhook-failed', {
        kind: e.kind,
        error: String((err as Error)?.message ?? err)
          .split('\n')[0]!
          .slice(0, 200),
      });
    }
  }
}
