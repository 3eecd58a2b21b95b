import crypto from 'node:crypto';

/**
 * An Ed25519 key pair in OpenSSH's own formats, made with node:crypto.
 *
 * Why not `ssh2.utils.generateKeyPairSync`: it drops a leading zero byte of the public key
 * (about 1 key in 280 comes out with 31 bytes), and ssh2's own parser then refuses the key it
 * wrote ("Malformed OpenSSH private key"). The JWK export keeps both halves at 32 bytes.
 */
export function generateEd25519OpenSsh(comment: string): { private: string; public: string } {
  const { privateKey } = crypto.generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const pub = Buffer.from(jwk.x!, 'base64url');
  const seed = Buffer.from(jwk.d!, 'base64url');
  if (pub.length !== 32 || seed.length !== 32) throw new Error('ed25519 key of unexpected size');

  const type = Buffer.from('ssh-ed25519');
  const publicBlob = Buffer.concat([sshString(type), sshString(pub)]);
  const check = crypto.randomBytes(4);
  let secret = Buffer.concat([
    check,
    check,
    sshString(type),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(Buffer.from(comment)),
  ]);
  // The private section is padded with 1, 2, 3, … to the cipher block size (8 for "none").
  const pad = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([secret, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);

  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString(Buffer.from('none')),
    sshString(Buffer.from('none')),
    sshString(Buffer.alloc(0)),
    uint32(1),
    sshString(publicBlob),
    sshString(secret),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return {
    private: `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`,
    public: `ssh-ed25519 ${publicBlob.toString('base64')} ${comment}`,
  };
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function sshString(b: Buffer): Buffer {
  return Buffer.concat([uint32(b.length), b]);
}
