/**
 * Where session recordings live: `<recordingsDir>/<YYYY>/<MM>/<id>.rec` (the encrypted container,
 * container-format.ts; its screen index beside it as `.rec.screens`, sealed with the same key),
 * folders 0700, files 0600, and one `recordings` row per recording holding the recording's data
 * key sealed by the master keyring. Recordings made before encryption (`<id>.cast` + `.idx`, plain
 * asciicast) are still listed, replayed and exported. The gateway opens writers (no actor: the
 * session itself was authorised and audited when it opened); reading recordings back is an
 * authorised, audited operation.
 *
 * The class only wires the store's pieces together (store/: starting writers, listing, reading,
 * downloading, verifying, removing; recording-settle.ts: settling at start-up).
 */
import path from 'node:path';
import type { Actor } from '../authz/actor.ts';
import { isInside } from '../config/home.ts';
import type { CoreContext } from '../context.ts';
import { StorageError } from '../errors.ts';
import type { RecordingFilter, RecordingRow, Repos } from '../storage/repos/index.ts';
import type { DesktopTimeline } from '../../protocols/rdp/desktop-timeline.ts';
import type { DesktopSize } from '../../protocols/rdp/types.ts';
import type { AsciicastWriter } from './asciicast-writer.ts';
import type { OpenedContainer } from './container-reader.ts';
import type { VerifyReport } from './container-verify.ts';
import type { DesktopReader } from './desktop-reader.ts';
import type { FramebufferFactory } from './desktop-screen.ts';
import type { DesktopWriter } from './desktop-writer.ts';
import type { FileTransferWriter } from './file-transfer-writer.ts';
import type { RecordingExport, RecordingFormat } from './recording-formats.ts';
import type { RecordingReader } from './recording-reader.ts';
import { settleInterrupted } from './recording-settle.ts';
import { loadOrCreateSigningKey, type SigningKey } from './signing-key.ts';
import type { RecordingFailurePolicy, RecordingMeta } from './types.ts';
import { desktopTimeline, openDesktopReader } from './store/desktop-access.ts';
import { openContainer } from './store/recording-access.ts';
import { downloadRecording } from './store/recording-download.ts';
import { dataKeyOf } from './store/recording-keys.ts';
import { listRecordings } from './store/recording-listing.ts';
import { removeRecording } from './store/recording-removal.ts';
import { openReplay } from './store/recording-replay.ts';
import type { OpenWriter, StartingStore } from './store/recording-start.ts';
import { verifyRecordings } from './store/recording-verify-all.ts';
import { openDesktopWriter, openFileTransferWriter, openTerminalWriter } from './store/recording-writers.ts';
import type { RecordingStoreOptions } from './store/store-parts.ts';

export { RECORDING_FORMATS, type RecordingExport, type RecordingFormat } from './recording-formats.ts';
export { containerHeader } from './container-header.ts';
export type { RecordingStoreOptions } from './store/store-parts.ts';

export class RecordingStore {
  readonly dir: string;
  readonly signingKeyFile: string;
  readonly #open = new Set<OpenWriter>();
  /** What the store's pieces see of it (store/store-parts.ts). */
  readonly #parts: StartingStore;
  #signer: Promise<SigningKey> | undefined;

  constructor(
    private readonly ctx: CoreContext,
    dir: string,
    options: RecordingStoreOptions = {},
  ) {
    this.dir = path.resolve(dir);
    this.signingKeyFile =
      options.signingKeyFile ??
      ctx.deps.recordingSigningKeyFile ??
      path.join(path.dirname(this.dir), 'keys', 'recording-signing.key');
    this.#parts = {
      ctx,
      dir: this.dir,
      options,
      open: this.#open,
      pathOf: (row) => this.pathOf(row),
      dataKeyOf: (id, repos) => this.dataKeyOf(id, repos),
      openContainer: (row, knownKey) => this.openContainer(row, knownKey),
      signer: () => this.signer(),
    };
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
  dataKeyOf(id: string, repos?: Repos): Promise<Buffer | undefined> {
    return dataKeyOf(this.ctx, id, repos);
  }

  /** A recording's container opened with its key, or undefined for a legacy (plain) recording. */
  openContainer(row: RecordingRow, knownKey?: Buffer): Promise<OpenedContainer | undefined> {
    return openContainer(this.#parts, row, knownKey);
  }

  /**
   * Starts a recording: creates the cast (and its index) and a row with status 'recording'. On
   * close the row gets ended_at, bytes, events and status 'complete' or 'failed'. A write failure
   * is logged and audited (`recording.fail`); the caller registers onFailure and applies `policy`
   * (strict ends the session, best-effort warns and continues).
   */
  open(meta: RecordingMeta, policy: RecordingFailurePolicy): Promise<AsciicastWriter> {
    return openTerminalWriter(this.#parts, meta, policy);
  }

  /**
   * Starts a file transfer's recording (SFTP): its operations, and the file contents only when
   * `recordsContents` (the resource's setting). Same row, failure policy and audit as open().
   */
  openFileTransfer(
    meta: RecordingMeta,
    policy: RecordingFailurePolicy,
    recordsContents: boolean,
  ): Promise<FileTransferWriter> {
    return openFileTransferWriter(this.#parts, meta, policy, recordsContents);
  }

  /**
   * Starts a desktop's recording (RDP, desktop-writer.ts): rectangles, input, sizes and markers,
   * with keyframes drawn by `framebuffer` (default: the RDP decoder's). Same row, failure policy and audit
   * as open(); the row's protocol says what the session was.
   */
  openDesktop(
    meta: RecordingMeta,
    policy: RecordingFailurePolicy,
    desktop: { size: DesktopSize; framebuffer?: FramebufferFactory; keyframeIntervalMs?: number },
  ): Promise<DesktopWriter> {
    return openDesktopWriter(this.#parts, meta, policy, desktop);
  }

  /**
   * A desktop recording opened for playback or stills (desktop-reader.ts): the same permission
   * and the same `recording.export` audit row (format `desktop`) as a download. A player fetching
   * the next stretch of what it already opened passes `audit: false`: the permission is checked
   * again, the row was written when playback started (or last seeked).
   */
  openDesktopReader(
    actor: Actor,
    id: string,
    framebuffer?: FramebufferFactory,
    o: { audit?: boolean } = {},
  ): Promise<DesktopReader> {
    return openDesktopReader(this.#parts, actor, id, framebuffer, o.audit ?? true);
  }

  /**
   * The desktop player's timeline (markers, keyframes, activity, idle stretches), with the
   * player's permission and no audit row of its own (opening the player wrote one). A finished
   * recording's is built once and kept beside it, sealed (desktop-timeline-file.ts).
   */
  desktopTimeline(actor: Actor, id: string): Promise<DesktopTimeline> {
    return desktopTimeline(this.#parts, actor, id);
  }

  /** Recordings, newest first (admins and auditors; password admins when the config lets them). */
  list(actor: Actor, filter: RecordingFilter = {}): Promise<RecordingRow[]> {
    return listRecordings(this.#parts, actor, filter);
  }

  /**
   * One recording, for download, in `format`; audited as `recording.export`. A recording made
   * before encryption exports as the plain cast it is (asciicast and raw only).
   */
  export(
    actor: Actor,
    id: string,
    format: RecordingFormat = 'asciicast',
    options: { at?: number } = {},
  ): Promise<RecordingExport> {
    return downloadRecording(this.#parts, actor, id, format, options);
  }

  /**
   * A recording opened for replay (recording-reader.ts): the same permission and the same
   * `recording.export` audit row as a download, but read a keyframe at a time. A finished
   * recording replayed for the first time gets its screen index drawn and kept next to its cast.
   */
  openReader(actor: Actor, id: string): Promise<RecordingReader> {
    return openReplay(this.#parts, actor, id);
  }

  /**
   * Checks recordings (container-verify.ts): the chain, the chunk numbers, the manifest's
   * signature against this node's key and each chunk's authentication tag. `ids` undefined: every
   * recording, newest first. A recording made before encryption is `legacy`. Audited as
   * `recording.verify`, one row per call.
   */
  verify(actor: Actor, ids?: readonly string[]): Promise<VerifyReport[]> {
    return verifyRecordings(this.#parts, actor, ids);
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
  remove(id: string, within?: (repos: Repos) => Promise<void>): Promise<RecordingRow> {
    return removeRecording(this.#parts, id, within);
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
    return settleInterrupted(this.#parts, open, isMine);
  }
}
