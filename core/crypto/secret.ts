import { timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';

const MASK = '<secret>';

/**
 * A secret value (password, key, TOTP seed). It prints as `<secret>` in every form a value can
 * escape through — string interpolation, JSON, util.inspect/console.log, error messages — so a
 * leak needs an explicit `reveal()`, which is easy to find in review.
 */
export class Secret {
  readonly #bytes: Buffer;

  private constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }

  static fromString(value: string): Secret {
    return new Secret(Buffer.from(value, 'utf8'));
  }

  static fromBytes(bytes: Uint8Array): Secret {
    return new Secret(Buffer.from(bytes));
  }

  /** The only way out. Callers must not log, audit or persist the result in plaintext. */
  reveal(): string {
    return this.#bytes.toString('utf8');
  }

  revealBytes(): Buffer {
    return Buffer.from(this.#bytes);
  }

  get length(): number {
    return [...this.reveal()].length;
  }

  equals(other: Secret): boolean {
    const a = this.#bytes;
    const b = other.#bytes;
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** Best effort: overwrite the buffer once the value is no longer needed. */
  wipe(): void {
    this.#bytes.fill(0);
  }

  toString(): string {
    return MASK;
  }

  toJSON(): string {
    return MASK;
  }

  [inspect.custom](): string {
    return MASK;
  }

  [Symbol.toPrimitive](): string {
    return MASK;
  }
}

export const SECRET_MASK = MASK;
