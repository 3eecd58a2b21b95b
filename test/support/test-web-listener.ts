// The web listener in this process, as every in-process web test starts it: 127.0.0.1, a free
// port, a self-signed certificate for localhost, 30-minute browser sessions. It returns the
// certificate so a client can trust exactly this listener.
import { startWebListener, type RunningWebListener } from '../../gateway/index.ts';
import { fingerprintOfPem, makeSelfSigned } from '../../gateway/web/certificate.ts';
import type { WebListenerOptions } from '../../gateway/web/listener.ts';

export type TestWebListenerOptions = Pick<WebListenerOptions, 'core' | 'logger' | 'clock'> &
  Partial<Pick<WebListenerOptions, 'modules' | 'authenticateApiKey' | 'sessionMinutes'>> & {
    /** A certificate made once and shared by several listeners (default: a fresh one). */
    certificate?: { certPem: string; keyPem: string };
  };

export async function startTestWebListener(
  o: TestWebListenerOptions,
): Promise<{ web: RunningWebListener; certPem: string }> {
  const { certificate, ...rest } = o;
  const pair = certificate ?? makeSelfSigned(['localhost']);
  const web = await startWebListener({
    host: '127.0.0.1',
    port: 0,
    tls: { ...pair, fingerprint: fingerprintOfPem(pair.certPem) },
    sessionMinutes: 30,
    ...rest,
  });
  return { web, certPem: pair.certPem };
}
