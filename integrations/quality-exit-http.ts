import type { QualityAnswer, QualityExit, QualityRequest } from '../core/index.ts';
import { oneLine } from './one-line.ts';

/**
 * The password-quality exit as an HTTP endpoint: a JSON POST of
 * `{"kind","subject","requester","password"}`, answered with `{"accept": bool, "message": str}`.
 * A timeout, a non-2xx status or a malformed answer is "unavailable".
 */
export class HttpQualityExit implements QualityExit {
  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  async check(req: QualityRequest): Promise<QualityAnswer> {
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          kind: req.kind,
          subject: req.subject,
          requester: req.requester,
          password: req.password.reveal(),
        }),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
      if (!res.ok) return { outcome: 'unavailable', reason: `the quality check answered HTTP ${res.status}` };
      const body = (await res.json()) as { accept?: unknown; message?: unknown };
      if (typeof body.accept !== 'boolean')
        return { outcome: 'unavailable', reason: 'the quality check gave no accept/deny answer' };
      const message = typeof body.message === 'string' ? body.message.split('\n')[0]!.slice(0, 200) : '';
      return body.accept ? { outcome: 'accept', message } : { outcome: 'deny', message };
    } catch (e) {
      return { outcome: 'unavailable', reason: oneLine(e, this.timeoutMs) };
    }
  }
}
