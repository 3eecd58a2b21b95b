// NTLM session security with extended session security and key exchange (MS-NLMP 3.4.3, 3.4.4.2):
// each direction has its own signing key and one RC4 handle that runs on across messages. Sealing
// encrypts the message with that handle and then the first 8 bytes of
// HMAC-MD5(signKey, seq ‖ plaintext) with the same handle; the signature is
// version 1 ‖ that checksum ‖ seq. CredSSP sends signature ‖ sealed message (GSS_WrapEx).
import { timingSafeEqual } from 'node:crypto';
import { hmacMd5, type DirectionKeys } from './ntlm-crypto.ts';
import { Rc4 } from './rc4.ts';

const SIGNATURE_LENGTH = 16;

class Direction {
  readonly #rc4: Rc4;
  readonly #signKey: Buffer;
  #seq = 0;
  constructor(keys: DirectionKeys) {
    this.#rc4 = new Rc4(keys.sealKey);
    this.#signKey = keys.signKey;
  }
  nextSeq(): Buffer {
    const seq = Buffer.alloc(4);
    seq.writeUInt32LE(this.#seq++ >>> 0);
    return seq;
  }
  crypt(data: Uint8Array): Buffer {
    return Buffer.from(this.#rc4.update(data));
  }
  signature(seq: Buffer, plaintext: Uint8Array): Buffer {
    const checksum = this.crypt(hmacMd5(this.#signKey, seq, plaintext).subarray(0, 8));
    return Buffer.concat([Buffer.from([1, 0, 0, 0]), checksum, seq]);
  }
}

/** Raised when a sealed message from the server is too short or its signature does not verify. */
export class SealError extends Error {}

export class NtlmSession {
  readonly #out: Direction;
  readonly #in: Direction;
  constructor(keys: { client: DirectionKeys; server: DirectionKeys }) {
    this.#out = new Direction(keys.client);
    this.#in = new Direction(keys.server);
  }

  /** GSS_WrapEx of a client message: signature (16 bytes) ‖ sealed message. */
  wrap(plaintext: Uint8Array): Buffer {
    const seq = this.#out.nextSeq();
    const sealed = this.#out.crypt(plaintext);
    return Buffer.concat([this.#out.signature(seq, plaintext), sealed]);
  }

  /** GSS_UnwrapEx of a server message; throws SealError when its signature is not the server's. */
  unwrap(message: Uint8Array): Buffer {
    if (message.length < SIGNATURE_LENGTH) throw new SealError('sealed message shorter than its signature');
    const seq = this.#in.nextSeq();
    const plaintext = this.#in.crypt(message.subarray(SIGNATURE_LENGTH));
    const expected = this.#in.signature(seq, plaintext);
    if (!timingSafeEqual(expected, message.subarray(0, SIGNATURE_LENGTH)))
      throw new SealError('the server signature does not verify');
    return plaintext;
  }
}
