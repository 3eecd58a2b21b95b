// SSH target connector (ssh2 Client): password or private-key authentication (with a
// keyboard-interactive fallback that answers a password prompt), host-key decisions deferred to
// the caller, and one session per connection: a pty shell, an exec, or the raw sftp subsystem.
//
// `dialSsh` (an authenticated ssh2 Client) is also what the landing-server hop chain uses.
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type {
  AnyAuthMethod,
  AuthenticationType,
  ClientChannel,
  ConnectConfig,
  Client as SshClient,
} from 'ssh2';
import { CustodyError, TargetError, type Credential } from '../../core/index.ts';
import { keyboardInteractiveAnswers } from '../../protocols/prompts.ts';
import { hostKeyVerifier } from '../../protocols/ssh/host-keys.ts';
import { DialError, oneLine, seconds, socketFailure } from './failures.ts';
import {
  DEFAULT_TIMEOUT_MS,
  type HostKeyCheck,
  type OpenRequest,
  type SessionEnd,
  type TargetConnector,
  type TargetStream,
} from './types.ts';
import { setupPhase } from '../setup-phases.ts';

const { Client, utils } = ssh2;

export interface SshDialOptions {
  host: string;
  port: number;
  /** An already connected stream (e.g. a forwardOut channel); otherwise a TCP connection is made. */
  sock?: Duplex;
  credential: Credential;
  hostKey: HostKeyCheck;
  timeoutMs?: number;
}

function authMethods(
  credential: Credential,
): (authsLeft: AuthenticationType[] | null) => AnyAuthMethod | false {
  const username = credential.username;
  const queue: AuthenticationType[] =
    credential.kind === 'password' ? ['password', 'keyboard-interactive'] : ['publickey'];
  return (authsLeft) => {
    for (;;) {
      const next = queue.shift();
      if (!next) return false;
      if (authsLeft && authsLeft.length > 0 && !authsLeft.includes(next)) continue;
      switch (next) {
        case 'password':
          // Revealed at the moment it is sent, not when the connection starts.
          return { type: 'password', username, password: credential.secret.reveal() };
        case 'keyboard-interactive':
          return {
            type: 'keyboard-interactive',
            username,
            prompt: (_name, _instructions, _lang, prompts, finish) => {
              finish(keyboardInteractiveAnswers(prompts, () => credential.secret.reveal()));
            },
          };
        case 'publickey':
          return { type: 'publickey', username, key: credential.secret.revealBytes() };
        default:
          continue;
      }
    }
  };
}

/**
 * Connects and authenticates an ssh2 Client. Rejects with DialError (./failures.ts; never a secret, never a
 * stack); the returned client is ready for channels and must be `end()`ed by the caller.
 */
export function dialSsh(o: SshDialOptions): Promise<SshClient> {
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (o.credential.kind === 'private-key') {
    const parsed = utils.parseKey(o.credential.secret.revealBytes());
    if (parsed instanceof Error || !parsed.isPrivateKey())
      return Promise.reject(
        new DialError('auth', 'cannot use the stored private key (unreadable or passphrase-protected)'),
      );
  }
  return new Promise<SshClient>((resolve, reject) => {
    const client = new Client();
    let settled = false;
    let hostKeyFailure: DialError | undefined;
    const fail = (e: DialError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.removeAllListeners('ready');
      client.on('error', () => {});
      client.end();
      o.sock?.destroy();
      reject(e);
    };
    // ssh2's readyTimeout only starts with its own socket; this one covers a provided stream too.
    const timer = setTimeout(
      () => fail(new DialError('timeout', `did not answer within ${seconds(timeoutMs)}`)),
      timeoutMs,
    );
    const next = authMethods(o.credential);
    const config: ConnectConfig = {
      host: o.host,
      port: o.port,
      username: o.credential.username,
      readyTimeout: timeoutMs,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 4,
      authHandler: (authsLeft, _partial, cb) => {
        const method = next(authsLeft);
        // `false` tells ssh2 there is nothing left to try (its typings omit it).
        cb(method === false ? (false as unknown as AnyAuthMethod) : method);
      },
      hostVerifier: hostKeyVerifier(o.hostKey, (e: unknown) => {
        hostKeyFailure =
          e instanceof CustodyError
            ? new DialError('host-key', `host key refused: ${oneLine(e.message)}`, e)
            : new DialError(
                'host-key',
                `host key refused: ${oneLine(e instanceof Error ? e.message : 'refused by checker')}`,
              );
      }),
    };
    if (o.sock) config.sock = o.sock;
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.on('error', () => {}); // later errors surface as channel/connection close
      resolve(client);
    });
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (hostKeyFailure) return fail(hostKeyFailure);
      if (err.level === 'client-authentication')
        return fail(new DialError('auth', 'refused the stored credential'));
      if (err.level === 'client-timeout')
        return fail(new DialError('timeout', `did not answer within ${seconds(timeoutMs)}`));
      const s = socketFailure(err.code, timeoutMs);
      if (s) return fail(s);
      fail(new DialError('protocol', `ssh handshake failed (${oneLine(err.message, 100)})`));
    });
    client.once('close', () => {
      if (hostKeyFailure) return fail(hostKeyFailure);
      fail(new DialError('closed', 'closed the connection during the handshake'));
    });
    client.connect(config);
    // Each request of the set-up (service request, auth, channel open) is a small packet sent
    // while the peer has not acknowledged the last one yet: with Nagle's algorithm on, each waits
    // for the peer's delayed ACK (40 ms on Linux). OpenSSH turns it off for the same reason. A
    // provided stream (a forwarded channel) has no such setting and is left alone.
    client.setNoDelay(true);
  });
}

/** Wraps a dial failure for the TARGET (not a hop): the checker's own CustodyError passes through. */
function targetFailure(e: unknown, ref: string): CustodyError {
  if (e instanceof DialError) {
    if (e.custody) return e.custody;
    return new TargetError(`target ${e.phrase} (${ref})`, { reason: e.reason, target: ref });
  }
  if (e instanceof CustodyError) return e;
  return new TargetError(`target connection failed (${ref})`, { reason: 'protocol', target: ref });
}

interface OpenedChannel {
  channel: ClientChannel;
  /** Filled by the channel's `exit` event. */
  end: SessionEnd;
  /** Resolves when the channel has closed. */
  closed: Promise<void>;
}

/**
 * Opens the session channel. Listeners are attached inside ssh2's callback, synchronously: a
 * short command's data, exit-status and close can arrive in the same packet batch as the channel
 * confirmation, before any promise continuation would run.
 */
function openChannel(client: SshClient, req: OpenRequest): Promise<OpenedChannel> {
  return new Promise((resolve, reject) => {
    const cb = (err: Error | undefined, channel: ClientChannel) => {
      if (err) return reject(err);
      const end: SessionEnd = {};
      channel.on('exit', (code: number | null, signal?: string) => {
        if (typeof code === 'number') end.exitCode = code;
        if (signal) end.signal = signal;
      });
      const closed = new Promise<void>((r) => channel.once('close', () => r()));
      // A channel error (e.g. the connection dropped) ends the session; it must not crash the process.
      channel.on('error', () => {});
      channel.stderr.on('error', () => {});
      resolve({ channel, end, closed });
    };
    const mode = req.mode;
    switch (mode.kind) {
      case 'shell':
        client.shell({ term: mode.term, cols: mode.cols, rows: mode.rows }, cb);
        break;
      case 'exec':
        client.exec(mode.command, cb);
        break;
      case 'sftp':
        client.subsys('sftp', cb);
        break;
    }
  });
}

export class SshConnector implements TargetConnector {
  readonly protocol = 'ssh' as const;

  async open(req: OpenRequest): Promise<TargetStream> {
    const ref = req.target.ref;
    if (req.via && req.via.kind !== 'tcp')
      throw new TargetError(`target cannot be reached over a terminal relay for ssh (${ref})`, {
        reason: 'forwarding',
        target: ref,
      });
    let client: SshClient;
    try {
      client = await dialSsh({
        host: req.target.host,
        port: req.target.port,
        sock: req.via?.stream,
        credential: req.credential,
        hostKey: req.hostKey,
        timeoutMs: req.timeoutMs,
      });
    } catch (e) {
      throw targetFailure(e, ref);
    }
    setupPhase('target-authenticated');
    const clientClosed = new Promise<void>((r) => client.once('close', () => r()));
    let opened: OpenedChannel;
    try {
      opened = await openChannel(client, req);
    } catch (e) {
      client.end();
      const what = req.mode.kind === 'sftp' ? 'the sftp subsystem' : `a ${req.mode.kind} session`;
      throw new TargetError(
        `target refused ${what} (${ref}): ${oneLine(e instanceof Error ? e.message : String(e), 100)}`,
        { reason: 'protocol', target: ref },
      );
    }
    setupPhase('target-channel');
    const { channel, end } = opened;
    const done = Promise.race([opened.closed, clientClosed]).then(() => {
      client.end();
      return end;
    });
    return {
      stdout: channel,
      stderr: channel.stderr,
      stdin: channel,
      resize(cols: number, rows: number) {
        if (req.mode.kind === 'shell') channel.setWindow(rows, cols, 0, 0);
      },
      close() {
        channel.close();
        client.end();
      },
      done,
    };
  }
}
