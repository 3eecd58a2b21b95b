// One RDP session from the gateway to a target (TLS security; NLA through the `credssp` hook):
// node-rdpjs with the repository's patch, wrapped so that
// - everything the server does wrong ends in ONE CustodyError (failures.ts), never a throw;
// - the TLS certificate is checked before the Client Info PDU (which carries the password) is sent;
// - bitmaps come out as the shared BitmapRect, still compressed, one array per server update;
// - keys and buttons still held are released before the Disconnect-Provider-Ultimatum on close;
// - where the server opens Display Control over `drdynvc` (asked for as a channel), the desktop
//   is resized on the same connection: a monitor layout, then the server's deactivation and
//   reactivation at the new size (`resized`).
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { systemTimers, type CustodyError, type Secret, type Timers } from '../../../core/index.ts';
import type { BitmapRect, DesktopInput, DesktopSize } from '../../../protocols/rdp/types.ts';
import { parseSaveSessionInfo, type LogonNotice } from '../../../protocols/rdp/logon-info.ts';
import { DisplayControlClient } from '../../../protocols/rdp/display-control-client.ts';
import { toBitmapRect } from './bitmaps.ts';
import { VirtualChannels, type ChannelListener } from './channels.ts';
import { peerCertificate, type CertificateCheck } from './certificate.ts';
import { closedDuringHandshake, handshakeTimeout, rdpFailure } from './failures.ts';
import { HeldInput } from './held-input.ts';
import { nlaHook } from './nla.ts';
import { PROTOCOLS, rdpjs, type RdpjsClient, type SelectedProtocol } from './rdpjs.ts';

export interface RdpSessionOptions {
  /** Already connected to the target's RDP port (a landing server's forwardOut channel). */
  stream?: Duplex;
  /** Dialled when there is no `stream`; also names the server in messages. */
  host: string;
  port: number;
  /** How messages name the server (default `host:port`). */
  name?: string;
  size: DesktopSize;
  domain?: string;
  user: string;
  password: Secret;
  /** Consulted after TLS is up and before any credential is sent; a throw refuses the server. */
  certificateCheck: CertificateCheck;
  /**
   * NLA: runs CredSSP on the raw TLS socket when the server selects HYBRID or HYBRID_EX. Default:
   * the built-in NTLMv2 client (nla.ts) with `domain`/`user`/`password`, so a server that
   * requires NLA is logged in to, and a wrong password is told apart before any desktop exists.
   */
  credssp?: (tls: TLSSocket) => Promise<void>;
  /**
   * Static virtual channels to announce and join (`cliprdr`, `drdynvc`); none by default. A server
   * that does not allocate one, or refuses its join, leaves the session going without it.
   * `drdynvc` is the engine's own: it carries Display Control (`requestSize`), and its messages
   * never reach `onChannel`.
   */
  channels?: string[];
  /** Longest channel message taken (default 1 MiB); a longer one is refused before it is buffered. */
  maxChannelMessageBytes?: number;
  /** Connect + TLS + MCS + capability exchange budget. */
  timeoutMs: number;
  timers?: Timers;
}

export type RdpEndReason = 'closed' | 'server-closed' | 'error';

export interface RdpSessionEnd {
  reason: RdpEndReason;
  /** Set when reason is 'error': what went wrong, one line. */
  error?: CustodyError;
}

export interface RdpSession {
  /** The security protocol the server selected. */
  readonly protocol: SelectedProtocol;
  /**
   * The desktop the server gave (its bitmap capability set, MS-RDPBCGR 2.2.7.1.2): a server may
   * keep its own screen size whatever the client asked for (FreeRDP's shadow server does).
   */
  readonly size: DesktopSize;
  on(event: 'bitmap', fn: (rects: BitmapRect[]) => void): this;
  off(event: 'bitmap', fn: (rects: BitmapRect[]) => void): this;
  /** The server's logon notification (Save Session Info), when it sends one. */
  on(event: 'logon', fn: (notice: LogonNotice) => void): this;
  /** The server reactivated the session at a new desktop size (after `requestSize`, or its own). */
  on(event: 'resized', fn: (size: DesktopSize) => void): this;
  /** Whether the server's Display Control channel is open with its capabilities. */
  readonly displayControl: boolean;
  /**
   * Asks the server, over Display Control, for a desktop of `size` on this same connection; true
   * when the layout was sent (the new size then comes as `resized`), false when the server has
   * no Display Control or the size is outside its rules (the caller reconnects instead).
   */
  requestSize(size: DesktopSize): boolean;
  /** The static virtual channels joined, of those asked for. */
  readonly channels: readonly string[];
  /** Whole channel messages (reassembled); those that came before the first listener are replayed. */
  onChannel(fn: ChannelListener): void;
  /** Sends one channel message (chunked); false when not joined or the session is over. */
  sendChannel(name: string, message: Uint8Array): boolean;
  /** Sends operator input (ignored once the session is over). */
  input(ev: DesktopInput): void;
  /** Releases held input, says goodbye (DPU), ends TLS and the stream. Idempotent. */
  close(): void;
  /** Resolves (never rejects) when the session is over. */
  readonly done: Promise<RdpSessionEnd>;
}

const CLOSE_GRACE_MS = 2000;

/** The static channel dynamic virtual channels travel on (MS-RDPEDYC). */
export const DRDYNVC_CHANNEL = 'drdynvc';

function protocolName(selected: number): SelectedProtocol {
  for (const [name, value] of Object.entries(PROTOCOLS))
    if (value === selected) return name as SelectedProtocol;
  return 'ssl';
}

class Session extends EventEmitter implements RdpSession {
  readonly #client: RdpjsClient;
  readonly #held = new HeldInput();
  readonly #timers: Timers;
  #over = false;
  readonly #early: BitmapRect[][] = [];
  /** The last logon notification, for a listener that comes after it. */
  #logon: LogonNotice | undefined;
  #end!: (end: RdpSessionEnd) => void;
  readonly done: Promise<RdpSessionEnd>;
  readonly protocol: SelectedProtocol;
  #size: DesktopSize;
  readonly channels: readonly string[];
  readonly #channels: VirtualChannels;
  readonly #display: DisplayControlClient | undefined;

  constructor(
    client: RdpjsClient,
    channels: VirtualChannels,
    timers: Timers,
    name: string,
    timeoutMs: number,
    asked: DesktopSize,
    display: DisplayControlClient | undefined,
  ) {
    super();
    this.#client = client;
    this.#channels = channels;
    this.#display = display;
    this.channels = channels.joined();
    this.#timers = timers;
    this.protocol = protocolName(client.x224.selectedProtocol);
    this.#size = serverDesktopSize(client, asked);
    this.done = new Promise((resolve) => (this.#end = resolve));
    client.global.on('bitmap', (bitmaps) => {
      if (this.#over) return;
      const rects: BitmapRect[] = [];
      for (const b of bitmaps) {
        const r = toBitmapRect(b);
        if (r) rects.push(r);
      }
      if (!rects.length) return;
      // Updates that arrive in the same read as the end of the handshake come before the caller
      // could listen: they wait for the first listener.
      if (this.listenerCount('bitmap') === 0) this.#early.push(rects);
      else this.emit('bitmap', rects);
    });
    client.on('session', (info) => {
      const notice = info ? parseSaveSessionInfo(new Uint8Array(info)) : null;
      if (!notice || this.#over) return;
      this.#logon = notice;
      this.emit('logon', notice);
    });
    client.global.on('reactivated', (size) => {
      if (this.#over) return;
      const { width, height } = size ?? {};
      // A reactivation without a sane size keeps the one before (the desktop is still there).
      if (saneDimension(width) && saneDimension(height)) this.#size = { width, height };
      this.emit('resized', this.#size);
    });
    client.on('error', (err) => this.#finish({ reason: 'error', error: rdpFailure(name, err, timeoutMs) }));
    client.on('close', () => this.#finish({ reason: 'server-closed' }));
  }

  get size(): DesktopSize {
    return this.#size;
  }

  get displayControl(): boolean {
    return !this.#over && this.#display?.caps !== undefined;
  }

  requestSize(size: DesktopSize): boolean {
    if (this.#over || !this.#display) return false;
    return this.#display.requestLayout(size.width, size.height);
  }

  override on(event: 'bitmap', fn: (rects: BitmapRect[]) => void): this;
  override on(event: 'logon', fn: (notice: LogonNotice) => void): this;
  override on(event: 'resized', fn: (size: DesktopSize) => void): this;
  override on(
    event: 'bitmap' | 'logon' | 'resized',
    fn: ((rects: BitmapRect[]) => void) | ((notice: LogonNotice) => void) | ((size: DesktopSize) => void),
  ): this {
    super.on(event, fn);
    if (event === 'resized') return this;
    if (event === 'logon') {
      if (this.#logon) (fn as (notice: LogonNotice) => void)(this.#logon);
      return this;
    }
    const early = this.#early.splice(0);
    for (const rects of early) (fn as (rects: BitmapRect[]) => void)(rects);
    return this;
  }

  onChannel(fn: ChannelListener): void {
    this.#channels.listen((name, message, tooLong) => {
      if (!this.#over) fn(name, message, tooLong);
    });
  }

  sendChannel(name: string, message: Uint8Array): boolean {
    return !this.#over && this.#channels.send(name, message);
  }

  #finish(end: RdpSessionEnd): void {
    if (this.#over) return;
    this.#over = true;
    this.#client.bufferLayer.destroy();
    this.#end(end);
  }

  input(ev: DesktopInput): void {
    if (this.#over) return;
    this.#held.track(ev);
    this.#send(ev);
  }

  #send(ev: DesktopInput): void {
    const c = this.#client;
    switch (ev.kind) {
      case 'key':
        c.sendKeyEventScancode(ev.scancode & 0xff, ev.down, ev.extended);
        break;
      case 'move':
        c.sendPointerEvent(ev.x, ev.y, 0, false);
        break;
      case 'button':
        c.sendPointerEvent(ev.x, ev.y, ev.button, ev.down);
        break;
      case 'wheel': {
        // The rotation is a 9-bit two's complement number (the negative flag is its sign bit),
        // so at most 255 units a turn either way.
        const step = Math.min(255, Math.abs(Math.round(ev.delta)));
        if (step)
          c.sendWheelEvent(ev.x, ev.y, ev.delta < 0 ? (0x100 - step) & 0xff : step, ev.delta < 0, false);
        break;
      }
    }
  }

  close(): void {
    if (this.#over) return;
    for (const ev of this.#held.releases()) this.#send(ev);
    this.#over = true;
    this.#client.close();
    // A server that never closes its side does not hold the session open.
    const cancel = this.#timers.after(CLOSE_GRACE_MS, () => this.#client.bufferLayer.destroy());
    this.#client.on('close', cancel);
    this.#end({ reason: 'closed' });
  }
}

/**
 * Opens the session: resolves once the server has finished the connection sequence (its first
 * bitmaps may already be on the way), rejects with one CustodyError otherwise.
 */
export function openRdpSession(opts: RdpSessionOptions): Promise<RdpSession> {
  const name = opts.name ?? `${opts.host}:${opts.port}`;
  const timers = opts.timers ?? systemTimers;
  const credssp =
    opts.credssp ??
    nlaHook({
      name,
      account: opts.user,
      ...(opts.domain ? { domain: opts.domain } : {}),
      password: opts.password,
      timers,
      timeoutMs: opts.timeoutMs,
      // Read when the library calls the hook, i.e. after the server's X.224 confirm.
      hybridEx: () => client.x224.selectedProtocol === PROTOCOLS['hybrid-ex'],
    });
  const client = rdpjs.createClient({
    ...(opts.stream ? { socket: opts.stream } : {}),
    ...(opts.domain ? { domain: opts.domain } : {}),
    userName: opts.user,
    password: opts.password.reveal(),
    screen: { width: opts.size.width, height: opts.size.height },
    locale: 'en',
    logLevel: 'NONE',
    autoLogin: true,
    checkCertificate: (tls) => opts.certificateCheck(peerCertificate(tls)),
    credssp,
    ...(opts.channels?.length ? { channels: opts.channels } : {}),
  });
  const channels = new VirtualChannels(client, opts.channels ?? [], opts.maxChannelMessageBytes);
  const display = opts.channels?.includes(DRDYNVC_CHANNEL)
    ? new DisplayControlClient({ send: (m) => void channels.send(DRDYNVC_CHANNEL, m) })
    : undefined;
  if (display) channels.own(DRDYNVC_CHANNEL, (m) => display.receive(m));
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err?: CustodyError) => {
      if (settled) return;
      settled = true;
      cancelTimer();
      if (err) {
        client.bufferLayer.destroy();
        reject(err);
      }
    };
    const cancelTimer = timers.after(opts.timeoutMs, () => settle(handshakeTimeout(name, opts.timeoutMs)));
    client.on('error', (err) => settle(rdpFailure(name, err, opts.timeoutMs)));
    client.on('close', () => settle(closedDuringHandshake(name)));
    client.on('connect', () => {
      if (settled) return;
      const session = new Session(client, channels, timers, name, opts.timeoutMs, opts.size, display);
      settle();
      resolve(session);
    });
    try {
      client.connect(opts.host, opts.port);
    } catch (e) {
      settle(rdpFailure(name, e, opts.timeoutMs));
    }
  });
}

/** The server's desktop size when its bitmap capability states a sane one, else the size asked for. */
function serverDesktopSize(client: RdpjsClient, asked: DesktopSize): DesktopSize {
  const bitmap = client.global.serverCapabilities?.[2]?.obj;
  const width = bitmap?.desktopWidth?.value;
  const height = bitmap?.desktopHeight?.value;
  return saneDimension(width) && saneDimension(height) ? { width, height } : asked;
}

function saneDimension(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 8192;
}
