/**
 * Where session recordings live: `<recordingsDir>/<YYYY>/<MM>/<id>.cast` (+ `.idx`), folders 0700,
 * files 0600, and one `recordings` row per recording. The gateway opens writers (no actor: the
 * session itself was authorised and audited when it opened); reading recordings back is an
 * authorised, audited operation.
 */
import { createReadStream, promises as fs, type ReadStream } from 'node:fs';
import path from 'node:path';
import type { Actor } from '../authz/actor.ts';
import { isInside } from '../config/home.ts';
import type { CoreContext, OpScope } from '../context.ts';
import { NotFoundError, StorageError, ValidationError, firstLine } from '../errors.ts';
import type { RecordingFilter, RecordingRow } from '../storage/repos/index.ts';
import { AsciicastWriter, type AsciicastWriterOptions } from './asciicast-writer.ts';
import { openFileSource } from './byte-source.ts';
import { INDEX_SUFFIX } from './index-format.ts';
import { RecordingReader, type RecordingSources } from './recording-reader.ts';
import { SCREENS_SUFFIX } from './screen-index-file.ts';
import type { RecordingFailurePolicy, RecordingMeta, RecordingSummary } from './types.ts';

export type RecordingFormat = 'asciicast';
export const RECORDING_FORMATS: readonly RecordingFormat[] = ['asciicast'];

export interface RecordingExport {
  id: string;
  format: RecordingFormat;
  /** Absolute path of the cast file. */
  path: string;
  bytes: number;
  /** Opens the file for reading (one stream per call). */
  open(): ReadStream;
}

export interface RecordingStoreOptions {
  /** Flush interval of new writers (default 1000 ms). */
  flushIntervalMs?: number;
  /** What wakes the writers' periodic flush (default real time). */
  timers?: AsciicastWriterOptions['timers'];
  /** How writers create their files (tests inject write failures). */
  openFile?: AsciicastWriterOptions['openFile'];
}

export class RecordingStore {
  readonly dir: string;
  readonly #open = new Set<AsciicastWriter>();

  constructor(
    private readonly ctx: CoreContext,
    dir: string,
    private readonly options: RecordingStoreOptions = {},
  ) {
    this.dir = path.resolve(dir);
  }

  /**
   * Starts a recording: creates the cast (and its index) and a row with status 'recording'. On
   * close the row gets ended_at, bytes, events and status 'complete' or 'failed'. A write failure
   * is logged and audited (`recording.fail`); the caller registers onFailure and applies `policy`
   * (strict ends the session, best-effort warns and continues).
   */
  async open(meta: RecordingMeta, policy: RecordingFailurePolicy): Promise<AsciicastWriter> {
    const id = this.ctx.ids.next();
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id) || id.startsWith('.'))
      throw new ValidationError(`unusable recording id '${id}'`);
    const started = meta.startedAt;
    const yyyy = String(started.getUTCFullYear()).padStart(4, '0');
    const mm = String(started.getUTCMonth() + 1).padStart(2, '0');
    const rel = path.posix.join(yyyy, mm, `${id}.cast`);
    const castPath = path.join(this.dir, yyyy, mm, `${id}.cast`);
    await this.#ensureDir(path.dirname(castPath));

    const logger = this.ctx.deps.logger;
    const writer = await AsciicastWriter.create({
      id,
      castPath,
      meta,
      clock: this.ctx.clock,
      policy,
      ...(this.options.flushIntervalMs ? { flushIntervalMs: this.options.flushIntervalMs } : {}),
      ...(this.options.openFile ? { openFile: this.options.openFile } : {}),
      ...(this.options.timers ? { timers: this.options.timers } : {}),
      onWritten: (bytes) => {
        for (const observe of this.ctx.recordingObservers) observe(bytes);
      },
      onClosed: async (summary, failed) => {
        this.#open.delete(writer);
        await this.#finish(summary, failed);
      },
    });
    writer.onFailure((error) => {
      logger.log(policy === 'strict' ? 'error' : 'warn', 'recording failed', {
        recording: id,
        session: meta.sessionId,
        policy,
        error: firstLine(error),
      });
      void this.ctx
        .appendStandalone({
          type: 'recording.fail',
          actor: meta.user,
          source: meta.source,
          target: { kind: 'recording', name: id },
          result: 'failure',
          details: { session: meta.sessionId, target: meta.target, policy, error: firstLine(error) },
        })
        .catch((e: unknown) =>
          logger.log('error', 'cannot audit recording failure', { recording: id, error: firstLine(e) }),
        );
    });
    try {
      await this.ctx.store.tx((r) =>
        r.recordings.insert({
          id,
          sessionId: meta.sessionId,
          user: meta.user,
          target: meta.target,
          protocol: meta.protocol,
          source: meta.source,
          startedAt: started.toISOString(),
          endedAt: null,
          path: rel,
          bytes: 0,
          events: 0,
          status: 'recording',
        }),
      );
    } catch (e) {
      await writer.close().catch(() => undefined);
      throw e;
    }
    this.#open.add(writer);
    return writer;
  }

  /** Recordings, newest first (admins and auditors; password admins when the config lets them). */
  async list(actor: Actor, filter: RecordingFilter = {}): Promise<RecordingRow[]> {
    return this.ctx.run(actor, 'recording.list', { kind: 'recording', name: 'list' }, async (s) => {
      this.ctx.authz.require(actor, 'recording.list');
      const rows = await s.repos.recordings.list({
        ...filter,
        limit: Math.min(Math.max(filter.limit ?? 100, 1), 10_000),
      });
      return Promise.all(rows.map((r) => this.#withLiveBytes(r)));
    });
  }

  /**
   * A recording still being written has 0 bytes in its row until it closes: it shows the size of
   * its cast file so far instead (what is on disk, from whichever node writes it).
   */
  async #withLiveBytes(row: RecordingRow): Promise<RecordingRow> {
    if (row.status !== 'recording') return row;
    try {
      return { ...row, bytes: Math.max(row.bytes, (await fs.stat(this.pathOf(row))).size) };
    } catch {
      return row; // not on this node's disk, or gone: the row's own figure
    }
  }

  /** The cast file of one recording, for download; audited as `recording.export`. */
  async export(actor: Actor, id: string, format: RecordingFormat = 'asciicast'): Promise<RecordingExport> {
    return this.ctx.run(actor, 'recording.export', { kind: 'recording', name: id }, async (s) => {
      const { file, bytes } = await this.#authorisedRead(actor, id, format, s);
      return { id, format, path: file, bytes, open: () => createReadStream(file) };
    });
  }

  /**
   * A recording opened for replay (recording-reader.ts): the same permission and the same
   * `recording.export` audit row as a download, but read a keyframe at a time. A finished
   * recording replayed for the first time gets its screen index drawn and kept next to its cast.
   */
  async openReader(actor: Actor, id: string): Promise<RecordingReader> {
    const { file, row } = await this.ctx.run(
      actor,
      'recording.export',
      { kind: 'recording', name: id },
      (s) => this.#authorisedRead(actor, id, 'asciicast', s),
    );
    const reader = await RecordingReader.open(await this.#sourcesOf(file, row));
    if (reader.rebuilt)
      this.ctx.deps.logger.log('info', 'replay draws the screens of a recording in one pass', {
        recording: id,
        reason: reader.rebuilt,
      });
    return reader;
  }

  /** The files of a recording, opened for reading (the screen index only once it is finished). */
  async #sourcesOf(file: string, row: RecordingRow): Promise<RecordingSources> {
    const cast = await openFileSource(file);
    if (!cast) throw new StorageError(`recording '${row.id}': file ${row.path} is unreadable (ENOENT)`);
    const finished = row.status !== 'recording';
    const [index, screens] = await Promise.all([
      openFileSource(file + INDEX_SUFFIX),
      finished ? openFileSource(file + SCREENS_SUFFIX) : Promise.resolve(undefined),
    ]).catch(async (e: unknown) => {
      await cast.close();
      throw e;
    });
    const logger = this.ctx.deps.logger;
    return {
      cast,
      index,
      screens,
      saveScreens: finished
        ? async (data) => {
            try {
              await writeBeside(file + SCREENS_SUFFIX, data, this.ctx.ids.next());
            } catch (e) {
              logger.log('warn', 'cannot keep the screen index of a recording', {
                recording: row.id,
                error: firstLine(e),
              });
              throw e;
            }
          }
        : undefined,
    };
  }

  async #authorisedRead(
    actor: Actor,
    id: string,
    format: RecordingFormat,
    s: OpScope,
  ): Promise<{ file: string; bytes: number; row: RecordingRow }> {
    this.ctx.authz.require(actor, 'recording.export');
    if (!RECORDING_FORMATS.includes(format))
      throw new ValidationError(`unknown recording format '${String(format)}' (known: asciicast)`);
    const row = await s.repos.recordings.byId(id);
    if (!row) throw new NotFoundError('recording', id);
    const file = this.pathOf(row);
    let bytes: number;
    try {
      bytes = (await fs.stat(file)).size;
    } catch (e) {
      throw new StorageError(
        `recording '${id}': file ${row.path} is unreadable (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    await s.audit(
      'recording.export',
      { kind: 'recording', name: id },
      { format, user: row.user, target: row.target, session: row.sessionId, bytes },
    );
    return { file, bytes, row };
  }

  /** The absolute cast path of a row; refuses a path that leaves the recordings folder. */
  pathOf(row: Pick<RecordingRow, 'id' | 'path'>): string {
    const file = path.resolve(this.dir, row.path);
    if (!isInside(file, this.dir)) throw new StorageError(`recording '${row.id}': path outside the store`);
    return file;
  }

  /** Closes every writer still open (the core is shutting down). */
  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.#open].map((w) => w.close()));
  }

  /**
   * Settles recordings a killed node left as `recording` (otherwise they would show as live
   * forever): called once at server start, before the gateway takes sessions, so no row is live.
   * Bytes come from the file, the duration from the last complete event, the state is
   * `interrupted`; each is audited as `recording.interrupted`. A missing file settles with 0 bytes.
   */
  async settleInterrupted(): Promise<RecordingRow[]> {
    const open = new Set([...this.#open].map((w) => w.id));
    const rows = (await this.ctx.store.read((r) => r.recordings.unfinished())).filter((r) => !open.has(r.id));
    const settled: RecordingRow[] = [];
    for (const row of rows) {
      const { bytes, events, lastAt } = await castFacts(this.pathOf(row));
      const endedAt = new Date(Date.parse(row.startedAt) + Math.round(lastAt * 1000)).toISOString();
      await this.ctx.store.tx(async (r) => {
        await r.recordings.finish(row.id, { endedAt, bytes, events, status: 'interrupted' });
        await this.ctx.auditLog.append(r, {
          type: 'recording.interrupted',
          actor: 'system',
          source: 'startup',
          target: { kind: 'recording', name: row.id },
          result: 'success',
          details: { session: row.sessionId, user: row.user, target: row.target, bytes, events, endedAt },
        });
      });
      settled.push({ ...row, endedAt, bytes, events, status: 'interrupted' });
    }
    return settled;
  }

  async #finish(summary: RecordingSummary, failed: Error | undefined): Promise<void> {
    try {
      await this.ctx.store.tx((r) =>
        r.recordings.finish(summary.id, {
          endedAt: this.ctx.now(),
          bytes: summary.bytes,
          events: summary.events,
          status: failed ? 'failed' : 'complete',
        }),
      );
    } catch (e) {
      this.ctx.deps.logger.log('error', 'cannot finish recording row', {
        recording: summary.id,
        error: firstLine(e),
      });
    }
  }

  async #ensureDir(dir: string): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    // The year and month folders are ours: 0700 whatever the umask.
    for (const d of [path.dirname(dir), dir]) {
      await fs.mkdir(d, { recursive: true, mode: 0o700 });
      await fs.chmod(d, 0o700);
    }
  }
}

/** Size, event count and the time of the last complete event (seconds) of a cast file. */
async function castFacts(file: string): Promise<{ bytes: number; events: number; lastAt: number }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return { bytes: 0, events: 0, lastAt: 0 };
  }
  let events = 0;
  let lastAt = 0;
  const lines = text.split('\n');
  for (const line of lines.slice(1)) {
    if (!line.startsWith('[')) continue;
    try {
      const ev = JSON.parse(line) as unknown;
      if (Array.isArray(ev) && typeof ev[0] === 'number') {
        events++;
        lastAt = Math.max(lastAt, ev[0]);
      }
    } catch {
      // A torn last line (the node died mid-write) is not an event.
    }
  }
  return { bytes: Buffer.byteLength(text), events, lastAt };
}

/** Writes a file next to a recording: 0600, whole or not at all (a temporary name, then renamed). */
async function writeBeside(file: string, data: Buffer, unique: string): Promise<void> {
  const tmp = `${file}.${unique}.tmp`;
  try {
    await fs.writeFile(tmp, data, { mode: 0o600, flag: 'wx' });
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}
