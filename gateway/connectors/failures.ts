// Connection failures as short phrases, shared by the connectors and the hop chain (this file is
// a helper, not a connector: connectors may import it without importing each other).
import type { CustodyError } from '../../core/index.ts';

export type DialFailureReason =
  'refused' | 'unreachable' | 'timeout' | 'auth' | 'host-key' | 'closed' | 'protocol' | 'forwarding';

/**
 * Why a dial failed, as a phrase that completes a sentence about the peer ("… refused the stored
 * credential"). Internal to the gateway: callers turn it into a CustodyError naming the peer.
 * `custody` carries the host-key checker's own CustodyError, if it threw one.
 */
export class DialError extends Error {
  constructor(
    readonly reason: DialFailureReason,
    readonly phrase: string,
    readonly custody?: CustodyError,
  ) {
    super(phrase);
    this.name = 'DialError';
  }
}

/** One line, bounded, for messages built from a library's or a server's text. */
export function oneLine(text: string, max = 160): string {
  // eslint-disable-next-line no-control-regex
  const s = text.replace(/[\x00-\x1f\x7f\s]+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function seconds(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))} s`;
}

/** Socket error codes → reason and phrase; null for codes that mean something else. */
export function socketFailure(code: string | undefined, timeoutMs: number): DialError | null {
  switch (code) {
    case 'ECONNREFUSED':
      return new DialError('refused', 'refused the connection');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
    case 'EADDRNOTAVAIL':
      return new DialError('unreachable', 'unreachable (no route to host)');
    case 'ETIMEDOUT':
      return new DialError('timeout', `did not answer within ${seconds(timeoutMs)}`);
    case 'ECONNRESET':
    case 'EPIPE':
      return new DialError('closed', 'closed the connection during the handshake');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new DialError('unreachable', 'unreachable (name not resolved)');
    default:
      return null;
  }
}
