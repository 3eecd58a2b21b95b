import { timedRun, type RunReport } from '../metrics/timed-run.ts';
import type { AccessNotifier } from '../access/notify.ts';
import type { CoreContext } from '../context.ts';
import { SOLE_HOLDER, ungated, type JobGate, type JobLease } from '../jobs.ts';
import type { VerificationService, VerifyResult } from '../reset/verification.ts';
import type { RotationReport } from './rotation-runner.ts';
import type { RotationService } from './rotation-service.ts';
import { firstLine } from '../errors.ts';

const NIGHTLY_KEY = 'verify.nightly-last';

export interface TickResult {
  notified: string[];
  rotated: RotationReport[];
  /** The nightly verification's results when it ran on this tick. */
  verified?: VerifyResult[];
}

/**
 * The clock-driven half of verification and rotation, run by `custody server`: pre-notifications,
 * due rotations, and the nightly verification at `[rotation] verify_at`. As with the access
 * scheduler, `tick()` does one pass with the core's injected clock, so tests drive it with a
 * ManualClock instead of sleeping. Passes never overlap: a tick during a long run is skipped.
 */
export class RotationScheduler {
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Told of every timed pass (the node's metrics). */
  onRun: RunReport | undefined;
  #busy = false;

  constructor(
    private readonly ctx: CoreContext,
    private readonly rotation: RotationService,
    private readonly verification: VerificationService,
    private readonly notifier: AccessNotifier,
  ) {}

  /** One pass; `lease` is what the pass holds the rotation job by (in a cluster, a lease). */
  async tick(lease: JobLease = SOLE_HOLDER): Promise<TickResult> {
    if (this.#busy) return { notified: [], rotated: [] };
    this.#busy = true;
    try {
      const notified = await this.rotation.notifyDue();
      const rotated = await this.rotation.runDue(undefined, lease);
      const verified = await this.nightly();
      return { notified, rotated, ...(verified ? { verified } : {}) };
    } finally {
      this.#busy = false;
    }
  }

  /** Today's verify_at (UTC) as an ISO time; the latest one at or before `now`. */
  private latestDue(now: Date): string {
    const [h, m] = this.ctx.config.rotation.verify_at.split(':').map(Number) as [number, number];
    let at = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), h, m);
    if (at > now.getTime()) at -= 86_400_000;
    return new Date(at).toISOString();
  }

  /**
   * Once per day at verify_at. The last due time done is kept in the database, so a restart
   * neither repeats a night nor, after downtime over several nights, runs more than once. The
   * very first start only records the baseline: it does not verify everything on the spot.
   */
  private async nightly(): Promise<VerifyResult[] | undefined> {
    if (!this.ctx.config.rotation.verify_nightly) return undefined;
    const due = this.latestDue(this.ctx.clock.now());
    const claimed = await this.ctx.store.tx(async (r) => {
      const last = await r.settings.get<string>(NIGHTLY_KEY);
      if (last !== undefined && last >= due) return false;
      await r.settings.set(NIGHTLY_KEY, due);
      return last !== undefined;
    });
    if (!claimed) return undefined;
    const results = await this.verification.verifyEverything();
    const counts: Record<string, number> = {};
    for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
    this.ctx.deps.logger.log('info', 'nightly verification', { due, ...counts });
    await this.notifyNightly(results, counts);
    return results;
  }

  /**
   * One consolidated notice per nightly check (not one per account), to all administrators and
   * auditors.
   */
  private async notifyNightly(results: VerifyResult[], counts: Record<string, number>): Promise<void> {
    const to = (await this.ctx.store.read((r) => r.users.list()))
      .filter((u) => u.status === 'active' && (u.role === 'admin' || u.role === 'auditor'))
      .map((u) => u.username)
      .sort();
    const bad = results.filter((r) => r.status === 'out-of-sync' || r.status === 'unreachable');
    await this.notifier
      .notify({
        kind: 'verification',
        to,
        subject: `Password verification: ${Object.entries(counts)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ')}`,
        body: bad.length
          ? bad.map((r) => `${r.account}: ${r.status}${r.message ? ` (${r.message})` : ''}`).join('\n')
          : `All ${results.length} verified accounts are in sync or unsupported.`,
      })
      .catch((e: unknown) =>
        this.ctx.deps.logger.log('warn', 'verification notification', {
          message: firstLine(e),
        }),
      );
  }

  start(
    everyMs = this.ctx.config.rotation.check_every_seconds * 1000,
    onError: (e: unknown) => void = () => undefined,
    gate: JobGate = ungated,
  ): void {
    if (this.#timer) return;
    this.#timer = setInterval(
      () => void gate('rotation', (lease) => timedRun(() => this.tick(lease), this.onRun)).catch(onError),
      everyMs,
    );
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
