import type { AccessService } from './access-service.ts';

/**
 * Enforces the workflow's time limits. `tick(now)` does one pass; `start()` runs it on a timer.
 * The times themselves come from the core's injected clock, so tests call `tick` directly with a
 * manual clock instead of sleeping.
 */
export class AccessScheduler {
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly access: AccessService) {}

  async tick(): Promise<{ voided: number; expired: number }> {
    return this.access.expireDue();
  }

  start(everyMs = 30_000, onError: (e: unknown) => void = () => undefined): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.tick().catch(onError), everyMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
