import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditObserver } from '../events/observed-store.ts';
import type { LiveRegistry } from '../live/live-registry.ts';
import type { Logger } from '../runtime.ts';
import type { Store } from '../storage/db.ts';
import { countedEvents, type CountedEvent } from './audit-counts.ts';

/** The background jobs whose runs are counted and timed (a fixed list: a label each). */
export type JobName = 'access-expiry' | 'daily-password-check' | 'rotation';
export type JobOutcome = 'success' | 'failure';
export type JobRunObserver = (job: JobName, outcome: JobOutcome, seconds: number) => void;

/** The front door's bounds before authentication (the gateway's pre-auth door). */
const DOOR_REFUSALS: readonly string[] = ['per-source', 'overall', 'no-address', 'grace-time'];

export interface MetricsExposition {
  contentType: string;
  body: string;
}

/**
 * The node's Prometheus metrics. Counters move with committed audit rows (so a metric never
 * counts what was rolled back), recording bytes as the writers write them, job runs as the
 * schedulers finish them; gauges (live sessions, approvals waiting, check-outs active) are read
 * when scraped, so they are never stale. One registry per core, never prom-client's global one:
 * several cores in one process (tests) keep their numbers apart.
 */
export class MetricsService {
  readonly registry = new Registry();
  #processMetrics = false;
  readonly #lastCount = { waiting: 0, 'checked-out': 0 };
  readonly #counters: { [K in CountedEvent['counter']]: Counter<string> };
  readonly #recordingBytes: Counter<string>;
  readonly #jobRuns: Counter<string>;
  readonly #jobSeconds: Histogram<string>;
  readonly #doorRefusals: Counter<string>;

  constructor(
    private readonly store: Store,
    private readonly live: () => LiveRegistry,
    private readonly logger: Logger,
  ) {
    const r = [this.registry];
    const counter = (name: string, help: string, labelNames: string[] = []) =>
      new Counter({ name, help, labelNames, registers: r });
    this.#counters = {
      session_starts: counter('custody_session_starts_total', 'Sessions started, by mode.', ['mode']),
      session_ends: counter('custody_session_ends_total', 'Sessions ended, by mode and how they ended.', [
        'mode',
        'how',
      ]),
      session_refusals: counter(
        'custody_session_refusals_total',
        'Session attempts refused, by where on the session path they were refused.',
        ['reason'],
      ),
      recording_failures: counter('custody_recording_failures_total', 'Recordings that failed to write.'),
      logins: counter('custody_logins_total', 'Sign-ins at the front door, by outcome and method.', [
        'outcome',
        'method',
      ]),
      lockouts: counter('custody_lockouts_total', 'Lockouts after repeated failed sign-ins.'),
      resets: counter('custody_password_resets_total', 'Remote password resets, by outcome.', ['outcome']),
      verifications: counter(
        'custody_password_verifications_total',
        'Password verifications against targets, by status.',
        ['status'],
      ),
    };
    this.#recordingBytes = counter(
      'custody_recording_bytes_written_total',
      'Bytes written to session recordings.',
    );
    this.#doorRefusals = counter(
      'custody_door_refusals_total',
      'Connections the SSH front door closed before they logged in, by bound.',
      ['reason'],
    );
    this.#jobRuns = counter('custody_job_runs_total', 'Background job runs, by job and outcome.', [
      'job',
      'outcome',
    ]);
    this.#jobSeconds = new Histogram({
      name: 'custody_job_duration_seconds',
      help: 'How long background job runs took.',
      labelNames: ['job'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers: r,
    });
    const liveSessions = new Gauge({
      name: 'custody_live_sessions',
      help: 'Sessions running now, by protocol and node.',
      labelNames: ['protocol', 'node'],
      registers: r,
      collect: async () => {
        const sessions = await this.live().list();
        liveSessions.reset();
        for (const s of sessions) liveSessions.inc({ protocol: s.protocol, node: s.node });
      },
    });
    const waiting: Gauge<string> = new Gauge({
      name: 'custody_approvals_waiting',
      help: 'Access requests waiting for approval.',
      registers: r,
      collect: async (): Promise<void> => waiting.set(await this.countRequests('waiting')),
    });
    const checkedOut: Gauge<string> = new Gauge({
      name: 'custody_checkouts_active',
      help: 'Accounts checked out now.',
      registers: r,
      collect: async (): Promise<void> => checkedOut.set(await this.countRequests('checked-out')),
    });
  }

  /**
   * A store that does not answer leaves the gauge at its last value (and says so in the log)
   * rather than failing the whole scrape: the counters, which need no store, are still scraped.
   */
  private async countRequests(state: 'waiting' | 'checked-out'): Promise<number> {
    try {
      const n = await this.store.read(async (repos) => (await repos.access.list({ states: [state] })).length);
      this.#lastCount[state] = n;
      return n;
    } catch (e) {
      this.logger.log('warn', 'metrics: cannot count access requests', {
        state,
        error: String((e as Error)?.message).split('\n')[0],
      });
      return this.#lastCount[state];
    }
  }

  /** Wired into core's committed-audit observers. */
  readonly onAudit: AuditObserver = (rows) => {
    for (const row of rows)
      for (const e of countedEvents(row)) this.#counters[e.counter].inc(e.labels as Record<string, string>);
  };

  readonly onRecordingBytes = (bytes: number): void => {
    if (bytes > 0) this.#recordingBytes.inc(bytes);
  };

  /** The SSH front door closed a connection before it logged in (see DOOR_REFUSALS). */
  readonly doorRefused = (why: string): void => {
    this.#doorRefusals.inc({ reason: DOOR_REFUSALS.includes(why) ? why : 'other' });
  };

  readonly onJobRun: JobRunObserver = (job, outcome, seconds) => {
    this.#jobRuns.inc({ job, outcome });
    this.#jobSeconds.observe({ job }, seconds);
  };

  /**
   * Resident memory, heap and event-loop lag (prom-client's process collectors). Only a server
   * turns them on: they watch the whole process, which a test's core does not own.
   */
  collectProcessMetrics(): void {
    if (this.#processMetrics) return;
    this.#processMetrics = true;
    collectDefaultMetrics({ register: this.registry, prefix: 'custody_' });
  }

  /** The text format Prometheus scrapes. */
  async exposition(): Promise<MetricsExposition> {
    try {
      return { contentType: this.registry.contentType, body: await this.registry.metrics() };
    } catch (e) {
      this.logger.log('warn', 'metrics collection failed', {
        error: String((e as Error)?.message).split('\n')[0],
      });
      throw e;
    }
  }
}
