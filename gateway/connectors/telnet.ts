// Telnet target connector: RFC 854/855 option negotiation (NAWS RFC 1073, TERMINAL-TYPE RFC 1091,
// SUPPRESS-GO-AHEAD, ECHO; every other option refused), then automatic login by prompt matching.
//
// Nothing of the login exchange reaches the operator: output is withheld until the shell prompt
// appears; what arrived after the password was typed (motd, prompt) is then released with any
// occurrence of the password removed. `onCredentialTyping(true/false)` brackets the exchange.
//
// Over a `terminal` via (the landing host's own telnet client in a pty) there is no negotiation:
// that client does it; prompts are matched and typed the same way.
//
// The NVT layer is protocols/telnet/nvt.ts (shared with the reset room), the login automaton
// telnet-auto-login.ts.
import { PassThrough, Writable, type Duplex } from 'node:stream';
import { TargetError } from '../../core/index.ts';
import { TelnetNvt } from '../../protocols/telnet/nvt.ts';
import { DialError, oneLine, seconds } from './failures.ts';
import { connectTcp } from './tcp.ts';
import {
  AutoLogin,
  DEFAULT_TELNET_PROMPTS,
  type LoginOutcome,
  type TelnetPrompts,
} from './telnet-auto-login.ts';
import {
  DEFAULT_TIMEOUT_MS,
  type OpenRequest,
  type SessionEnd,
  type SessionMode,
  type TargetConnector,
  type TargetStream,
} from './types.ts';

export { DEFAULT_TELNET_PROMPTS, type TelnetPrompts } from './telnet-auto-login.ts';

/** The NVT hands out Uint8Arrays (it also runs in a browser); streams here want Buffers. */
const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

export interface TelnetConnectorOptions {
  prompts?: Partial<TelnetPrompts>;
  /** Prompts are matched once the target has been quiet this long (a prompt waits for input). */
  settleMs?: number;
}

export class TelnetConnector implements TargetConnector {
  readonly protocol = 'telnet' as const;
  readonly #prompts: TelnetPrompts;
  readonly #settleMs: number;

  constructor(opts: TelnetConnectorOptions = {}) {
    this.#prompts = { ...DEFAULT_TELNET_PROMPTS, ...opts.prompts };
    this.#settleMs = opts.settleMs ?? 80;
  }

  /** Telnet has no way to run a command or a subsystem: only shells. */
  refusal(mode: SessionMode, ref: string): TargetError | undefined {
    if (mode.kind === 'shell') return undefined;
    return new TargetError(`telnet offers interactive shells only, not ${mode.kind} (${ref})`, {
      reason: 'protocol',
      target: ref,
    });
  }

  async open(req: OpenRequest): Promise<TargetStream> {
    const ref = req.target.ref;
    const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const fail = (e: DialError) =>
      new TargetError(`target ${e.phrase} (${ref})`, { reason: e.reason, target: ref });
    if (req.mode.kind !== 'shell') throw this.refusal(req.mode, ref) as TargetError;
    const { term, cols, rows } = req.mode;
    const started = Date.now();

    let stream: Duplex;
    const raw = req.via?.kind === 'terminal';
    if (req.via) stream = req.via.stream;
    else {
      try {
        stream = await connectTcp(req.target.host, req.target.port, timeoutMs);
      } catch (e) {
        throw e instanceof DialError ? fail(e) : e;
      }
    }

    const write = (b: Buffer) => {
      if (!stream.destroyed && stream.writable) stream.write(b);
    };
    const proto = raw
      ? undefined
      : new TelnetNvt((b) => write(asBuffer(b)), { terminal: { type: term, cols, rows } });
    const encode = (b: Buffer) => (proto ? asBuffer(proto.encode(b)) : b);
    const stdout = new PassThrough();
    const stdin = new Writable({
      write(chunk: Buffer, _enc, cb) {
        write(encode(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)));
        cb();
      },
    });

    let typing = false;
    const setTyping = (on: boolean) => {
      if (typing === on) return;
      typing = on;
      req.onCredentialTyping?.(on);
    };

    const done = new Promise<SessionEnd>((resolve) => {
      stream.once('close', () => resolve({}));
    });
    // A tunnelled stream (an ssh direct-tcpip channel) is half-open: when the target hangs up
    // (the user typed `exit`), end our side too, or 'close' never comes and the session hangs.
    stream.once('end', () => stream.end());
    stream.on('error', () => {}); // a dropped connection ends the session through 'close'

    const forward = (data: Buffer) => {
      if (!stdout.write(data)) {
        stream.pause();
        stdout.once('drain', () => stream.resume());
      }
    };

    const outcome = await new Promise<LoginOutcome | DialError>((resolve) => {
      let over = false;
      const settle = (r: LoginOutcome | DialError) => {
        if (over) return;
        over = true;
        clearTimeout(timer);
        stream.off('close', onClose);
        login.stop();
        // Released synchronously, so it precedes anything the next data event brings.
        if (!(r instanceof DialError) && r.released.length) forward(r.released);
        resolve(r);
      };
      const login = new AutoLogin(
        this.#prompts,
        req.credential,
        (text) => {
          setTyping(true);
          write(encode(Buffer.from(`${text}\r`, 'utf8')));
        },
        this.#settleMs,
        settle,
      );
      const timer = setTimeout(
        () => {
          const what =
            login.state === 'login'
              ? 'sent no login prompt'
              : login.state === 'password'
                ? 'sent no password prompt'
                : 'showed no shell prompt after login';
          settle(new DialError('timeout', `${what} within ${seconds(timeoutMs)}`));
        },
        Math.max(1, timeoutMs - (Date.now() - started)),
      );
      const onClose = () => {
        const said = login.lastLine ? `: "${oneLine(login.lastLine, 80)}"` : '';
        settle(new DialError('closed', `closed the connection before login completed${said}`));
      };
      stream.once('close', onClose);
      stream.on('data', (chunk: Buffer) => {
        const data = proto ? asBuffer(proto.receive(chunk)) : chunk;
        if (data.length === 0) return;
        if (!over) login.feed(data);
        else forward(data);
      });
    });

    if (outcome instanceof DialError) {
      setTyping(false);
      stream.destroy();
      throw fail(outcome);
    }
    setTyping(false);
    stream.once('close', () => stdout.end());

    return {
      stdout,
      stdin,
      resize(c: number, r: number) {
        if (proto) proto.resize(c, r);
        else req.via?.resize?.(c, r);
      },
      close() {
        stream.end();
        stream.destroy();
      },
      done,
    };
  }
}
