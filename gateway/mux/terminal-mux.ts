/**
 * The terminal multiplexer (ARCHITECTURE.md: client + recorder + shadows). One target's output
 * fans out to the operator's client, the recorder, a headless terminal (the current screen, for
 * late joiners) and any number of read-only viewers; input comes only from the owner.
 *
 *   target ──output()──► client (first, synchronously)
 *                      ├► recorder.output()
 *                      ├► headless screen (snapshot())
 *                      └► each viewer, through its own bounded queue (a stalled viewer is dropped)
 *   owner ──input()──► target + recorder.input();  a viewer's input is discarded
 *
 * It is the session's LiveSessionHandle: the gateway registers it in the live registry, and
 * terminate() ends the session through the connector's callback after telling the owner why.
 */
import { clampTerminalSize } from '../../core/index.ts';
import type { LiveSessionHandle, LiveSessionInfo, Logger, TerminalRecorder } from '../../core/index.ts';
import { HeadlessScreen } from './screen.ts';
import { DEFAULT_SHADOW_LIMIT, ShadowQueue, type Sink } from './shadow-queue.ts';
import { Utf8Carry } from './utf8.ts';

export type { Sink } from './shadow-queue.ts';

export interface TerminalMuxOptions {
  /** The session as the live registry shows it (the byte counters are the mux's own). */
  info: Omit<LiveSessionInfo, 'bytesIn' | 'bytesOut'>;
  cols: number;
  rows: number;
  /** The operator's terminal. Written first and synchronously; a throw is logged, never fatal. */
  client: (chunk: Buffer) => void;
  /** Sends the owner's input to the target. */
  toTarget: (chunk: Buffer) => void;
  recorder?: TerminalRecorder;
  /** The connector's way to end the session (close the target and the client channel). */
  onTerminate: (reason: string) => void;
  /** Bytes a viewer may fall behind before it is dropped (default 1 MiB). */
  shadowLimitBytes?: number;
  /** Scrollback of the headless terminal (default none: snapshots show the visible screen only). */
  scrollback?: number;
  logger?: Logger;
}

/** A read-only viewer attached with join(). */
export interface ShadowHandle {
  readonly id: number;
  /** Viewers are read-only: this is discarded (and counted). */
  input(data: Buffer): void;
  leave(): void;
}

const TERMINATED_PREFIX = /^terminated\b/i;

/** One line, printable, bounded: a reason never carries escape sequences to the owner's terminal. */
export function oneLineReason(reason: string): string {
  const flat = reason
    .replace(/[\r\n]+/g, ' ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .trim();
  return (flat || 'no reason given').slice(0, 200);
}

export class TerminalMux implements LiveSessionHandle {
  readonly #o: TerminalMuxOptions;
  readonly #screen: HeadlessScreen;
  readonly #carry = new Utf8Carry();
  readonly #viewers = new Map<number, ShadowQueue>();
  readonly #limit: number;
  #nextViewer = 1;
  #bytesIn = 0;
  #bytesOut = 0;
  #discardedInput = 0;
  #ended: string | undefined;
  #finalSnapshot = '';

  constructor(o: TerminalMuxOptions) {
    this.#o = o;
    this.#limit = o.shadowLimitBytes ?? DEFAULT_SHADOW_LIMIT;
    this.#screen = new HeadlessScreen(o.cols, o.rows, o.scrollback);
  }

  /** bytesIn: the owner's input to the target; bytesOut: the target's output. */
  info(): LiveSessionInfo {
    return { ...this.#o.info, bytesIn: this.#bytesIn, bytesOut: this.#bytesOut };
  }

  get ended(): boolean {
    return this.#ended !== undefined;
  }
  get viewerCount(): number {
    return this.#viewers.size;
  }
  /** Bytes of viewer input thrown away (viewers are read-only). */
  get discardedInput(): number {
    return this.#discardedInput;
  }
  get cols(): number {
    return this.#screen.cols;
  }
  get rows(): number {
    return this.#screen.rows;
  }

  /** Target output. */
  output(chunk: Buffer): void {
    if (this.ended || !chunk.length) return;
    this.#bytesOut += chunk.length;
    this.#broadcast(chunk);
  }

  /** The owner's input: to the target and the recorder. */
  input(chunk: Buffer): void {
    if (this.ended || !chunk.length) return;
    this.#bytesIn += chunk.length;
    this.#guard('target', () => this.#o.toTarget(chunk));
    if (this.#o.recorder) this.#guard('recorder', () => this.#o.recorder!.input(chunk));
  }

  /** The owner's window changed: the headless screen and the recording follow. */
  resize(cols: number, rows: number): void {
    if (this.ended || !(cols > 0 && rows > 0)) return;
    ({ cols, rows } = clampTerminalSize(cols, rows));
    if (cols === this.#screen.cols && rows === this.#screen.rows) return;
    this.#screen.resize(cols, rows);
    if (this.#o.recorder) this.#guard('recorder', () => this.#o.recorder!.resize(cols, rows));
  }

  /** The current screen as terminal bytes: what a late joiner is sent first. */
  snapshot(): string {
    return this.ended ? this.#finalSnapshot : this.#screen.snapshot();
  }

  /** Output the headless terminal has not parsed yet (bounded by the session's backpressure). */
  screenBacklog(): number {
    return this.#screen.backlog();
  }

  /** Resolves when the headless terminal has parsed everything written so far. */
  settled(): Promise<void> {
    return this.#screen.settled();
  }

  /**
   * Live output from now on (LiveSessionHandle). A character the target has begun but not
   * finished is sent first, so the stream joins the snapshot without a broken character.
   */
  subscribe(onData: (chunk: Buffer) => void, onEnd: (reason: string) => void): () => void {
    return this.#attach(onData as Sink, onEnd, false).leave;
  }

  /** A read-only viewer: the current screen first, then the live stream. */
  join(sink: Sink, onEnd: (reason: string) => void = () => undefined): ShadowHandle {
    const h = this.#attach(sink, onEnd, true);
    return {
      id: h.id,
      input: (data) => {
        this.#discardedInput += data.length;
      },
      leave: h.leave,
    };
  }

  /**
   * Ends the session for an administrator: the owner (and every viewer, and the recording) gets
   * the one-line reason in this same tick, then the connector's callback closes the session.
   */
  terminate(reason: string): void {
    if (this.ended) return;
    const why = oneLineReason(reason);
    const text = TERMINATED_PREFIX.test(why) ? why : `terminated: ${why}`;
    this.#broadcast(Buffer.from(`\r\n[custody] session ${text}\r\n`, 'utf8'));
    this.#finish(`session ${text}`);
    this.#guard('terminate callback', () => this.#o.onTerminate(why));
  }

  /** The target closed (or the owner left): viewers get what is queued, then their end callback. */
  end(reason = 'session ended'): void {
    if (this.ended) return;
    this.#finish(oneLineReason(reason));
  }

  #attach(sink: Sink, onEnd: (reason: string) => void, withSnapshot: boolean) {
    const id = this.#nextViewer++;
    const leave = () => {
      const q = this.#viewers.get(id);
      if (!q) return;
      this.#viewers.delete(id);
      q.detach();
    };
    if (this.ended) {
      const reason = this.#ended!;
      queueMicrotask(() => onEnd(reason));
      return { id, leave };
    }
    const q = new ShadowQueue(
      sink,
      (reason) => {
        this.#viewers.delete(id);
        if (reason.startsWith('too far behind') || reason.startsWith('viewer failed'))
          this.#o.logger?.log('warn', 'viewer dropped', { session: this.#o.info.id, viewer: id, reason });
        onEnd(reason);
      },
      this.#limit,
    );
    this.#viewers.set(id, q);
    if (withSnapshot) q.push(Buffer.from(this.#screen.snapshot(), 'utf8'));
    if (this.#carry.carry.length) q.push(Buffer.from(this.#carry.carry));
    return { id, leave };
  }

  #broadcast(chunk: Buffer): void {
    // The owner first: nothing a viewer or the recorder does can delay or stop it.
    this.#guard('client', () => this.#o.client(chunk));
    if (this.#o.recorder) this.#guard('recorder', () => this.#o.recorder!.output(chunk));
    this.#screen.write(this.#carry.push(chunk));
    for (const q of [...this.#viewers.values()]) q.push(chunk);
  }

  #finish(reason: string): void {
    this.#finalSnapshot = this.#screen.snapshot();
    this.#ended = reason;
    for (const q of [...this.#viewers.values()]) q.end(reason);
    this.#screen.dispose();
  }

  #guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.#o.logger?.log('warn', `mux: ${what} failed`, {
        session: this.#o.info.id,
        error: String((e as Error)?.message ?? e).split('\n')[0],
      });
    }
  }
}
