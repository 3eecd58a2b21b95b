/**
 * How long recordings are kept: legal holds (a held recording is never purged, by hand or by
 * retention), `custody recordings purge --older-than DAYS`, and the daily retention pass at
 * `[recordings] retention_days`. Each recording removed is one `recording.purge` audit row, written
 * in the transaction that deletes its row and its search-index lines.
 */
import type { Actor } from '../../authz/actor.ts';
import type { CoreContext } from '../../context.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts';
import { checkText } from '../../identity/names.ts';
import type { RecordingHoldRow, RecordingRow } from '../../storage/repos/index.ts';
import type { RecordingStore } from '../recording-store.ts';

const DAY_MS = 86_400_000;
/** Recordings looked at per page of a purge (a purge of more goes on with the next page). */
const PURGE_PAGE = 1000;

export interface PurgeResult {
  /** Recordings started before this (ISO) were candidates. */
  cutoff: string;
  purged: string[];
  /** Candidates kept because they are on legal hold. */
  held: string[];
}

/** Thrown inside a purge's transaction when a hold was placed since the candidates were listed. */
class HeldMeanwhile extends Error {}

export class RecordingRetention {
  constructor(
    private readonly ctx: CoreContext,
    private readonly recordings: RecordingStore,
  ) {}

  async hold(actor: Actor, id: string, reason: string): Promise<RecordingHoldRow> {
    const why = checkText('reason', reason, 500);
    if (!why) throw new ValidationError('a reason is required to hold a recording', { field: 'reason' });
    return this.ctx.run(actor, 'recording.hold', { kind: 'recording', name: id }, async (s) => {
      this.ctx.authz.require(actor, 'recording.hold');
      const row = await s.repos.recordings.byId(id);
      if (!row) throw new NotFoundError('recording', id);
      const hold = { recordingId: id, reason: why, heldBy: actor.name, heldAt: this.ctx.now() };
      await s.repos.recordingSearch.hold(hold);
      await s.audit(
        'recording.hold',
        { kind: 'recording', name: id },
        { reason: why, user: row.user, target: row.target, session: row.sessionId },
      );
      return hold;
    });
  }

  async release(actor: Actor, id: string): Promise<void> {
    await this.ctx.run(actor, 'recording.hold', { kind: 'recording', name: id }, async (s) => {
      this.ctx.authz.require(actor, 'recording.hold');
      const held = await s.repos.recordingSearch.holdOf(id);
      if (!held) throw new ConflictError(`recording '${id}' is not on hold`);
      await s.repos.recordingSearch.release(id);
      await s.audit(
        'recording.release',
        { kind: 'recording', name: id },
        { heldBy: held.heldBy, reason: held.reason },
      );
    });
  }

  async holds(actor: Actor): Promise<RecordingHoldRow[]> {
    return this.ctx.run(actor, 'recording.list', { kind: 'recording', name: 'holds' }, async (s) => {
      this.ctx.authz.require(actor, 'recording.list');
      return s.repos.recordingSearch.holds();
    });
  }

  /**
   * Removes every finished recording started more than `days` days ago that is not on hold:
   * files, row and search-index lines. `by` says who asked, on each audit row.
   */
  async purge(
    actor: Actor,
    days: number,
    by: 'command' | 'retention' = 'command',
    isMine: (row: RecordingRow) => Promise<boolean> = async () => true,
  ): Promise<PurgeResult> {
    if (!Number.isInteger(days) || days < 1 || days > 36_500)
      throw new ValidationError('--older-than must be a whole number of days, 1-36500', { field: 'days' });
    // Through run() so that a refusal is audited like any other denied operation.
    await this.ctx.run(actor, 'recording.purge', { kind: 'recording', name: 'purge' }, async () =>
      this.ctx.authz.require(actor, 'recording.purge'),
    );
    const cutoff = new Date(this.ctx.clock.now().getTime() - days * DAY_MS).toISOString();
    const result: PurgeResult = { cutoff, purged: [], held: [] };
    // Newest first, a page at a time, each page older than the last: held recordings stay listed,
    // so the next page starts below this one rather than from the cutoff again (recordings started
    // in the very millisecond of a full page's last one wait for the next purge).
    let until = cutoff;
    for (;;) {
      const page = await this.recordings.list(actor, { until, limit: PURGE_PAGE });
      for (const row of page) {
        // In a cluster each node's files are on its own disk: it purges only what it holds.
        if (row.status === 'recording' || !(await isMine(row))) continue;
        try {
          await this.recordings.remove(row.id, async (r) => {
            if (await r.recordingSearch.holdOf(row.id)) throw new HeldMeanwhile();
            const lines = await r.recordingSearch.removeFor(row.id);
            await this.ctx.auditLog.append(r, {
              type: 'recording.purge',
              actor: actor.name,
              source: actor.source,
              target: { kind: 'recording', name: row.id },
              result: 'success',
              details: {
                by,
                olderThanDays: days,
                user: row.user,
                target: row.target,
                session: row.sessionId,
                startedAt: row.startedAt,
                bytes: row.bytes,
                indexedLines: lines,
              },
            });
          });
          result.purged.push(row.id);
        } catch (e) {
          if (e instanceof HeldMeanwhile) result.held.push(row.id);
          else if (!(e instanceof NotFoundError)) throw e;
        }
      }
      const oldest = page.at(-1)?.startedAt;
      if (page.length < PURGE_PAGE || !oldest || oldest >= until) break;
      until = oldest;
    }
    return result;
  }
}

/**
 * The daily retention pass: at most once per UTC day, with `[recordings] retention_days` above 0.
 * `tick()` does one pass against the core's clock (tests drive it with a ManualClock); `start()`
 * calls it on a timer, beside the other schedulers. The day is kept in memory: a node restarted
 * the same day purges again, which finds nothing new to remove.
 */
export class RetentionJob {
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastDay: string | undefined;

  constructor(
    private readonly ctx: CoreContext,
    private readonly retention: RecordingRetention,
  ) {}

  /** `isMine`: in a cluster, the recordings of this node's own sessions (the files it holds). */
  async tick(
    actor: Actor,
    isMine?: (row: RecordingRow) => Promise<boolean>,
  ): Promise<PurgeResult | undefined> {
    const days = this.ctx.config.recordings.retention_days;
    const day = this.ctx.clock.now().toISOString().slice(0, 10);
    if (days <= 0 || this.#lastDay === day) return undefined;
    this.#lastDay = day;
    return this.retention.purge(actor, days, 'retention', isMine);
  }

  start(
    actor: Actor,
    everyMs = 600_000,
    onError: (e: unknown) => void = () => undefined,
    isMine?: (row: RecordingRow) => Promise<boolean>,
  ): void {
    if (this.#timer) return;
    const run = () => void this.tick(actor, isMine).catch(onError);
    run();
    this.#timer = setInterval(run, everyMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
