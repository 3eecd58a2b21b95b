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
import { WriterCommits } from './writer-commits.ts';

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
  #events = 0;
  #lastT = 0;
  #handed = 0;
  readonly #w = new WriterCommits(() => {
    this.#buf = [];
    this.#bufBytes = 0;
    this.#cancelFlush?.();
    this.#cancelFlush = undefined;
  });
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
    if (this.#w.failed || this.#closing || this.#suspended) return;
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
    this.#w.onFailure(cb);
  }

  backlog(): number {
    return this.#w.backlog(this.#bufBytes);
  }

  drained(): Promise<void> {
    return this.flush();
  }

  committed(): Promise<boolean> {
    return this.#w.committed(this.#handed, () => void this.flush());
  }

  flush(): Promise<void> {
    if (this.#w.failed || !this.#bufBytes) return this.#w.chain;
    const text = Buffer.from(this.#buf.join(''), 'utf8');
    const upTo = this.#handed;
    const tEnd = this.#lastT;
    this.#buf = [];
    this.#bufBytes = 0;
    return this.#w.enqueue(text.length, async () => {
      await this.#o.sink.write({ records: [{ type: RECORD.transfer, text }], castLength: 0, tEnd });
      this.#w.written = upTo;
    });
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
        !!this.#w.failed,
      );
    } catch (e) {
      this.#w.fail(e);
    }
    await this.#o.sink.close().catch((e: unknown) => this.#w.fail(e));
    const summary: RecordingSummary = {
      id: this.id,
      path: this.path,
      bytes: this.#o.sink.bytes,
      events: this.#events,
      durationMs: Math.max(0, this.#o.clock.now().getTime() - this.#startMs),
    };
    await this.#o.onClosed?.(summary, this.#w.failed);
    return summary;
  }
}
