import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { CryptoError } from '../errors.ts';
import { parseKeyFile, readKeyFile, type KeyFileContents } from './key-file.ts';
import { Secret } from './secret.ts';

/**
 * Sealed form of a secret, stored as text so SQLite and PostgreSQL hold it the same way:
 *   c1.<key id>.<96-bit nonce, base64url>.<ciphertext||128-bit tag, base64url>
 * AES-256-GCM with the row's identity as associated data: a ciphertext copied into another row
 * (or column) fails authentication instead of decrypting there.
 */
const PREFIX = 'c1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class Keyring {
  readonly #keys: Map<string, Buffer>;
  #sealingKeyId: string;
  /** Set by `fromFile`: the key file this keyring follows, and what it last saw of it. */
  #file: string | undefined;
  #seen = '';

  constructor(contents: KeyFileContents) {
    this.#keys = new Map();
    this.#sealingKeyId = contents.current;
    this.#take(contents);
  }

  /**
   * A keyring that follows its key file: a running node picks up `custody key rotate` (run from
   * another process) by itself. Before each seal or open it compares the file's inode, size and
   * mtime with what it last read (one stat), and re-reads it when they changed or when a sealed
   * value names a key it does not hold. Keys are only ever added: a file that cannot be read or
   * parsed at that moment leaves the keyring as it was.
   */
  static async fromFile(file: string): Promise<Keyring> {
    const signature = Keyring.#signatureOf(file);
    const ring = new Keyring(await readKeyFile(file));
    ring.#file = file;
    ring.#seen = signature;
    return ring;
  }

  static #signatureOf(file: string): string {
    try {
      const st = statSync(file);
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return '';
    }
  }

  #take(contents: KeyFileContents): void {
    for (const k of contents.keys)
      if (!this.#keys.has(k.id)) this.#keys.set(k.id, Buffer.from(k.material, 'base64'));
    this.#sealingKeyId = contents.rotatingTo ?? contents.current;
  }

  #refresh(force: boolean): void {
    const file = this.#file;
    if (file === undefined) return;
    const signature = Keyring.#signatureOf(file);
    if (!force && signature === this.#seen) return;
    try {
      this.#take(parseKeyFile(readFileSync(file, 'utf8'), file));
      this.#seen = signature;
    } catch {
      // Keep the keys already held; the next call tries again.
    }
  }

  get sealingKeyId(): string {
    this.#refresh(false);
    return this.#sealingKeyId;
  }

  seal(secret: Secret, aad: string): string {
    this.#refresh(false);
    const key = this.#keys.get(this.#sealingKeyId);
    if (!key) throw new CryptoError(`sealing key ${this.#sealingKeyId} is not loaded`);
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const plain = secret.revealBytes();
    const body = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    plain.fill(0);
    return [PREFIX, this.#sealingKeyId, nonce.toString('base64url'), body.toString('base64url')].join('.');
  }

  open(sealed: string, aad: string): Secret {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== PREFIX)
      throw new CryptoError('stored secret has an unknown format');
    const [, keyId, nonceText, bodyText] = parts as [string, string, string, string];
    this.#refresh(!this.#keys.has(keyId));
    const key = this.#keys.get(keyId);
    if (!key)
      throw new CryptoError(`stored secret was sealed with key ${keyId}, which the key file does not hold`);
    const nonce = Buffer.from(nonceText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES)
      throw new CryptoError('stored secret is truncated');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce);
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(body.subarray(0, body.length - TAG_BYTES)),
        decipher.final(),
      ]);
      const secret = Secret.fromBytes(plain);
      plain.fill(0);
      return secret;
    } catch {
      throw new CryptoError(
        'stored secret failed authentication (tampered, moved from another row, or wrong key)',
      );
    }
  }

  /** The key id a sealed value names, without decrypting it. */
  static keyIdOf(sealed: string): string | undefined {
    const parts = sealed.split('.');
    return parts[0] === PREFIX ? parts[1] : undefined;
  }

  static sealedPrefixFor(keyId: string): string {
    return `${PREFIX}.${keyId}.`;
  }
}
