// RC4, written here because Node 20's OpenSSL 3 refuses `createCipheriv('rc4')` without the legacy
// provider. NTLM needs it twice: to encrypt the exported session key under the key-exchange key,
// and as the running cipher of session security (sealing and the signature checksum), where one
// keystream per direction continues from message to message.

/** An RC4 keystream that keeps its state between calls, as NTLM's sealing handles require. */
export class Rc4 {
  readonly #s = new Uint8Array(256);
  #i = 0;
  #j = 0;

  constructor(key: Uint8Array) {
    if (key.length === 0 || key.length > 256) throw new RangeError('RC4 key must be 1 to 256 bytes');
    const s = this.#s;
    for (let i = 0; i < 256; i++) s[i] = i;
    for (let i = 0, j = 0; i < 256; i++) {
      j = (j + s[i]! + key[i % key.length]!) & 0xff;
      [s[i], s[j]] = [s[j]!, s[i]!];
    }
  }

  /** XORs `data` with the next bytes of the keystream (encrypting and decrypting are the same). */
  update(data: Uint8Array): Uint8Array {
    const s = this.#s;
    const out = new Uint8Array(data.length);
    let i = this.#i;
    let j = this.#j;
    for (let n = 0; n < data.length; n++) {
      i = (i + 1) & 0xff;
      j = (j + s[i]!) & 0xff;
      [s[i], s[j]] = [s[j]!, s[i]!];
      out[n] = data[n]! ^ s[(s[i]! + s[j]!) & 0xff]!;
    }
    this.#i = i;
    this.#j = j;
    return out;
  }
}

/** One-shot RC4 of `data` under `key` (a fresh keystream). */
export const rc4 = (key: Uint8Array, data: Uint8Array): Uint8Array => new Rc4(key).update(data);
