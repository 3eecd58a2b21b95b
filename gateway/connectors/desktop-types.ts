// The interface of desktop connectors (RDP), next to the terminal one in types.ts: a terminal
// session is a pair of byte streams, a desktop session is bitmaps out and input events in, so it
// gets its own shape rather than bending TargetStream. Routes are the same: direct, or over the
// stream the hop chain connected to the target's host:port (`via`, always a tcp tunnel here).
import type { TLSSocket } from 'node:tls';
import type { Credential, SessionTarget } from '../../core/index.ts';
import type { LogonNotice } from '../../protocols/rdp/logon-info.ts';
import type { BitmapRect, DesktopInput, DesktopSize } from '../../protocols/rdp/types.ts';
import type { Via } from './types.ts';

/** The server's TLS certificate, for pinning: DER and `SHA256:` fingerprint. */
export interface DesktopCertificate {
  der: Buffer;
  fingerprint: string;
}

export interface DesktopOpenRequest {
  /** Only `ref`, `host`, `port` and `protocol` are used. */
  target: Pick<SessionTarget, 'ref' | 'host' | 'port' | 'protocol'>;
  /** A password credential; `DOMAIN\user` names a domain account. */
  credential: Credential;
  /** Undefined: connect to target.host:target.port directly. */
  via?: Via;
  size: DesktopSize;
  /** Consulted after TLS and before the credential is sent; a throw refuses the server. */
  certificate(cert: DesktopCertificate): Promise<void>;
  /** NLA: runs CredSSP on the TLS socket when the server selects it (absent: TLS security only). */
  credssp?: (tls: TLSSocket) => Promise<void>;
  /**
   * Static virtual channels to announce and join (`cliprdr` when the clipboard policy allows it,
   * `drdynvc` for Display Control).
   */
  channels?: string[];
  /** Connect + handshake budget. Default 15 s. */
  timeoutMs?: number;
}

export interface DesktopEnd {
  reason: 'closed' | 'server-closed' | 'error';
  /** One line, for the operator, when the server or the connection failed. */
  message?: string;
}

export interface DesktopSession {
  /** The security the server selected (`ssl` = TLS, `hybrid`/`hybrid-ex` = NLA). */
  readonly protocol: string;
  /** The desktop the server gave, which may not be the size asked for (FreeRDP's shadow keeps its own). */
  readonly size: DesktopSize;
  on(event: 'bitmap', fn: (rects: BitmapRect[]) => void): this;
  off(event: 'bitmap', fn: (rects: BitmapRect[]) => void): this;
  /** The server's logon notification (Save Session Info), on servers that send one. */
  on(event: 'logon', fn: (notice: LogonNotice) => void): this;
  input(ev: DesktopInput): void;
  /** The virtual channels joined (none unless asked for and offered by the server). */
  readonly channels: readonly string[];
  /** Whole channel messages; `message` undefined: one refused unread for its length (`tooLong` bytes). */
  onChannel(fn: (name: string, message: Uint8Array | undefined, tooLong?: number) => void): void;
  /** False when the channel is not joined or the session is over. */
  sendChannel(name: string, message: Uint8Array): boolean;
  /**
   * Asks the server for a desktop of `size` on this connection (Display Control over `drdynvc`,
   * when asked for as a channel and the server opened it); false when it cannot be asked.
   */
  requestSize?(size: DesktopSize): boolean;
  /** The server reactivated the desktop at a new size on this connection. */
  onServerResize?(fn: (size: DesktopSize) => void): void;
  /** Releases held keys and buttons, disconnects politely; `done` resolves soon after. Idempotent. */
  close(): void;
  /** Resolves (never rejects) when the session is over. */
  readonly done: Promise<DesktopEnd>;
}

export interface DesktopConnector {
  readonly protocol: 'rdp';
  /** Rejects with a one-line CustodyError (TargetError, HostKeyError…); never with a secret. */
  open(req: DesktopOpenRequest): Promise<DesktopSession>;
}
