/**
 * Where session recordings live: `<recordingsDir>/<YYYY>/<MM>/<id>.rec` (the encrypted container,
 * container-format.ts; its screen index beside it as `.rec.screens`, sealed with the same key),
 * folders 0700, files 0600, and one `recordings` row per recording holding the recording's data
 * key sealed by the master keyring. Recordings made before encryption (`<id>.cast` + `.idx`, plain
 * asciicast) are still listed, replayed and exported. The gateway opens writers (no actor: the
 * session itself was authorised and audited when it opened); reading recordings back is an
 * authorised, audited operation.
 */
import { promises as fs } from 'node:fs';
import { createPublicKey, randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Actor } from '../authz/actor.ts';
import { isInside } from '../config/home.ts';
import type { CoreContext, OpScope } from '../context.ts';
import { NotFoundError, StorageError, ValidationError, firstLine } from '../errors.ts';
import type { RecordingFilter, RecordingRow, Repos } from '../storage/repos/index.ts';
import { containerHeader } from './container-header.ts';
import { elsewhereReport, unreadableError } from './recording-elsewhere.ts';
import { RECORDING_FORMATS, type RecordingExport, type RecordingFormat } from './recording-formats.ts';
import { settleInterrupted } from './recording-settle.ts';
import { writeBeside } from './write-beside.ts';
import { AsciicastWriter, openExclusive, type AsciicastWriterOptions } from './asciicast-writer.ts';
import { FileTransferWriter } from './file-transfer-writer.ts';
import { DesktopReader } from './desktop-reader.ts';
import type { FramebufferFactory } from './desktop-screen.ts';
import { openTimeline, sealTimeline, TIMELINE_SUFFIX } from './desktop-timeline-file.ts';
import { DesktopWriter } from './desktop-writer.ts';
import type { DesktopTimeline } from '../../protocols/rdp/desktop-timeline.ts';
import type { DesktopSize } from '../../protocols/rdp/types.ts';
import type { SessionRecorder } from './recorder.ts';
import { bufferSource, openFileSource, type ByteSource } from './byte-source.ts';
import { aad } from '../crypto/aad.ts';
import { Secret } from '../crypto/secret.ts';
import { CONTAINER_SUFFIX, type ContainerHeader } from './container-format.ts';
import { OpenedContainer } from './container-reader.ts';
import { isContainer } from './container-scan.ts';
import type { VerifyReport } from './container-verify.ts';
import { verifyRecording } from './recording-verification.ts';
import { ContainerSink } from './recording-sink.ts';
import { openBlob, sealBlob } from './sealed-blob.ts';
import { loadOrCreateSigningKey, type SigningKey } from './signing-key.ts';
import { INDEX_SUFFIX } from './index-format.ts';
import { RecordingReader, type RecordingSources } from './recording-reader.ts';
import { exportOf, transferCast } from './recording-export.ts';
import { SCREENS_SUFFIX } from './screen-index-file.ts';
import type { RecordingFailurePolicy, RecordingMeta, RecordingSummary } from './types.ts';

export { RECORDING_FORMATS, type RecordingExport, type RecordingFormat } from './recording-formats.ts';
export { containerHeader } from './container-header.ts';

export interface RecordingStoreOptions {
  /** Flush interval of new writers (default 1000 ms). */
  flushIntervalMs?: number;
  /** What wakes the writers' periodic flush (default real time). */
  timers?: AsciicastWriterOptions['timers'];
  /** How writers create their files (tests inject write failures). */
  openFile?: AsciicastWriterOptions['openFile'];
  /** The node's Ed25519 signing key file (default: `keys/recording-signing.key` beside the recordings folder). */
  signingKeyFile?: string;
}

export class RecordingStore {
  readonly dir: string;
  readonly signingKeyFile: string;
  readonly #open = new Set<{ readonly id: string; close(): Promise<unknown> }>();
  #signer: Promise<SigningKey> | undefined;

  constructor(
    private readonly ctx: CoreContext,
    dir: string,
    private readonly options: RecordingStoreOptions = {},
  ) {
    this.dir = path.resolve(dir);
    this.signingKeyFile =
      options.signingKeyFile ??
      ctx.deps.recordingSigningKeyFile ??
      path.join(path.dirname(this.dir), 'keys', 'recording-signing.key');
  }

  /** The node's signing key (created on first use, kept under keys/). */
  signer(): Promise<SigningKey> {
    this.#signer ??= loadOrCreateSigningKey(this.signingKeyFile).catch((e: unknown) => {
      this.#signer = undefined;
      throw e;
    });
    return this.#signer;
  }

  /** The recording's own data key, unsealed (undefined for a recording made before encryption). */
  async dataKeyOf(id: string, repos?: Repos): Promise<Buffer | undefined> {
    const sealed = repos
      ? await repos.recordings.sealedKeyOf(id)
      : await this.ctx.store.read((r) => r.recordings.sealedKeyOf(id));
    if (!sealed) return undefined;
    const secret = this.ctx.deps.keyring.open(sealed, aad.recordingKey(id));
    const key = secret.revealBytes();
    secret.wipe();
    return key;
  }

  /** A recording's container opened with its key, or undefined for a legacy (plain) recording. */
  async openContainer(row: RecordingRow, knownKey?: Buffer): Promise<OpenedContainer | undefined> {
    const file = this.pathOf(row);
    const src = await openFileSource(file);
    if (!src) throw await unreadableError(this.ctx, row, 'ENOENT');
    try {
      if (!(await isContainer(src))) {
        await src.close();
        return undefined;
      }
      const key = knownKey ?? (await this.dataKeyOf(row.id));
      if (!key) throw new StorageError(`recording '${row.id}': its data key is missing`);
      return await OpenedContainer.open(src, key);
    } catch (e) {
      await src.close().catch(() => undefined);
      throw e;
    }
  }

  /**
   * Starts a recording: creates the cast (and its index) and a row with status 'recording'. On
   * close the row gets ended_at, bytes, events and status 'complete' or 'failed'. A write failure
   * is logged and audited (`recording.fail`); the caller registers onFailure and applies `policy`
   * (strict ends the session, best-effort warns and continues).
   */
  async open(meta: RecordingMeta, policy: RecordingFailurePolicy): Promise<AsciicastWriter> {
    return this.#start(meta, policy, 'terminal', (c) =>
      AsciicastWriter.create({
        id: c.id,
        castPath: c.file,
        meta,
        clock: this.ctx.clock,
        policy,
        openSink: c.openSink,
        // The node's metrics count recording bytes as they reach the file.
        onWritten: (bytes) => {
          for (const observe of this.ctx.recordingObservers) observe(bytes);
        },
        ...(this.options.flushIntervalMs ? { flushIntervalMs: this.options.flushIntervalMs } : {}),
        ...(this.options.timers ? { timers: this.options.timers } : {}),
        onClosed: c.onClosed,
      }),
    );
  }

  /**
   * Starts a file transfer's recording (SFTP): its operations, and the file contents only when
   * `recordsContents` (the resource's setting). Same row, failure policy and audit as open().
   */
  async openFileTransfer(
    meta: RecordingMeta,
    policy: RecordingFailurePolicy,
    recordsContents: boolean,
  ): Promise<FileTransferWriter> {
    return this.#start(meta, policy, 'file-transfer', async (c) => {
      const sink = await c.openSink();
      return new FileTransferWriter({
        id: c.id,
        path: c.file,
        clock: this.ctx.clock,
        policy,
        recordsContents,
        sink,
        ...(this.options.flushIntervalMs ? { flushIntervalMs: this.options.flushIntervalMs } : {}),
        ...(this.options.timers ? { timers: this.options.timers } : {}),
        onClosed: c.onClosed,
      });
    });
  }

  /**
   * Starts a desktop's recording (RDP, desktop-writer.ts): rectangles, input, sizes and markers,
   * with keyframes drawn by `framebuffer` (default: the RDP decoder's). Same row, failure policy and audit
   * as open(); the row's protocol says what the session was.
   */
  async openDesktop(
    meta: RecordingMeta,
    policy: RecordingFailurePolicy,
    desktop: { size: DesktopSize; framebuffer?: FramebufferFactory; keyframeIntervalMs?: number },
  ): Promise<DesktopWriter> {
    return this.#start(meta, policy, 'desktop', async (c) => {
      const sink = await c.openSink();
      return new DesktopWriter({
        id: c.id,
        path: c.file,
        clock: this.ctx.clock,
        policy,
        sink,
        size: desktop.size,
        ...(desktop.framebuffer ? { framebuffer: desktop.framebuffer } : {}),
        ...(desktop.keyframeIntervalMs ? { keyframeIntervalMs: desktop.keyframeIntervalMs } : {}),
        onWritten: (bytes) => {
          for (const observe of this.ctx.recordingObservers) observe(bytes);
        },
        ...(this.options.flushIntervalMs ? { flushIntervalMs: this.options.flushIntervalMs } : {}),
        ...(this.options.timers ? { timers: this.options.timers } : {}),
        onClosed: c.onClosed,
      });
    });
  }

  /**
   * A desktop recording opened for playback or stills (desktop-reader.ts): the same permission
   * and the same `recording.export` audit row (format `desktop`) as a download. A player fetching
   * the next stretch of what it already opened passes `audit: false`: the permission is checked
   * again, the row was written when playback started (or last seeked).
   */
  async openDesktopReader(
    actor: Actor,
    id: string,
    framebuffer?: FramebufferFactory,
    o: { audit?: boolean } = {},
  ): Promise<DesktopReader> {
    return new DesktopReader((await this.#openDesktop(actor, id, o.audit ?? true)).c, framebuffer);
  }

  /**
   * The desktop player's timeline (markers, keyframes, activity, idle stretches), with the
   * player's permission and no audit row of its own (opening the player wrote one). A finished
   * recording's is built once and kept beside it, sealed (desktop-timeline-file.ts).
   */
  async desktopTimeline(actor: Actor, id: string): Promise<DesktopTimeline> {
    const { row, c } = await this.#openDesktop(actor, id, false);
    const reader = new DesktopReader(c);
    try {
      const m = c.scan.manifest?.manifest;
      const of = row.status !== 'recording' && m ? { lastHash: m.lastHash, chunks: m.chunks } : undefined;
      const file = this.pathOf(row) + TIMELINE_SUFFIX;
      const key = of && (await this.dataKeyOf(row.id));
      if (of && key) {
        const sealed = await fs.readFile(file).catch(() => undefined);
        const kept = sealed && openTimeline(key, row.id, of, sealed);
        if (kept) return kept;
      }
      const timeline = await reader.timeline();
      if (of && key)
        await writeBeside(file, sealTimeline(key, row.id, of, timeline), this.ctx.ids.next()).catch(
          (e: unknown) =>
            // Not kept is only slower next time.
            this.ctx.deps.logger.log('warn', 'cannot keep the timeline of a recording', {
              recording: row.id,
              error: firstLine(e),
            }),
        );
      return timeline;
    } finally {
      await reader.close();
    }
  }

  async #openDesktop(
    actor: Actor,
    id: string,
    audit: boolean,
  ): Promise<{ row: RecordingRow; c: OpenedContainer }> {
    const { row } = await this.ctx.run(actor, 'recording.export', { kind: 'recording', name: id }, (s) =>
      this.#authorisedRead(actor, id, 'desktop', s, audit),
    );
    const c = await this.openContainer(row);
    if (!c) throw new ValidationError(`recording '${id}' is a terminal recording, not a desktop one`);
    if (c.scan.header.kind !== 'desktop') {
      await c.close();
      throw new ValidationError(`recording '${id}' is a ${c.scan.header.kind} recording, not a desktop one`);
    }
    return { row, c };
  }

  /**
   * Creates the container (with a fresh data key) and a row with status 'recording'. On close the
   * row gets ended_at, bytes, events and status 'complete' or 'failed'. A write failure is logged
   * and audited (`recording.fail`); the caller registers onFailure and applies `policy`.
   */
  async #start<W extends SessionRecorder & { readonly id: string; close(): Promise<RecordingSummary> }>(
    meta: RecordingMeta,
    policy: RecordingFailurePolicy,
    kind: ContainerHeader['kind'],
    make: (c: {
      id: string;
      file: string;
      openSink: () => Promise<ContainerSink>;
      onClosed: (summary: RecordingSummary, failed: Error | undefined) => Promise<void>;
    }) => Promise<W>,
  ): Promise<W> {
    const id = this.ctx.ids.next();
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id) || id.startsWith('.'))
      throw new ValidationError(`unusable recording id '${id}'`);
    const started = meta.startedAt;
    const yyyy = String(started.getUTCFullYear()).padStart(4, '0');
    const mm = String(started.getUTCMonth() + 1).padStart(2, '0');
    const rel = path.posix.join(yyyy, mm, `${id}${CONTAINER_SUFFIX}`);
    const file = path.join(this.dir, yyyy, mm, `${id}${CONTAINER_SUFFIX}`);
    await this.#ensureDir(path.dirname(file));

    const logger = this.ctx.deps.logger;
    const { dataKey, sealedKey, signer } = await this.#newKey(id);
    const header = containerHeader(id, meta, kind);
    const openFile = this.options.openFile ?? openExclusive;
    const writer: W = await make({
      id,
      file,
      openSink: async () =>
        ContainerSink.create(await openFile(file), {
          header,
          dataKey,
          signer,
          now: () => this.ctx.clock.now(),
        }),
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
        r.recordings.insert(
          {
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
          },
          sealedKey,
        ),
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

  /**
   * One recording, for download, in `format`; audited as `recording.export`. A recording made
   * before encryption exports as the plain cast it is (asciicast and raw only).
   */
  async export(
    actor: Actor,
    id: string,
    format: RecordingFormat = 'asciicast',
    options: { at?: number } = {},
  ): Promise<RecordingExport> {
    const target = { kind: 'recording', name: id };
    // The permission and the key are settled in a short transaction; the decrypting pass that
    // sizes the export runs outside it (it can take seconds), and its audit row follows.
    const { file, row, key } = await this.ctx.run(actor, 'recording.export', target, async (s) => {
      const read = await this.#authorisedRead(actor, id, format, s);
      return { ...read, key: await this.dataKeyOf(id, s.repos) };
    });
    const made = await exportOf(
      { openContainer: (r) => this.openContainer(r, key), signer: () => this.signer() },
      row,
      file,
      format,
      options,
    );
    await this.ctx.run(actor, 'recording.export', target, (s) =>
      s.audit('recording.export', target, {
        format,
        ...(made.at !== undefined ? { at: made.at } : {}),
        user: row.user,
        target: row.target,
        session: row.sessionId,
        bytes: made.bytes,
      }),
    );
    return { id, format, path: file, ...made };
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
      (s) => this.#authorisedRead(actor, id, 'asciicast', s, true),
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
    const container = await this.openContainer(row);
    if (container) return this.#containerSources(container, file, row);
    const cast = await openFileSource(file);
    if (!cast) throw await unreadableError(this.ctx, row, 'ENOENT');
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

  /** An encrypted recording's cast, side index and (sealed) screen index. */
  async #containerSources(c: OpenedContainer, file: string, row: RecordingRow): Promise<RecordingSources> {
    if (c.scan.header.kind === 'desktop') {
      await c.close();
      throw new ValidationError(
        `recording '${row.id}' is a desktop recording: it plays in the desktop player`,
      );
    }
    if (c.scan.header.kind === 'file-transfer') {
      // A file transfer has no screen: the players show its operations, a line each, as output.
      const cast = await transferCast(c, row);
      await c.close();
      return { cast: bufferSource(cast) };
    }
    const finished = row.status !== 'recording';
    const key = (await this.dataKeyOf(row.id))!;
    let screens: ByteSource | undefined;
    if (finished) {
      const sealed = await fs.readFile(file + SCREENS_SUFFIX).catch(() => undefined);
      const plain = sealed && openBlob(key, row.id, 'screens', sealed);
      // A screen index that does not open is as good as none: the reader draws the screens again.
      if (plain) screens = bufferSource(plain);
      else if (sealed) screens = bufferSource(Buffer.from('sealed screen index does not open'));
    }
    const logger = this.ctx.deps.logger;
    return {
      cast: c.castSource(),
      index: () => c.sideIndex(),
      screens,
      saveScreens: finished
        ? async (data) => {
            try {
              await writeBeside(
                file + SCREENS_SUFFIX,
                sealBlob(key, row.id, 'screens', data),
                this.ctx.ids.next(),
              );
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
    format: RecordingFormat | 'desktop',
    s: OpScope,
    audit = false,
  ): Promise<{ file: string; bytes: number; row: RecordingRow }> {
    this.ctx.authz.require(actor, 'recording.export');
    if (format !== 'desktop' && !RECORDING_FORMATS.includes(format))
      throw new ValidationError(
        `unknown recording format '${String(format)}' (known: ${RECORDING_FORMATS.join(', ')})`,
      );
    const row = await s.repos.recordings.byId(id);
    if (!row) throw new NotFoundError('recording', id);
    const file = this.pathOf(row);
    let bytes: number;
    try {
      bytes = (await fs.stat(file)).size;
    } catch (e) {
      throw await unreadableError(this.ctx, row, (e as NodeJS.ErrnoException).code ?? 'error');
    }
    if (audit)
      await s.audit(
        'recording.export',
        { kind: 'recording', name: id },
        { format, user: row.user, target: row.target, session: row.sessionId, bytes },
      );
    return { file, bytes, row };
  }

  /**
   * Checks recordings (container-verify.ts): the chain, the chunk numbers, the manifest's
   * signature against this node's key and each chunk's authentication tag. `ids` undefined: every
   * recording, newest first. A recording made before encryption is `legacy`. Audited as
   * `recording.verify`, one row per call.
   */
  async verify(actor: Actor, ids?: readonly string[]): Promise<VerifyReport[]> {
    const target = { kind: 'recording', name: ids?.length === 1 ? ids[0]! : 'all' };
    // Rows and sealed keys in a short transaction; the files are read outside it.
    const items = await this.ctx.run(actor, 'recording.export', target, async (s) => {
      this.ctx.authz.require(actor, 'recording.export');
      const rows: RecordingRow[] = [];
      if (ids)
        for (const id of ids) {
          const row = await s.repos.recordings.byId(id);
          if (!row) throw new NotFoundError('recording', id);
          rows.push(row);
        }
      else rows.push(...(await s.repos.recordings.list({ limit: 1_000_000 })));
      return Promise.all(
        rows.map(async (row) => ({ row, sealed: await s.repos.recordings.sealedKeyOf(row.id) })),
      );
    });
    const publicKey = createPublicKey((await this.signer()).publicPem);
    const keyring = this.ctx.deps.keyring;
    const reports: VerifyReport[] = [];
    for (const { row, sealed } of items)
      reports.push(
        (await elsewhereReport(this.ctx, row, (r) => this.pathOf(r))) ??
          (await verifyRecording(row, this.pathOf(row), sealed, keyring, publicKey)),
      );
    const bad = reports.filter((r) => r.status === 'tampered');
    await this.ctx.run(actor, 'recording.export', target, (s) =>
      s.audit('recording.verify', target, {
        checked: reports.length,
        tampered: bad.length,
        ...(bad[0] ? { first: bad[0].id, reason: bad[0].reason } : {}),
      }),
    );
    return reports;
  }

  /** The node's public signing key (PEM) and its fingerprint, for verifiers elsewhere. */
  async publicKey(actor: Actor): Promise<{ publicKey: string; fingerprint: string }> {
    this.ctx.authz.require(actor, 'recording.list');
    const signer = await this.signer();
    return { publicKey: signer.publicPem, fingerprint: signer.fingerprint };
  }

  /** The absolute cast path of a row; refuses a path that leaves the recordings folder. */
  pathOf(row: Pick<RecordingRow, 'id' | 'path'>): string {
    const file = path.resolve(this.dir, row.path);
    if (!isInside(file, this.dir)) throw new StorageError(`recording '${row.id}': path outside the store`);
    return file;
  }

  /**
   * Deletes a finished recording: its row (with whatever `within` does in the same transaction —
   * the caller's audit row, the search index's lines), then every file of it. Authorisation and
   * audit are the caller's (retention, `custody recordings purge`). A file that cannot be removed
   * is logged and left, never fatal: the row is gone, so nothing lists or replays it.
   */
  async remove(id: string, within?: (repos: Repos) => Promise<void>): Promise<RecordingRow> {
    const row = await this.ctx.store.tx(async (r) => {
      const found = await r.recordings.byId(id);
      if (!found) throw new NotFoundError('recording', id);
      if (found.status === 'recording') throw new ValidationError(`recording '${id}' is still being written`);
      await within?.(r);
      await r.recordings.remove(id);
      return found;
    });
    const file = this.pathOf(row);
    const dir = path.dirname(file);
    const base = path.basename(file);
    try {
      // The cast and everything written beside it under its name (side index, screen index, …).
      const names = (await fs.readdir(dir)).filter((n) => n === base || n.startsWith(`${base}.`));
      await Promise.all(names.map((n) => fs.rm(path.join(dir, n), { force: true })));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        this.ctx.deps.logger.log('warn', 'cannot remove the files of a purged recording', {
          recording: id,
          error: firstLine(e),
        });
    }
    return row;
  }

  /** Closes every writer still open (the core is shutting down). */
  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.#open].map((w) => w.close()));
  }

  /**
   * Settles recordings a killed node left as `recording` (recording-settle.ts); the writers this
   * node still has open are never settled.
   */
  async settleInterrupted(
    isMine: (row: RecordingRow) => Promise<boolean> = async () => true,
  ): Promise<RecordingRow[]> {
    const open = new Set([...this.#open].map((w) => w.id));
    return settleInterrupted(
      {
        ctx: this.ctx,
        pathOf: (row) => this.pathOf(row),
        openContainer: (row) => this.openContainer(row),
        signer: () => this.signer(),
      },
      open,
      isMine,
    );
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

  /** A new recording's data key, sealed for its row, and the node's signing key. */
  async #newKey(id: string): Promise<{ dataKey: Buffer; sealedKey: string; signer: SigningKey }> {
    const dataKey = randomBytes(32);
    const secret = Secret.fromBytes(dataKey);
    const sealedKey = this.ctx.deps.keyring.seal(secret, aad.recordingKey(id));
    secret.wipe();
    return { dataKey, sealedKey, signer: await this.signer() };
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
