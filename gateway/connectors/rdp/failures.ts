// What node-rdpjs and the socket under it report, as the one-line TargetErrors an operator reads.
// `details.reason` is stable (scripts and the audit trail key on it); the message names the server.
import { CustodyError, TargetError } from '../../../core/index.ts';
import { oneLine, seconds, socketFailure } from '../failures.ts';

export type RdpFailureReason =
  'refused' | 'unreachable' | 'timeout' | 'closed' | 'standard-security' | 'nla-required' | 'protocol';

/** X.224 negotiation failure codes (MS-RDPBCGR 2.2.1.2.2) that mean "standard RDP security only". */
const STANDARD_ONLY_FAILURES = new Set(['2']);
/** …and those that mean the server insists on NLA (CredSSP). */
const NLA_FAILURES = new Set(['5', '6']);

function fail(name: string, reason: RdpFailureReason, phrase: string): TargetError {
  return new TargetError(`RDP server ${name} ${phrase}`, { reason, target: name });
}

export function standardSecurityOnly(name: string): TargetError {
  return fail(
    name,
    'standard-security',
    'offers only standard RDP security, which does not protect the password: enable TLS (security_layer=tls or negotiate) on the server',
  );
}

export function handshakeTimeout(name: string, timeoutMs: number): TargetError {
  return fail(name, 'timeout', `did not complete the RDP handshake within ${seconds(timeoutMs)}`);
}

export function closedDuringHandshake(name: string): TargetError {
  return fail(name, 'closed', 'closed the connection during the RDP handshake');
}

/**
 * Any error node-rdpjs or the socket emitted, as a TargetError. A CustodyError (a refused
 * certificate, a failed NLA login) passes through unchanged. Library errors carry a code such as
 * NODE_RDP_PROTOCOL_X224_NEG_FAILURE and never any credential; only the code and a bounded
 * message are kept.
 */
export function rdpFailure(name: string, err: unknown, timeoutMs: number): CustodyError {
  if (err instanceof CustodyError) return err;
  const e = (err ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : '';
  const socket = socketFailure(code, timeoutMs);
  if (socket) return fail(name, socket.reason as RdpFailureReason, socket.phrase);
  switch (code) {
    case 'NODE_RDP_PROTOCOL_X224_STANDARD_SECURITY_NOT_SUPPORTED':
      return standardSecurityOnly(name);
    case 'NODE_RDP_PROTOCOL_X224_NLA_NOT_SUPPORTED':
      return fail(
        name,
        'nla-required',
        'requires a security protocol the gateway does not offer (it offers TLS and NLA with NTLMv2)',
      );
    case 'NODE_RDP_PROTOCOL_X224_NEG_FAILURE': {
      const failure = /failure code (\d+)/.exec(message)?.[1] ?? '';
      if (STANDARD_ONLY_FAILURES.has(failure)) return standardSecurityOnly(name);
      if (NLA_FAILURES.has(failure))
        return fail(
          name,
          'nla-required',
          'requires a security protocol the gateway does not offer (it offers TLS and NLA with NTLMv2)',
        );
      return fail(
        name,
        'protocol',
        `refused the security negotiation (failure code ${failure || 'unknown'})`,
      );
    }
  }
  const what = code ?? (err instanceof Error ? err.name : 'error');
  const detail = code && message ? `: ${message}` : !code && message ? `: ${message}` : '';
  return fail(name, 'protocol', `sent data the RDP client cannot use (${oneLine(`${what}${detail}`, 100)})`);
}
