// What the front door offers in its key exchange (`ssh-audit` is run against it in
// test/security/ssh-audit.test.ts). ssh2's defaults include the NIST ECDH curves (flagged [fail]),
// HMAC-SHA1 and the encrypt-and-MAC MACs ([warn]) and plain zlib, which starts before
// authentication. Offered instead, most preferred first:
//   kex     curve25519 (RFC 8731), then 4096/8192-bit MODP groups with SHA-512 (RFC 8268) for
//           clients without curve25519; ssh2 adds kex-strict-s-v00@openssh.com (Terrapin) itself;
//   cipher  the AEAD ciphers (chacha20-poly1305, AES-GCM), then AES-CTR;
//   mac     encrypt-then-MAC SHA-2 only (unused with the AEAD ciphers);
//   compress none, or zlib@openssh.com, which begins only after authentication.
// The host key is the gateway's own (ed25519, made at init). Each list can be replaced in conf ([gateway] ssh_kex,
// ssh_ciphers, ssh_macs); ssh2 refuses names it does not implement when the gateway starts.
import type { Algorithms } from 'ssh2';

export const DEFAULT_KEX = [
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group18-sha512',
];
export const DEFAULT_CIPHERS = [
  'chacha20-poly1305@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-gcm@openssh.com',
  'aes256-ctr',
  'aes192-ctr',
  'aes128-ctr',
];
export const DEFAULT_MACS = ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com'];
export const DEFAULT_COMPRESSION = ['none', 'zlib@openssh.com'];

export interface AlgorithmChoice {
  kex?: readonly string[];
  ciphers?: readonly string[];
  macs?: readonly string[];
}

/** ssh2's `algorithms` for the server; an empty or missing list means the default above. */
export function serverAlgorithms(choice: AlgorithmChoice = {}): Algorithms {
  const pick = (l: readonly string[] | undefined, d: string[]) => (l?.length ? [...l] : d);
  return {
    kex: pick(choice.kex, DEFAULT_KEX),
    cipher: pick(choice.ciphers, DEFAULT_CIPHERS),
    hmac: pick(choice.macs, DEFAULT_MACS),
    compress: DEFAULT_COMPRESSION,
  } as Algorithms;
}
