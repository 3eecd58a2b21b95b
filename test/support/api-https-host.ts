// A minimal HTTPS host for the REST API handler: a self-signed certificate for 127.0.0.1, bounded
// JSON bodies, and the handler's answers written out as JSON. It stands in for the web listener
// where a test or the benchmark needs real sockets and TLS before (or without) the listener's
// router; it is test code and makes no product decision.
import { generateKeyPairSync } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';
import { errorBody, type ApiCall, type ApiResponse } from '../../gateway/web/api/api-handler.ts';
import { ValidationError, UsageError, CustodyError, httpStatusOf } from '../../core/index.ts';

export interface SelfSigned {
  cert: string;
  key: string;
}

export function selfSignedCert(host = '127.0.0.1'): SelfSigned {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  const attrs = [{ name: 'commonName', value: host }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: host }] },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keyPem };
}

const MAX_BODY = 64 * 1024;

export interface ApiHost {
  url: string;
  ca: string;
  close(): Promise<void>;
}

export async function startApiHost(handle: (c: ApiCall) => Promise<ApiResponse>): Promise<ApiHost> {
  const tls = selfSignedCert();
  const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const send = (r: Pick<ApiResponse, 'status' | 'body' | 'headers'>) => {
      res.writeHead(r.status, { 'content-type': 'application/json; charset=utf-8', ...r.headers });
      res.end(JSON.stringify(r.body));
    };
    const fail = (e: unknown) => send({ status: httpStatusOf(e), body: errorBody(e), headers: {} });
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      void (async () => {
        try {
          if (tooBig) throw new ValidationError(`the request body is larger than ${MAX_BODY} bytes`);
          let body: unknown;
          if (size > 0) {
            if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? ''))
              throw new UsageError('the request body must be application/json');
            try {
              body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              throw new ValidationError('the request body is not valid JSON');
            }
          }
          const url = new URL(req.url ?? '/', 'https://host.invalid');
          send(
            await handle({
              method: req.method ?? 'GET',
              path: url.pathname,
              query: url.searchParams,
              authorization: req.headers.authorization,
              address: req.socket.remoteAddress ?? '',
              body,
            }),
          );
        } catch (e) {
          fail(e instanceof CustodyError ? e : new ValidationError('bad request'));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    ca: tls.cert,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
