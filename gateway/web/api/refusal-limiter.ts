import { LockedError, type Clock } from '../../../core/index.ts';

/** At most this many addresses are remembered; the oldest is forgotten first. */
const MAX_ADDRESSES = 10_000;

/**
 * Refused API keys per client address, over a sliding window: past `attempts` refusals within
 * `windowMs`, the address is answered E_LOCKED (429) without a lookup or an audit row until its
 * oldest refusal leaves the window. Guessing a 256-bit key is hopeless anyway; what this stops is
 * an address filling the audit trail with `apikey.refused` rows. The numbers are the SSH door's
 * per-address lockout (`[security] lockout_source_attempts`, `lockout_minutes`). A good key does
 * not clear the count, so a client cannot interleave guesses with a key it holds.
 */
export class RefusalLimiter {
  readonly #refusals = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    private readonly attempts: number,
    private readonly windowMs: number,
  ) {}

  /** Throws E_LOCKED while `address` is over its limit. */
  check(address: string): void {
    const recent = this.recent(address);
    if (recent.length >= this.attempts)
      throw new LockedError('too many refused API keys from this address: try again later');
  }

  refused(address: string): void {
    const recent = this.recent(address);
    recent.push(this.clock.now().getTime());
    this.#refusals.delete(address);
    this.#refusals.set(address, recent);
    if (this.#refusals.size > MAX_ADDRESSES) this.#refusals.delete(this.#refusals.keys().next().value!);
  }

  private recent(address: string): number[] {
    const since = this.clock.now().getTime() - this.windowMs;
    const kept = (this.#refusals.get(address) ?? []).filter((t) => t > since);
    if (kept.length === 0) this.#refusals.delete(address);
    else this.#refusals.set(address, kept);
    return kept;
  }
}
