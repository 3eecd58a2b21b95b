import { timedRun, type RunReport } from '../metrics/timed-run.ts';
import { ungated, type JobGate } from '../jobs.ts';
import type { AccessService } from './access-service.ts';

/**
 * Enforces the workflow's time limits. `tick(now)` does one pass; `start()` runs it on a timer.
 * The times themselves come from the core's injected clock, so tests call `tick` directly with a
 * manual clock instead of sleeping.
 */
export class AccessScheduler {
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<{ voided: number; expired: number }> | undefined;
  /** Told of every timed pass (the node's metrics). */
  onRun: RunReport | undefined;

  constructor(private readonly access: AccessService) {}

  /**
   * One pass. While a pass is still running (a slow database, many check-outs ending at once),
   * a second call joins it instead of starting another: two passes never run at once, so one
   * expiry is never processed twice and passes cannot pile up behind each other.
   */
  tick(): Promise<{ voided: number; expired: number }> {
    this.#running ??= this.access.expireDue().finally(() => (this.#running = undefined));
    return this.#running;
  }

  start(everyMs = 30_000, onError: (e: unknown) => void = () => undefined, gate: JobGate = ungated): void {
    if (this.#timer) return;
    this.#timer = setInterval(
      () => void gate('access', () => timedRun(() => this.tick(), this.onRun)).catch(onError),
      everyMs,
    );
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
