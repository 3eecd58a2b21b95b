// The target's TLS certificate as the engine hands it to the pinning check: the DER bytes, and a
// fingerprint in the same form as SSH host keys (`SHA256:` + unpadded base64), so pins of both
// kinds read alike in `hostkey list`.
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { TargetError } from '../../../core/index.ts';

/** The key type under which an RDP server's certificate is pinned in the host-key store. */
export const RDP_CERTIFICATE_KEY_TYPE = 'rdp-tls-certificate';

export interface TlsCertificate {
  der: Buffer;
  fingerprint: string;
}

/** Resolves to go on with the connection; throws (a one-line CustodyError) to refuse the server. */
export type CertificateCheck = (cert: TlsCertificate) => Promise<void>;

export function certificateFingerprint(der: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

export function peerCertificate(tls: TLSSocket): TlsCertificate {
  const raw = tls.getPeerCertificate(true)?.raw;
  if (!raw?.length)
    throw new TargetError('the RDP server presented no TLS certificate', { reason: 'protocol' });
  return { der: Buffer.from(raw), fingerprint: certificateFingerprint(raw) };
}
