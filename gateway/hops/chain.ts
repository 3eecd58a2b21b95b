// Landing-server hop chains: gateway → landing 1 → … → landing N → target host:port.
//
// The first landing is dialled over TCP; each next one over a `direct-tcpip` channel (forwardOut)
// of the previous SSH connection; the target is reached by one more forwardOut from the last
// landing, and that channel is handed to the connector as `via`. Every hop authenticates with its
// own credential and its own host-key check.
//
// Failover: each hop's candidates are tried in order (primary, then secondary). ANY failure of a
// candidate (network, timeout, refused credential, refused host key, no credential) moves on to
// the next candidate: a broken primary must not lock operators out when a secondary exists. The
// attempts that failed are returned (`failures`) so the caller can audit them, and if every
// candidate fails the error lists each one's reason, naming the landing server and its resources.
//
// Telnet behind a landing that refuses TCP forwarding (sshd `AllowTcpForwarding no`): when the
// caller passes `terminal`, the last landing runs ITS OWN telnet client in a pty
// (`telnet -8 -E -K -c HOST PORT`: no escape character, so the operator cannot reach the client's
// command mode and through it the landing host; no .telnetrc; no automatic login) and that
// channel is returned as a `terminal` via.
import type { ClientChannel, Client as SshClient } from 'ssh2';
import { CustodyError, TargetError, type Credential, type Hop, type HopCandidate } from '../../core/index.ts';
import { DialError, oneLine, seconds } from '../connectors/failures.ts';
import { dialSsh } from '../connectors/ssh.ts';
import { DEFAULT_TIMEOUT_MS, type HostKeyInfo, type Via } from '../connectors/types.ts';
import { setupPhase } from '../setup-phases.ts';

export interface UsedLanding {
  landing: string;
  role: HopCandidate['role'];
  resource: string;
  account: string;
  ref: string;
}

export interface HopFailure extends UsedLanding {
  reason: DialError['reason'];
  /** Completes "landing server L (role resource) …", e.g. "refused the connection". */
  phrase: string;
}

export interface ChainRequest {
  /** From the gateway outwards; empty means a direct connection (the result has no `via`). */
  route: Hop[];
  target: { ref: string; host: string; port: number; protocol: string };
  /** Fetched only when that candidate is tried (a working primary never reveals the secondary's). */
  credentialFor(candidate: HopCandidate): Promise<Credential>;
  /** Resolves to accept the candidate's host key, throws to refuse it. */
  checkHostKey(candidate: HopCandidate, key: HostKeyInfo): Promise<void>;
  /**
   * Set for terminal sessions on telnet targets: if the last landing refuses to forward TCP, run
   * the landing's own telnet client in a pty of this size instead.
   */
  terminal?: { term: string; cols: number; rows: number };
  /** Per hop budget (connect + handshake + auth), default 15 s. */
  timeoutMs?: number;
}

export interface Chain {
  /** The stream to the target (undefined for an empty route: connect directly). */
  via?: Via;
  /** The landing candidates actually used, in order. */
  landings: UsedLanding[];
  /** Candidates that were tried and failed before a hop succeeded (for the audit trail). */
  failures: HopFailure[];
  /** Tears the whole chain down (target stream, then each hop from the far end). Idempotent. */
  close(): void;
}

const ADMINISTRATIVELY_PROHIBITED = 1;

function used(c: HopCandidate): UsedLanding {
  return { landing: c.landing, role: c.role, resource: c.resource, account: c.account, ref: c.ref };
}

function forwardFailure(err: Error & { reason?: number | string }): DialError {
  if (err.reason === ADMINISTRATIVELY_PROHIBITED)
    return new DialError('forwarding', 'refuses TCP forwarding (administratively prohibited)');
  const text = err.message.replace(/^\(SSH\) Channel open failure:\s*/, '');
  if (/refused/i.test(text)) return new DialError('refused', 'refused the connection');
  if (/no route|unreachable/i.test(text))
    return new DialError('unreachable', 'unreachable (no route to host)');
  if (/timed? ?out/i.test(text)) return new DialError('timeout', 'did not answer in time');
  return new DialError('unreachable', `could not be connected (${oneLine(text, 80)})`);
}

function forwardOut(
  client: SshClient,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    let over = false;
    const timer = setTimeout(() => {
      over = true;
      reject(new DialError('timeout', `did not answer within ${seconds(timeoutMs)}`));
    }, timeoutMs);
    client.forwardOut('127.0.0.1', 0, host, port, (err, channel) => {
      clearTimeout(timer);
      if (over) {
        channel?.close();
        return;
      }
      over = true;
      if (err) reject(forwardFailure(err));
      else resolve(channel);
    });
  });
}

function execPty(
  client: SshClient,
  command: string,
  pty: { term: string; cols: number; rows: number },
): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.exec(command, { pty: { term: pty.term, cols: pty.cols, rows: pty.rows } }, (err, channel) =>
      err ? reject(err) : resolve(channel),
    );
  });
}

const SAFE_HOST = /^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$/;

/** The landing-side command of the terminal fallback; host and port are validated, never quoted. */
export function landingTelnetCommand(host: string, port: number): string {
  if (!SAFE_HOST.test(host) || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new TargetError(
      `target address '${oneLine(host, 60)}:${port}' is not usable from a landing server`,
      {
        reason: 'protocol',
      },
    );
  return `exec telnet -8 -E -K -c ${host} ${port}`;
}

/**
 * "landing server L (primary R) PHRASE; secondary not configured", or with two candidates
 * "landing server L: primary R PHRASE; secondary S PHRASE".
 */
function hopError(hop: Hop, failures: HopFailure[]): TargetError {
  const details = {
    reason: failures[failures.length - 1]?.reason ?? 'unreachable',
    landing: hop.landing,
    attempts: failures.map((f) => ({ role: f.role, resource: f.resource, reason: f.reason })),
  };
  if (hop.candidates.length === 0)
    return new TargetError(`landing server ${hop.landing} has no primary or secondary configured`, details);
  if (failures.length === 1) {
    const f = failures[0]!;
    return new TargetError(
      `landing server ${hop.landing} (${f.role} ${f.resource}) ${f.phrase}; secondary not configured`,
      details,
    );
  }
  return new TargetError(
    `landing server ${hop.landing}: ${failures.map((f) => `${f.role} ${f.resource} ${f.phrase}`).join('; ')}`,
    details,
  );
}

/** Opens the chain; rejects with a TargetError naming the hop (or the target) that failed. */
export async function openChain(req: ChainRequest): Promise<Chain> {
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const clients: SshClient[] = [];
  const landings: UsedLanding[] = [];
  const failures: HopFailure[] = [];
  let via: Via | undefined;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    via?.stream.destroy();
    for (const c of [...clients].reverse()) c.end();
  };

  if (req.route.length === 0) return { landings, failures, close };

  try {
    for (const hop of req.route) {
      const prev = clients[clients.length - 1];
      const prevName = landings[landings.length - 1]?.landing;
      const hopFailures: HopFailure[] = [];
      let client: SshClient | undefined;
      for (const candidate of hop.candidates) {
        try {
          let credential: Credential;
          try {
            credential = await req.credentialFor(candidate);
          } catch (e) {
            const why = e instanceof CustodyError ? `: ${oneLine(e.message, 100)}` : '';
            throw new DialError('auth', `has no usable stored credential${why}`);
          }
          let sock: ClientChannel | undefined;
          if (prev) {
            try {
              sock = await forwardOut(prev, candidate.host, candidate.port, timeoutMs);
            } catch (e) {
              if (e instanceof DialError)
                throw new DialError(
                  e.reason,
                  e.reason === 'forwarding'
                    ? `unreachable: landing server ${prevName} ${e.phrase}`
                    : `${e.phrase} (from landing server ${prevName})`,
                );
              throw e;
            }
          }
          client = await dialSsh({
            host: candidate.host,
            port: candidate.port,
            sock,
            credential,
            hostKey: (key) => req.checkHostKey(candidate, key),
            timeoutMs,
          });
          clients.push(client);
          landings.push(used(candidate));
          setupPhase('landing-authenticated');
          break;
        } catch (e) {
          const d = e instanceof DialError ? e : new DialError('protocol', 'failed');
          hopFailures.push({ ...used(candidate), reason: d.reason, phrase: d.phrase });
        }
      }
      failures.push(...hopFailures);
      if (!client) throw hopError(hop, hopFailures);
    }

    // The last landing connects to the target.
    const last = clients[clients.length - 1]!;
    const lastName = landings[landings.length - 1]!.landing;
    const t = req.target;
    try {
      const channel = await forwardOut(last, t.host, t.port, timeoutMs);
      via = { kind: 'tcp', stream: channel };
      setupPhase('target-forwarded');
    } catch (e) {
      const d = e instanceof DialError ? e : new DialError('protocol', 'failed');
      if (d.reason === 'forwarding' && req.terminal && t.protocol === 'telnet') {
        const command = landingTelnetCommand(t.host, t.port);
        let channel: ClientChannel;
        try {
          channel = await execPty(last, command, req.terminal);
        } catch (err) {
          throw new TargetError(
            `landing server ${lastName} refuses TCP forwarding and running its telnet client (${oneLine(
              err instanceof Error ? err.message : String(err),
              80,
            )})`,
            { reason: 'forwarding', landing: lastName, target: t.ref },
          );
        }
        via = {
          kind: 'terminal',
          stream: channel,
          resize: (cols, rows) => channel.setWindow(rows, cols, 0, 0),
        };
      } else {
        const message =
          d.reason === 'forwarding'
            ? `target ${t.ref} is unreachable: landing server ${lastName} ${d.phrase}`
            : `target ${t.ref} ${d.phrase} (from landing server ${lastName})`;
        throw new TargetError(message, {
          reason: d.reason,
          landing: lastName,
          target: t.ref,
        });
      }
    }
    via.stream.on('error', () => {});
    via.stream.once('close', close);
    return { via, landings, failures, close };
  } catch (e) {
    close();
    throw e;
  }
}
