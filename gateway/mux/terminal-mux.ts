/**
 * The terminal multiplexer (client + recorder + shadows). One target's output fans out to the
 * operator's client, the recorder, a headless terminal (the current screen, for late joiners) and
 * the live registry, which carries it to any number of read-only viewers; input comes only from
 * the owner.
 *
 *   target ──output()──► client (first, synchronously)
 *                      ├► recorder.output()
 *                      ├► headless screen (screen())
 *                      └► publish() → the live registry → each viewer's bounded queue
 *   owner ──input()──► target + recorder.input()
 *
 * Viewers have no way in: the registry hands them events to read and nothing to write to, so the
 * owner is the only source of input by construction. terminate() ends the session through the
 * connector's callback after telling the owner why.
 */
import { clampTerminalSize } from '../../core/index.ts';
import type { Logger, TerminalRecorder } from '../../core/index.ts';
import { HeadlessScreen } from './screen.ts';
import { Utf8Carry } from './utf8.ts';

export interface TerminalMuxOptions {
  /** The live session's id (for the log). */
  sessionId: string;
  cols: number;
  rows: number;
  /** The operator's terminal. Written first and synchronously; a throw is logged, never fatal. */
  client: (chunk: Buffer) => void;
  /** Sends the owner's input to the target. */
  toTarget: (chunk: Buffer) => void;
  recorder?: TerminalRecorder;
  /** Live output for viewers: the session's live-registry registration. */
  publish?: (chunk: Buffer) => void;
  /** The connector's way to end the session (close the target and the client channel). */
  onTerminate: (reason: string) => void;
  /** Scrollback of the headless terminal (default none: the screen shows the visible rows only). */
  scrollback?: number;
  logger?: Logger;
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

export class TerminalMux {
  readonly #o: TerminalMuxOptions;
  readonly #screen: HeadlessScreen;
  readonly #carry = new Utf8Carry();
  #ended: string | undefined;
  #finalScreen = '';

  constructor(o: TerminalMuxOptions) {
    this.#o = o;
    this.#screen = new HeadlessScreen(o.cols, o.rows, o.scrollback);
  }

  get ended(): boolean {
    return this.#ended !== undefined;
  }
  /** Why it ended (`session terminated: …`, or the reason given to end()). */
  get endReason(): string | undefined {
    return this.#ended;
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
    this.#broadcast(chunk);
  }

  /** The owner's input: to the target and the recorder. */
  input(chunk: Buffer): void {
    if (this.ended || !chunk.length) return;
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

  /** The current screen as terminal bytes. */
  snapshot(): string {
    return this.ended ? this.#finalScreen : this.#screen.snapshot();
  }

  /**
   * What a late joiner is sent first (the registry endpoint's screen()): the current screen, then
   * the start of a character the target has begun but not finished, so the published stream that
   * follows joins it without a broken character.
   */
  screen(): Buffer {
    const carry = this.ended ? Buffer.alloc(0) : Buffer.from(this.#carry.carry);
    return Buffer.concat([Buffer.from(this.snapshot(), 'utf8'), carry]);
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

  /** The target closed (or the owner left): nothing moves any more. */
  end(reason = 'session ended'): void {
    if (this.ended) return;
    this.#finish(oneLineReason(reason));
  }

  #broadcast(chunk: Buffer): void {
    // The owner first: nothing a viewer or the recorder does can delay or stop it.
    this.#guard('client', () => this.#o.client(chunk));
    if (this.#o.recorder) this.#guard('recorder', () => this.#o.recorder!.output(chunk));
    this.#screen.write(this.#carry.push(chunk));
    if (this.#o.publish) this.#guard('live output', () => this.#o.publish!(chunk));
  }

  #finish(reason: string): void {
    this.#finalScreen = this.#screen.snapshot();
    this.#ended = reason;
    this.#screen.dispose();
  }

  #guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.#o.logger?.log('warn', `mux: ${what} failed`, {
        session: this.#o.sessionId,
        error: String((e as Error)?.message ?? e).split('\n')[0],
      });
    }
  }
}
