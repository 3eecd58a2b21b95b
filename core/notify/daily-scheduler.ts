import { timedRun, type RunReport } from '../metrics/timed-run.ts';
import type { Actor } from '../authz/actor.ts';
import { ungated, type JobGate } from '../jobs.ts';
import type { Clock } from '../runtime.ts';
import type { PasswordNotifications } from './password-notifications.ts';

/**
 * Runs the daily password-event check (expired, policy violated: both are reported every day for as
 * long as they hold, not once) once per UTC day, at or after `hour`. `tick()` does one pass against
 * the injected clock, so tests drive it with a ManualClock; `start()` calls it on a timer. The last
 * run is kept in memory: a node that restarts after the hour runs the day's check again (harmless:
 * the events are the day's notification). In a cluster, `start()` takes the cluster's gate, so
 * only the node holding the job's lease runs a pass; a node that takes the lease over the same day
 * has its own memory and runs that day's check once more (the same harmless repeat).
 */
export class DailyEventScheduler {
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastDay: string | undefined;
  /** Told of every pass that ran the check (the node's metrics). */
  onRun: RunReport | undefined;

  constructor(
    private readonly events: PasswordNotifications,
    private readonly clock: Clock,
    private readonly hour: number,
  ) {}

  async tick(actor: Actor): Promise<boolean> {
    const now = this.clock.now();
    const day = now.toISOString().slice(0, 10);
    if (now.getUTCHours() < this.hour || this.#lastDay === day) return false;
    this.#lastDay = day;
    await this.events.dailyCheck(actor);
    return true;
  }

  start(
    actor: Actor,
    everyMs = 60_000,
    onError: (e: unknown) => void = () => undefined,
    gate: JobGate = ungated,
  ): void {
    if (this.#timer) return;
    this.#timer = setInterval(
      () =>
        void gate('daily-check', () =>
          timedRun(
            () => this.tick(actor),
            this.onRun,
            (ran) => ran,
          ),
        ).catch(onError),
      everyMs,
    );
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
