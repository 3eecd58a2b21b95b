/**
 * The file-transfer recorder (SFTP, and scp over SFTP): each operation the client asked for and
 * how it ended, as JSON lines (file-transfer-format.ts) in the encrypted container, flushed at
 * least every second like a terminal recording. File contents are kept only when the resource's
 * setting asks for them.
 */
import type { Clock } from '../runtime.ts';
import { systemTimers, type Timers } from '../timers.ts';
import { RECORD } from './container-format.ts';
import { transferLine, type TransferOp } from './file-transfer-format.ts';
import type { FileTransferRecorder } from './recorder.ts';
import type { RecordingSink } from './recording-sink.ts';
import type { RecordingFailurePolicy, RecordingSummary } from './types.ts';

export interface FileTransferWriterOptions {
  id: string;
  path: string;
  clock: Clock;
  policy: RecordingFailurePolicy;
  recordsContents: boolean;
  sink: RecordingSink;
  timers?: Timers;
  flushIntervalMs?: number;
  onClosed?: (summary: RecordingSummary, failed: Error | undefined) => Promise<void>;
}

const FLUSH_BYTES = 64 * 1024;

export class FileTransferWriter implements FileTransferRecorder {
  readonly id: string;
  readonly path: string;
  readonly policy: RecordingFailurePolicy;
  readonly recordsContents: boolean;
  readonly #o: FileTransferWriterOptions;
  readonly #startMs: number;
  #buf: string[] = [];
  #bufBytes = 0;
  #inFlight = 0;
  #events = 0;
  #lastT = 0;
  #handed = 0;
  #written = 0;
  #failed: Error | undefined;
  #failureCallbacks: ((e: Error) => void)[] = [];
  #commits: { upTo: number; resolve: (ok: boolean) => void }[] = [];
  #chain: Promise<void> = Promise.resolve();
  #cancelFlush: (() => void) | undefined;
  #closing: Promise<RecordingSummary> | undefined;
  #suspended = false;

  constructor(o: FileTransferWriterOptions) {
    this.#o = o;
    this.id = o.id;
    this.path = o.path;
    this.policy = o.policy;
    this.recordsContents = o.recordsContents;
    this.#startMs = o.clock.now().getTime();
    const timers = o.timers ?? systemTimers;
    const interval = o.flushIntervalMs ?? 1000;
    const tick = () => {
      void this.flush();
      if (this.#cancelFlush) this.#cancelFlush = timers.after(interval, tick);
    };
    this.#cancelFlush = timers.after(interval, tick);
  }

  operation(op: Omit<TransferOp, 't'>): void {
    if (this.#failed || this.#closing || this.#suspended) return;
    const t = Math.max(this.#lastT, Math.round(this.#o.clock.now().getTime() - this.#startMs) / 1000);
    this.#lastT = t;
    const line = transferLine({ t, ...op });
    this.#buf.push(line);
    const n = Buffer.byteLength(line);
    this.#bufBytes += n;
    this.#handed += n;
    this.#events++;
    if (this.#bufBytes >= FLUSH_BYTES) void this.flush();
  }

  suspend(): void {
    this.#suspended = true;
  }

  resume(): void {
    this.#suspended = false;
  }

  onFailure(cb: (error: Error) => void): void {
    if (this.#failed) {
      const e = this.#failed;
      queueMicrotask(() => cb(e));
    } else this.#failureCallbacks.push(cb);
  }

  backlog(): number {
    return this.#failed ? 0 : this.#bufBytes + this.#inFlight;
  }

  drained(): Promise<void> {
    return this.flush();
  }

  committed(): Promise<boolean> {
    if (this.#failed) return Promise.resolve(false);
    if (this.#written >= this.#handed) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.#commits.push({ upTo: this.#handed, resolve });
      void this.flush();
    });
  }

  flush(): Promise<void> {
    if (this.#failed || !this.#bufBytes) return this.#chain;
    const text = Buffer.from(this.#buf.join(''), 'utf8');
    const upTo = this.#handed;
    const tEnd = this.#lastT;
    this.#buf = [];
    this.#bufBytes = 0;
    this.#inFlight += text.length;
    this.#chain = this.#chain.then(async () => {
      try {
        if (this.#failed) return;
        await this.#o.sink.write({ records: [{ type: RECORD.transfer, text }], castLength: 0, tEnd });
        this.#written = upTo;
        while (this.#commits.length && this.#commits[0]!.upTo <= this.#written)
          this.#commits.shift()!.resolve(true);
      } catch (e) {
        this.#fail(e);
      } finally {
        this.#inFlight -= text.length;
      }
    });
    return this.#chain;
  }

  close(): Promise<RecordingSummary> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<RecordingSummary> {
    this.#cancelFlush?.();
    this.#cancelFlush = undefined;
    await this.flush();
    try {
      await this.#o.sink.finish(
        { events: this.#events, castBytes: 0, durationSeconds: this.#lastT },
        !!this.#failed,
      );
    } catch (e) {
      this.#fail(e);
    }
    await this.#o.sink.close().catch((e: unknown) => this.#fail(e));
    const summary: RecordingSummary = {
      id: this.id,
      path: this.path,
      bytes: this.#o.sink.bytes,
      events: this.#events,
      durationMs: Math.max(0, this.#o.clock.now().getTime() - this.#startMs),
    };
    await this.#o.onClosed?.(summary, this.#failed);
    return summary;
  }

  #fail(e: unknown): void {
    if (this.#failed) return;
    const error = e instanceof Error ? e : new Error(String(e));
    this.#failed = error;
    for (const c of this.#commits.splice(0)) c.resolve(false);
    this.#buf = [];
    this.#bufBytes = 0;
    this.#cancelFlush?.();
    this.#cancelFlush = undefined;
    for (const cb of this.#failureCallbacks.splice(0)) {
      try {
        cb(error);
      } catch {
        // A failing callback must not hide the failure from the others.
      }
    }
  }
}
