import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import forge from 'node-forge';
import { ConfigError } from '../../core/index.ts';

/** The PEM pair the HTTPS listener serves, and what `custody server` prints next to its address. */
export interface WebCertificate {
  certPem: string;
  keyPem: string;
  /** SHA-256 of the DER certificate, colon-separated hex (what browsers and openssl show). */
  fingerprint: string;
  /** True when this call made the self-signed pair. */
  created: boolean;
  selfSigned: boolean;
}

/** Where the self-signed pair lives in the keys folder (beside the SSH host key). */
export function selfSignedPaths(keysDir: string): { certFile: string; keyFile: string } {
  return { certFile: path.join(keysDir, 'web-tls-cert.pem'), keyFile: path.join(keysDir, 'web-tls-key.pem') };
}

export function fingerprintOfPem(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/**
 * A real certificate when `[web] cert_file`/`key_file` name one; otherwise the self-signed pair
 * under keys/, made once (at init, or at the first start of a home made before the listener
 * existed) and kept, so a browser that accepted it once keeps trusting the same fingerprint.
 */
export async function ensureWebCertificate(o: {
  keysDir: string;
  certFile?: string;
  keyFile?: string;
  hostNames: readonly string[];
}): Promise<WebCertificate> {
  if (o.certFile && o.keyFile) {
    const [certPem, keyPem] = await Promise.all([readPem(o.certFile), readPem(o.keyFile)]);
    return {
      certPem,
      keyPem,
      fingerprint: checkedFingerprint(certPem, o.certFile),
      created: false,
      selfSigned: false,
    };
  }
  const { certFile, keyFile } = selfSignedPaths(o.keysDir);
  try {
    const [certPem, keyPem] = await Promise.all([
      fs.readFile(certFile, 'utf8'),
      fs.readFile(keyFile, 'utf8'),
    ]);
    return {
      certPem,
      keyPem,
      fingerprint: checkedFingerprint(certPem, certFile),
      created: false,
      selfSigned: true,
    };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const { certPem, keyPem } = makeSelfSigned(o.hostNames);
  await fs.mkdir(o.keysDir, { recursive: true, mode: 0o700 });
  // The key first, exclusively: two processes starting at once never mix halves of two pairs.
  await fs.writeFile(keyFile, keyPem, { mode: 0o600, flag: 'wx' });
  await fs.writeFile(certFile, certPem, { mode: 0o600, flag: 'wx' });
  return { certPem, keyPem, fingerprint: fingerprintOfPem(certPem), created: true, selfSigned: true };
}

async function readPem(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`[web] ${path.basename(file)} cannot be read: ${(e as Error).message}`, { file });
  }
}

function checkedFingerprint(certPem: string, file: string): string {
  try {
    return fingerprintOfPem(certPem);
  } catch {
    throw new ConfigError(`${file} is not a PEM certificate`, { file });
  }
}

/**
 * RSA-2048 (node's generator: node-forge's own is pure JavaScript and slow), signed with SHA-256
 * by node-forge, valid for ten years, for the configured names and 127.0.0.1.
 */
export function makeSelfSigned(hostNames: readonly string[]): { certPem: string; keyPem: string } {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const privateKey = forge.pki.privateKeyFromPem(keyPem);
  const publicKey = forge.pki.publicKeyFromPem(
    pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive random serial (the leading byte kept below 0x80).
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + 10 * 365 * 86_400_000);
  const names = [...new Set([...hostNames, '127.0.0.1'])];
  const attrs = [
    { name: 'commonName', value: names[0]! },
    { name: 'organizationName', value: 'Custody' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: names.map((n) => (isIP(n) ? { type: 7, ip: n } : { type: 2, value: n })),
    },
  ]);
  cert.sign(privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}
