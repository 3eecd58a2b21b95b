// The desktop session's connection to its target, which a resize replaces: the session (its id,
// recording, shadows, clocks and audit trail) stays, only the RDP connection under it is dialled
// again at the new size, through the grant's landing servers with the same credential and the
// same certificate pin. The new connection is opened BEFORE the old one is closed, so a failed
// reconnect leaves the operator on the old desktop; a server that lets one connection per user
// in (xrdp's sesman, Windows) ends the old one itself, which is then no end of the session.
// Virtual channels follow the connection too: the channel listener (the clipboard) is moved onto
// the new connection, whose server starts the channel's own handshake again.
// Where the server has Display Control, a resize asks it instead, on the same connection (no new
// login, nothing to move); a server that has not acted on the request within a bound gets the
// reconnect after all.
import type { Timers } from '../../../core/index.ts';
import type { LogonNotice } from '../../../protocols/rdp/logon-info.ts';
import type { BitmapRect, DesktopInput, DesktopSize } from '../../../protocols/rdp/types.ts';
import { operatorMessage } from '../types.ts';
import type { DesktopTarget } from './types.ts';

type ChannelListener = (name: string, message: Uint8Array | undefined, tooLong?: number) => void;

export type ReconnectResult = { ok: true; size: DesktopSize } | { ok: false; reason: string };

/**
 * How long a server that took a Display Control layout has to reactivate at the new size before
 * the resize falls back to a reconnect (xrdp 0.9.21 takes about 0.1–0.3 s).
 */
export const DISPLAY_CONTROL_TIMEOUT_MS = 5000;

/** How a resize was done: on the same connection, or by a new one at the new size. */
export type ResizeResult = ReconnectResult & { via?: 'display-control' | 'reconnect' };

export class DesktopLink implements DesktopTarget {
  #current!: DesktopTarget;
  #bitmaps: ((rects: BitmapRect[]) => void) | undefined;
  /** Updates before the data path listens (the first target's start): kept, not lost. */
  #early: BitmapRect[][] = [];
  #resized: (size: DesktopSize) => void = () => undefined;
  #logon: (notice: LogonNotice) => void = () => undefined;
  #channel: ChannelListener | undefined;
  #reconnecting = false;
  #closed = false;
  /** The session is over (its connection ended with no reconnect under way). */
  #ended = false;
  /** How the current connection ended while a reconnect was under way. */
  #lost: { reason: string } | undefined;
  /** A Display Control request waiting for the server's new size. */
  #awaitingServer: ((size: DesktopSize | undefined) => void) | undefined;
  #finish!: (end: { reason: string }) => void;
  readonly done: Promise<{ reason: string }>;

  constructor(
    first: DesktopTarget,
    private readonly redial: (size: DesktopSize) => Promise<DesktopTarget>,
    /** Bounds the wait for a Display Control resize; without it every resize reconnects. */
    private readonly timers?: Timers,
  ) {
    this.done = new Promise((resolve) => (this.#finish = resolve));
    this.#attach(first);
  }

  get size(): DesktopSize {
    return this.#current.size;
  }

  /** The channels the first connection joined (a resize dials the same ones again). */
  get channels(): readonly string[] {
    return this.#current.channels ?? [];
  }

  get reconnecting(): boolean {
    return this.#reconnecting;
  }

  onBitmap(cb: (rects: BitmapRect[]) => void): void {
    this.#bitmaps = cb;
    for (const rects of this.#early.splice(0)) cb(rects);
  }

  onLogon(cb: (notice: LogonNotice) => void): void {
    this.#logon = cb;
  }

  onChannel(fn: ChannelListener): void {
    this.#channel = fn;
    const t = this.#current;
    t.onChannel?.((name, message, tooLong) => this.#channelFrom(t, name, message, tooLong));
  }

  /** False while a reconnect is under way: a message would land on a connection being left. */
  sendChannel(name: string, message: Uint8Array): boolean {
    if (this.#reconnecting || this.#closed) return false;
    return this.#current.sendChannel?.(name, message) ?? false;
  }

  /** Called with the new desktop's size after a reconnect, before its first update. */
  onResized(cb: (size: DesktopSize) => void): void {
    this.#resized = cb;
  }

  /** Input while a reconnect is under way is dropped: it would land on a desktop being left. */
  input(ev: DesktopInput): void {
    if (!this.#reconnecting && !this.#closed) this.#current.input(ev);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#awaitingServer?.(undefined);
    this.#current.close();
  }

  /**
   * Resizes the desktop to `size`: through the server's Display Control where it has it (the
   * same connection), else, or when the server does not act within DISPLAY_CONTROL_TIMEOUT_MS, by
   * a reconnect (`beforeReconnect` runs first: input held on the old desktop is released). Never
   * rejects.
   */
  async resize(size: DesktopSize, beforeReconnect: () => void = () => undefined): Promise<ResizeResult> {
    if (this.#closed || this.#reconnecting || this.#awaitingServer)
      return { ok: false, reason: 'the session is closing' };
    const t = this.#current;
    if (this.timers && t.requestSize?.(size)) {
      const timers = this.timers;
      const given = await new Promise<DesktopSize | undefined>((resolve) => {
        const cancel = timers.after(DISPLAY_CONTROL_TIMEOUT_MS, () => settle(undefined));
        const settle = (s: DesktopSize | undefined) => {
          cancel();
          this.#awaitingServer = undefined;
          resolve(s);
        };
        this.#awaitingServer = settle;
      });
      if (given) return { ok: true, size: given, via: 'display-control' };
      if (this.#closed || this.#ended || this.#current !== t)
        return { ok: false, reason: 'the session is closing' };
    }
    beforeReconnect();
    return { ...(await this.reconnect(size)), via: 'reconnect' };
  }

  /** Dials the target at `size` and moves the session onto it; never rejects. */
  async reconnect(size: DesktopSize): Promise<ReconnectResult> {
    if (this.#closed || this.#reconnecting) return { ok: false, reason: 'the session is closing' };
    const old = this.#current;
    this.#reconnecting = true;
    let next: DesktopTarget;
    try {
      next = await this.redial(size);
    } catch (e) {
      this.#reconnecting = false;
      const reason = operatorMessage(e);
      if (this.#closed) this.#finish(this.#lost ?? { reason: 'the session was closed' });
      else if (this.#lost)
        this.#finish({ reason: `the desktop could not be reopened at its new size: ${reason}` });
      return { ok: false, reason };
    }
    this.#reconnecting = false;
    if (this.#closed) {
      next.close();
      this.#finish(this.#lost ?? { reason: 'the session was closed' });
      return { ok: false, reason: 'the session is closing' };
    }
    this.#lost = undefined;
    this.#resized(next.size);
    this.#attach(next);
    old.close();
    return { ok: true, size: next.size };
  }

  #attach(t: DesktopTarget): void {
    this.#current = t;
    t.onBitmap((rects) => {
      if (this.#current !== t || this.#closed) return;
      if (this.#bitmaps) this.#bitmaps(rects);
      else this.#early.push(rects);
    });
    if (this.#channel)
      t.onChannel?.((name, message, tooLong) => this.#channelFrom(t, name, message, tooLong));
    // The server resized this connection's desktop (asked by `resize`, or of its own accord): the
    // same path as a reconnect's new size, for the screen, the recording and the viewers.
    // A reactivation at the size the desktop already has (a server may reactivate for reasons of
    // its own) is no resize: nothing to redraw at another size, no marker in the recording.
    let shown = t.size;
    t.onServerResize?.((size) => {
      if (this.#current !== t || this.#closed) return;
      if (size.width !== shown.width || size.height !== shown.height) this.#resized(size);
      shown = size;
      this.#awaitingServer?.(size);
    });
    t.onLogon?.((notice) => {
      if (this.#current === t && !this.#closed) this.#logon(notice);
    });
    void t.done.then((end) => {
      if (this.#current !== t) return;
      if (this.#reconnecting) this.#lost = end;
      else {
        this.#ended = true;
        this.#awaitingServer?.(undefined);
        this.#finish(end);
      }
    });
  }

  #channelFrom(t: DesktopTarget, name: string, message: Uint8Array | undefined, tooLong?: number): void {
    if (this.#current === t && !this.#closed) this.#channel?.(name, message, tooLong);
  }
}
