import { promises as fs } from 'node:fs';
import path from 'node:path';
import ssh2 from 'ssh2';
import { fingerprintOf } from '../../core/index.ts';
import { generateEd25519OpenSsh } from './openssh-key.ts';

/**
 * The gateway's SSH host key: generated once (at init, or at first start) and kept, so clients
 * can pin it. Ed25519, OpenSSH private-key format, mode 0600 in the keys folder.
 */
export async function ensureHostKey(
  file: string,
): Promise<{ privateKey: Buffer; created: boolean; fingerprint: string; knownHostsKey: string }> {
  let created = false;
  let privateKey: Buffer;
  try {
    privateKey = await fs.readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    const pair = generateEd25519OpenSsh('custody gateway host key');
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await fs.writeFile(file, pair.private, { mode: 0o600, flag: 'wx' });
    await fs.writeFile(`${file}.pub`, pair.public + '\n', { mode: 0o644 });
    privateKey = Buffer.from(pair.private);
    created = true;
  }
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error) throw new Error(`host key ${file} cannot be read: ${parsed.message}`);
  const key = Array.isArray(parsed) ? parsed[0]! : parsed;
  return {
    privateKey,
    created,
    fingerprint: fingerprintOf(key.getPublicSSH()),
    // "TYPE BASE64", as a known_hosts line carries it (what `custody console` pins).
    knownHostsKey: `${key.type} ${key.getPublicSSH().toString('base64')}`,
  };
}
