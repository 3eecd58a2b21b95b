// Telnet target connector: RFC 854/855 option negotiation (NAWS RFC 1073, TERMINAL-TYPE RFC 1091,
// SUPPRESS-GO-AHEAD, ECHO; every other option refused), then automatic login by prompt matching.
//
// Nothing of the login exchange reaches the operator: output is withheld until the shell prompt
// appears; what arrived after the password was typed (motd, prompt) is then released with any
// occurrence of the password removed. `onCredentialTyping(true/false)` brackets the exchange.
//
// Over a `terminal` via (the landing host's own telnet client in a pty) there is no negotiation:
// that client does it; prompts are matched and typed the same way.
import net from 'node:net';
import { PassThrough, Writable, type Duplex } from 'node:stream';
import { TargetError, type Credential } from '../../core/index.ts';
import { DialError, oneLine, seconds, socketFailure } from './failures.ts';
import {
  DEFAULT_TIMEOUT_MS,
  type OpenRequest,
  type SessionEnd,
  type TargetConnector,
  type TargetStream,
} from './types.ts';

export interface TelnetPrompts {
  login: RegExp;
  password: RegExp;
  failure: RegExp;
  shell: RegExp;
}

export const DEFAULT_TELNET_PROMPTS: Readonly<TelnetPrompts> = Object.freeze({
  login: /(login|username)\s*:\s*$/i,
  password: /password\s*:\s*$/i,
  failure: /(login incorrect|authentication failed|access denied)/i,
  shell: /[$#>]\s*$/,
});

export interface TelnetConnectorOptions {
  prompts?: Partial<TelnetPrompts>;
  /** Prompts are matched once the target has been quiet this long (a prompt waits for input). */
  settleMs?: number;
}

// RFC 854 commands and the options this client knows.
const IAC = 255;
const DONT = 254;
const DO = 253;
const WONT = 252;
const WILL = 251;
const SB = 250;
const SE = 240;
const OPT_ECHO = 1;
const OPT_SGA = 3;
const OPT_TTYPE = 24;
const OPT_NAWS = 31;
const TTYPE_IS = 0;
const TTYPE_SEND = 1;
/** Options this side performs when asked (DO → WILL). */
const LOCAL_OPTIONS = new Set([OPT_SGA, OPT_TTYPE, OPT_NAWS]);
/** Options the server may perform (WILL → DO). */
const REMOTE_OPTIONS = new Set([OPT_ECHO, OPT_SGA]);

/**
 * The NVT layer: splits the byte stream into data and commands, answers negotiation, and
 * encodes outgoing data (IAC doubling, CR → CR NUL). No login logic here.
 */
export class TelnetProtocol {
  readonly #local = new Set<number>();
  readonly #remote = new Set<number>();
  #state: 'data' | 'iac' | 'verb' | 'sb' | 'sb-iac' = 'data';
  #verb = 0;
  #sb: number[] = [];
  #lastCR = false;
  #cols: number;
  #rows: number;

  constructor(
    private readonly send: (bytes: Buffer) => void,
    private readonly term: string,
    size: { cols: number; rows: number },
  ) {
    this.#cols = size.cols;
    this.#rows = size.rows;
  }

  /** Options in effect, for tests and diagnostics. */
  get options(): { local: number[]; remote: number[] } {
    return { local: [...this.#local].sort(), remote: [...this.#remote].sort() };
  }

  /** Feeds received bytes; returns the data bytes among them. */
  receive(chunk: Buffer): Buffer {
    const out: number[] = [];
    for (const b of chunk) {
      switch (this.#state) {
        case 'data':
          if (b === IAC) this.#state = 'iac';
          else if (this.#lastCR && b === 0)
            this.#lastCR = false; // CR NUL → CR
          else {
            out.push(b);
            this.#lastCR = b === 13;
          }
          break;
        case 'iac':
          if (b === IAC) {
            out.push(IAC);
            this.#lastCR = false;
            this.#state = 'data';
          } else if (b === DO || b === DONT || b === WILL || b === WONT) {
            this.#verb = b;
            this.#state = 'verb';
          } else if (b === SB) {
            this.#sb = [];
            this.#state = 'sb';
          } else this.#state = 'data'; // NOP, GA, DM, AYT, …: nothing to do
          break;
        case 'verb':
          this.#negotiate(this.#verb, b);
          this.#state = 'data';
          break;
        case 'sb':
          if (b === IAC) this.#state = 'sb-iac';
          else if (this.#sb.length < 1024) this.#sb.push(b);
          break;
        case 'sb-iac':
          if (b === SE) {
            this.#subnegotiation(this.#sb);
            this.#state = 'data';
          } else {
            if (b === IAC && this.#sb.length < 1024) this.#sb.push(IAC);
            this.#state = 'sb';
          }
          break;
      }
    }
    return Buffer.from(out);
  }

  /** Encodes operator data for the wire. */
  encode(data: Buffer): Buffer {
    const out: number[] = [];
    for (let i = 0; i < data.length; i++) {
      const b = data[i]!;
      if (b === IAC) out.push(IAC, IAC);
      else if (b === 13 && data[i + 1] !== 10) out.push(13, 0);
      else out.push(b);
    }
    return Buffer.from(out);
  }

  resize(cols: number, rows: number): void {
    this.#cols = cols;
    this.#rows = rows;
    if (this.#local.has(OPT_NAWS)) this.#sendNaws();
  }

  #cmd(verb: number, opt: number): void {
    this.send(Buffer.from([IAC, verb, opt]));
  }

  #negotiate(verb: number, opt: number): void {
    switch (verb) {
      case DO:
        if (!LOCAL_OPTIONS.has(opt)) return this.#cmd(WONT, opt);
        if (this.#local.has(opt)) return; // already on: do not acknowledge (RFC 854 loop rule)
        this.#local.add(opt);
        this.#cmd(WILL, opt);
        if (opt === OPT_NAWS) this.#sendNaws();
        return;
      case DONT:
        if (this.#local.delete(opt)) this.#cmd(WONT, opt);
        return;
      case WILL:
        if (!REMOTE_OPTIONS.has(opt)) return this.#cmd(DONT, opt);
        if (this.#remote.has(opt)) return;
        this.#remote.add(opt);
        this.#cmd(DO, opt);
        return;
      case WONT:
        if (this.#remote.delete(opt)) this.#cmd(DONT, opt);
        return;
    }
  }

  #subnegotiation(sb: number[]): void {
    if (sb[0] === OPT_TTYPE && sb[1] === TTYPE_SEND && this.#local.has(OPT_TTYPE)) {
      const name = Buffer.from(this.term.replace(/[^\x21-\x7e]/g, '').slice(0, 40) || 'vt100', 'latin1');
      this.send(Buffer.concat([Buffer.from([IAC, SB, OPT_TTYPE, TTYPE_IS]), name, Buffer.from([IAC, SE])]));
    }
  }

  #sendNaws(): void {
    const v = [this.#cols >> 8, this.#cols & 255, this.#rows >> 8, this.#rows & 255];
    const body = v.flatMap((x) => (x === IAC ? [IAC, IAC] : [x]));
    this.send(Buffer.from([IAC, SB, OPT_NAWS, ...body, IAC, SE]));
  }
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

type LoginState = 'login' | 'password' | 'verify' | 'done';

interface LoginOutcome {
  /** What the operator may see: output since the password was typed, password removed. */
  released: Buffer;
}

/**
 * The login automaton: watches (withheld) output, types the username and the password at their
 * prompts, and decides success (shell prompt) or failure.
 */
class AutoLogin {
  state: LoginState = 'login';
  #text = '';
  #sincePassword: Buffer[] = [];
  #passwordSent = false;
  #settle: NodeJS.Timeout | undefined;
  #lastLine = '';

  constructor(
    private readonly prompts: TelnetPrompts,
    private readonly credential: Credential,
    private readonly type: (text: string) => void,
    private readonly settleMs: number,
    private readonly finish: (r: LoginOutcome | DialError) => void,
  ) {}

  /** A line of what the target said before any password was typed, for error messages. */
  get lastLine(): string {
    return this.#passwordSent ? '' : this.#lastLine;
  }

  feed(data: Buffer): void {
    if (this.state === 'done') return;
    if (this.#passwordSent) this.#sincePassword.push(data);
    const text = data.toString('latin1').replace(ANSI, '');
    this.#text = (this.#text + text).slice(-4096);
    const lines = this.#text.split(/[\r\n]+/).filter((l) => l.trim());
    this.#lastLine = lines[lines.length - 1] ?? '';
    if (this.#passwordSent && this.prompts.failure.test(this.#text)) return this.#fail();
    clearTimeout(this.#settle);
    this.#settle = setTimeout(() => this.#evaluate(), this.settleMs);
  }

  stop(): void {
    clearTimeout(this.#settle);
    this.state = 'done';
  }

  #evaluate(): void {
    if (this.state === 'done') return;
    const t = this.#text;
    const p = this.prompts;
    switch (this.state) {
      case 'login':
        if (p.password.test(t)) return this.#typePassword();
        if (p.login.test(t)) {
          this.#text = '';
          this.state = 'password';
          this.type(this.credential.username);
        }
        return;
      case 'password':
        if (p.password.test(t)) return this.#typePassword();
        if (p.login.test(t)) return this.#fail();
        return;
      case 'verify':
        if (p.login.test(t) || p.password.test(t)) return this.#fail();
        if (p.shell.test(t)) {
          this.stop();
          this.finish({
            released: scrub(Buffer.concat(this.#sincePassword), this.credential.secret.revealBytes()),
          });
        }
        return;
    }
  }

  #typePassword(): void {
    this.#text = '';
    this.state = 'verify';
    this.#passwordSent = true;
    this.type(this.credential.secret.reveal());
  }

  #fail(): void {
    this.stop();
    this.finish(new DialError('auth', 'refused the stored credential'));
  }
}

/** Removes every occurrence of `secret` from `data` (defence in depth: login never echoes it). */
function scrub(data: Buffer, secret: Buffer): Buffer {
  if (secret.length === 0) return data;
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = data.indexOf(secret); i !== -1; i = data.indexOf(secret, from)) {
    parts.push(data.subarray(from, i));
    from = i + secret.length;
  }
  parts.push(data.subarray(from));
  secret.fill(0);
  return Buffer.concat(parts);
}

function connectTcp(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new DialError('timeout', `did not answer within ${seconds(timeoutMs)}`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(
        socketFailure(err.code, timeoutMs) ??
          new DialError('protocol', `connection failed (${oneLine(err.message, 80)})`),
      );
    });
  });
}

export class TelnetConnector implements TargetConnector {
  readonly protocol = 'telnet' as const;
  readonly #prompts: TelnetPrompts;
  readonly #settleMs: number;

  constructor(opts: TelnetConnectorOptions = {}) {
    this.#prompts = { ...DEFAULT_TELNET_PROMPTS, ...opts.prompts };
    this.#settleMs = opts.settleMs ?? 80;
  }

  async open(req: OpenRequest): Promise<TargetStream> {
    const ref = req.target.ref;
    const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const fail = (e: DialError) =>
      new TargetError(`target ${e.phrase} (${ref})`, { reason: e.reason, target: ref });
    if (req.mode.kind !== 'shell')
      throw new TargetError(`telnet offers interactive shells only, not ${req.mode.kind} (${ref})`, {
        reason: 'protocol',
        target: ref,
      });
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
    const proto = raw ? undefined : new TelnetProtocol(write, term, { cols, rows });
    const encode = (b: Buffer) => (proto ? proto.encode(b) : b);
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
        const data = proto ? proto.receive(chunk) : chunk;
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
