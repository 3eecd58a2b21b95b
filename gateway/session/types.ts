// The session room's shared vocabulary: how the gateway is configured for sessions, and the
// operator's side of a terminal or file-transfer session as the data paths see it.
import { CustodyError } from '../../core/index.ts';
import type { TelnetPrompts } from '../connectors/telnet.ts';

export interface GatewaySettings {
  nodeName: string;
  recordingFailure: 'strict' | 'best-effort';
  /** 0: no idle limit. Applies to every kind of session, port forwards included. */
  idleTimeoutMs: number;
  /** 0: no maximum duration. */
  maxDurationMs: number;
  connectTimeoutMs: number;
  /** Longest clipboard text of an RDP session either way, in bytes as RDP carries it (default 1 MiB). */
  clipboardMaxBytes?: number;
  /** Telnet auto-login patterns (defaults when absent). */
  telnetPrompts?: Partial<TelnetPrompts>;
}

/** The operator's side of one session: an SSH channel (or a console standing in for one). */
export interface OperatorChannel {
  write(chunk: Buffer | string): void;
  /** Flow control: true while the operator's side has more buffered than it has taken. */
  needsDrain(): boolean;
  onceDrain(cb: () => void): void;
  /** Stop / restart reading the operator's input (when the target cannot take more). */
  pause(): void;
  resume(): void;
  writeStderr(chunk: Buffer | string): void;
  onData(cb: (chunk: Buffer) => void): () => void;
  onEnd(cb: () => void): () => void;
  /** The channel's pty size changes (shell sessions). */
  onResize(cb: (cols: number, rows: number) => void): () => void;
  exit(code: number): void;
}

/** One line for the operator: what failed, never a stack or a secret. */
export function operatorMessage(e: unknown): string {
  if (e instanceof CustodyError) return e.message;
  return 'the session could not be opened (internal error; see the gateway log)';
}
