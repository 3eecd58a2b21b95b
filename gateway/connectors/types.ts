// The one interface every target connector (ssh, telnet, rdp) implements; connectors never import
// each other (lint), so a protocol can be added or removed without touching the others.
// A connector opens ONE session on ONE target, directly or over a stream the hop chain already
// connected to the target's host:port, and hands back plain streams for the multiplexer.
import type { Duplex, Readable, Writable } from 'node:stream';
import type { Credential, SessionTarget } from '../../core/index.ts';

/** What to run on the target. */
export type SessionMode =
  | { kind: 'shell'; term: string; cols: number; rows: number }
  | { kind: 'exec'; command: string }
  /** SSH only: the raw `sftp` subsystem channel, to pipe a client's subsystem byte for byte. */
  | { kind: 'sftp' };

/** A server host key as presented during the handshake. */
export interface HostKeyInfo {
  /** Key algorithm from the key blob, e.g. `ssh-ed25519`. */
  type: string;
  /** OpenSSH style: `SHA256:` + unpadded base64 of sha256(key blob). */
  fingerprint: string;
}

/** Resolves to accept the key; throws (ideally a one-line CustodyError) to refuse it. */
export type HostKeyCheck = (key: HostKeyInfo) => Promise<void>;

/**
 * A stream already connected to the target's host:port through landing servers.
 * - `tcp`: a byte-exact tunnel (ssh `direct-tcpip`): the connector speaks its protocol over it.
 * - `terminal`: the pty of a landing host's OWN client (`telnet HOST PORT` run there because the
 *   landing refuses TCP forwarding). That client negotiates the protocol itself; the connector only
 *   matches prompts and types. `resize` forwards window changes to that pty.
 */
export interface Via {
  kind: 'tcp' | 'terminal';
  stream: Duplex;
  resize?(cols: number, rows: number): void;
}

export interface OpenRequest {
  /** Only `ref`, `host`, `port` and `protocol` are used. */
  target: Pick<SessionTarget, 'ref' | 'host' | 'port' | 'protocol'>;
  credential: Credential;
  /** Undefined: connect to target.host:target.port directly. */
  via?: Via;
  mode: SessionMode;
  /** SSH: consulted before authentication; a throw refuses the host. Unused by telnet (no host key). */
  hostKey: HostKeyCheck;
  /**
   * Telnet: true while the gateway types the login name and password, false once that is over,
   * so the recorder can suspend. Nothing of that exchange reaches `stdout` either way.
   */
  onCredentialTyping?: (active: boolean) => void;
  /** Connect + handshake + login budget. Default 15 s. */
  timeoutMs?: number;
}

export interface SessionEnd {
  exitCode?: number;
  signal?: string;
}

/** An open session. `stdout`/`stdin` may be the same duplex object (ssh channels are). */
export interface TargetStream {
  readonly stdout: Readable;
  readonly stderr?: Readable;
  readonly stdin: Writable;
  resize(cols: number, rows: number): void;
  /** Ends the session and its connection; `done` resolves soon after. Idempotent. */
  close(): void;
  /** Resolves (never rejects) when the session is over. */
  readonly done: Promise<SessionEnd>;
}

export interface TargetConnector {
  readonly protocol: 'ssh' | 'telnet';
  /** Rejects with a one-line CustodyError (TargetError, HostKeyError, …); never with a secret. */
  open(req: OpenRequest): Promise<TargetStream>;
  /** The refusal of a mode this connector never serves (checked before anything is dialled). */
  refusal?(mode: SessionMode, ref: string): Error | undefined;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
