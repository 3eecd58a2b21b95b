// The operator's viewer as the desktop session sees it: a WebSocket carrying viewer-protocol
// frames (protocols/rdp/viewer-protocol.ts). Everything the browser sends is bounded — each
// frame's size (by the protocol: a few bytes), the rate of input — and checked byte for byte;
// a frame that breaks the protocol ends the viewer. A viewer that cannot keep up (the socket's
// send buffer over a bound) skips incremental updates and gets the whole current screen as a
// keyframe once it has caught up: a slow browser never slows the RDP session.
import type { WebSocket } from 'ws';
import type { Timers } from '../../../core/index.ts';
import {
  decodeClientMessage,
  encodeClipboard,
  encodeClipboardPolicy,
  encodeEnd,
  encodeNotice,
  ViewerProtocolError,
  type ClientMessage,
} from '../../../protocols/rdp/viewer-protocol.ts';
import type { DesktopInput, DesktopSize } from '../../../protocols/rdp/types.ts';
import type { DesktopOperator } from '../../session/desktop/types.ts';

export interface ViewerLimits {
  /** Bytes queued on the socket beyond which incremental updates are skipped. */
  maxBufferedBytes: number;
  /** Input messages a second, with bursts up to the same number again. */
  inputPerSecond: number;
  /** How often a lagging viewer is checked for having caught up. */
  catchUpCheckMs: number;
}

export const DEFAULT_VIEWER_LIMITS: ViewerLimits = {
  maxBufferedBytes: 4 * 1024 * 1024,
  inputPerSecond: 400,
  catchUpCheckMs: 100,
};

/** The most a browser may send as one clipboard text (UTF-8); the policy's own limit is smaller. */
const MAX_CLIPBOARD_UPLOAD_BYTES = 4 * 1024 * 1024;

/** Binds one viewer socket; `keyframe` is read when a lagging viewer needs the whole screen. */
export class OperatorSocket implements DesktopOperator {
  #keyframe: () => Uint8Array | undefined = () => undefined;
  #lagging = false;
  #cancelCheck: () => void = () => undefined;
  #ended = false;
  #tokens: number;
  #refilledAt: number;
  readonly #inputs: ((ev: DesktopInput) => void)[] = [];
  readonly #resizes: ((size: DesktopSize) => void)[] = [];
  readonly #gone: (() => void)[] = [];
  readonly #clipboards: ((text: string) => void)[] = [];
  #clipboardParts: Uint8Array[] = [];
  #clipboardBytes = 0;
  #hello: ((m: ClientMessage & { type: 'hello' }) => void) | undefined;
  /** Input refused for its rate (key-downs, moves); releases always pass. */
  dropped = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly timers: Timers,
    private readonly limits: ViewerLimits = DEFAULT_VIEWER_LIMITS,
  ) {
    this.#tokens = limits.inputPerSecond * 2;
    this.#refilledAt = timers.now().getTime();
    ws.on('error', () => undefined);
    ws.on('message', (data, isBinary) => this.#message(data as Buffer, isBinary));
    ws.on('close', () => {
      this.#cancelCheck();
      this.#ended = true;
      for (const cb of this.#gone.splice(0)) cb();
    });
  }

  /** The screen a lagging viewer is resynchronised with, once the session has one. */
  resyncFrom(get: () => Uint8Array): void {
    this.#keyframe = get;
  }

  /** The browser's first message: the desktop size it wants. Rejects when it never comes. */
  hello(timeoutMs: number): Promise<ClientMessage & { type: 'hello' }> {
    return new Promise((resolve, reject) => {
      const cancel = this.timers.after(timeoutMs, () =>
        reject(new ViewerProtocolError('no hello from the viewer')),
      );
      this.#gone.push(() => reject(new ViewerProtocolError('the viewer closed')));
      this.#hello = (m) => {
        cancel();
        resolve(m);
      };
    });
  }

  send(frame: Uint8Array): void {
    if (this.#ended || this.ws.readyState !== this.ws.OPEN) return;
    if (this.#lagging) return;
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.#lagging = true;
      this.#watchCatchUp();
      return;
    }
    this.ws.send(frame);
  }

  #watchCatchUp(): void {
    this.#cancelCheck = this.timers.after(this.limits.catchUpCheckMs, () => {
      if (this.#ended) return;
      if (this.ws.bufferedAmount > this.limits.maxBufferedBytes / 4) return this.#watchCatchUp();
      this.#lagging = false;
      const k = this.#keyframe();
      if (k) this.ws.send(k);
    });
  }

  onInput(cb: (ev: DesktopInput) => void): void {
    this.#inputs.push(cb);
  }

  onResize(cb: (size: DesktopSize) => void): void {
    this.#resizes.push(cb);
  }

  clipboardPolicy(policy: 'off' | 'to-target' | 'from-target' | 'both'): void {
    if (this.#ended || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(
      encodeClipboardPolicy(
        policy === 'both' || policy === 'to-target',
        policy === 'both' || policy === 'from-target',
      ),
    );
  }

  onClipboard(cb: (text: string) => void): void {
    this.#clipboards.push(cb);
  }

  /** Text from the target's clipboard; sent even while the screen is lagging (it is small and rare). */
  clipboard(text: string): void {
    if (!this.#ended && this.ws.readyState === this.ws.OPEN) this.ws.send(encodeClipboard(text));
  }

  onGone(cb: () => void): void {
    if (this.#ended) cb();
    else this.#gone.push(cb);
  }

  notice(text: string): void {
    if (!this.#ended && this.ws.readyState === this.ws.OPEN) this.ws.send(encodeNotice(text));
  }

  end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#cancelCheck();
    if (this.ws.readyState === this.ws.OPEN) {
      this.ws.send(encodeEnd(reason));
      this.ws.close(1000, 'session ended');
    }
    for (const cb of this.#gone.splice(0)) cb();
  }

  #message(data: Buffer, isBinary: boolean): void {
    if (this.#ended) return;
    let m: ClientMessage;
    try {
      if (!isBinary) throw new ViewerProtocolError('a text frame');
      m = decodeClientMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } catch (e) {
      this.ws.close(1008, e instanceof ViewerProtocolError ? 'protocol error' : 'bad message');
      return;
    }
    if (m.type === 'clipboard') {
      this.#clipboardPart(m.part, m.last);
      return;
    }
    if (m.type === 'hello') {
      const h = this.#hello;
      this.#hello = undefined;
      h?.(m);
      return;
    }
    // Resizes are few (the page sends one when the window stops changing) and the session
    // rate-limits the reconnects they cause, so they take no input tokens.
    if (m.type === 'resize') {
      for (const cb of this.#resizes) cb(m.size);
      return;
    }
    if (!this.#admit(m.input)) {
      this.dropped++;
      return;
    }
    for (const cb of this.#inputs) cb(m.input);
  }

  /**
   * The browser's text arrives in parts; the whole is bounded here (the gateway's clipboard
   * limit, applied later, is smaller) so a browser cannot make the gateway buffer without end.
   */
  #clipboardPart(part: Uint8Array, last: boolean): void {
    this.#clipboardBytes += part.length;
    if (this.#clipboardBytes > MAX_CLIPBOARD_UPLOAD_BYTES) {
      this.ws.close(1008, 'clipboard text too long');
      return;
    }
    this.#clipboardParts.push(part.slice());
    if (!last) return;
    const whole = Buffer.concat(this.#clipboardParts);
    this.#clipboardParts = [];
    this.#clipboardBytes = 0;
    const text = whole.toString('utf8');
    for (const cb of this.#clipboards) cb(text);
  }

  /** A token bucket; a release (key-up, button-up) always passes, so nothing stays held. */
  #admit(ev: DesktopInput): boolean {
    const release = (ev.kind === 'key' || ev.kind === 'button') && !ev.down;
    const now = this.timers.now().getTime();
    const cap = this.limits.inputPerSecond * 2;
    this.#tokens = Math.min(
      cap,
      this.#tokens + ((now - this.#refilledAt) / 1000) * this.limits.inputPerSecond,
    );
    this.#refilledAt = now;
    if (release) return true;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
