// The Telnet network virtual terminal (RFC 854/855) both the gateway's Telnet connector and the
// reset room's Telnet conversations speak: splits the byte stream into data and commands, answers
// option negotiation, and encodes outgoing data. No login logic and no sockets here; bytes are
// plain Uint8Arrays so the same code can run in a browser.
//
// Options: the server may perform ECHO and SUPPRESS-GO-AHEAD (WILL → DO); this side performs
// SUPPRESS-GO-AHEAD, and TERMINAL-TYPE and NAWS only when it has a terminal to describe (the
// gateway does, a reset does not). Every other option is refused.
import {
  CR,
  DO,
  DONT,
  IAC,
  LF,
  NUL,
  OPT_ECHO,
  OPT_NAWS,
  OPT_SGA,
  OPT_TTYPE,
  SB,
  SE,
  TTYPE_IS,
  TTYPE_SEND,
  WILL,
  WONT,
} from './commands.ts';

/** The terminal this side describes to the server (TERMINAL-TYPE, NAWS). */
export interface NvtTerminal {
  type: string;
  cols: number;
  rows: number;
}

export interface NvtOptions {
  /** Absent: TERMINAL-TYPE and NAWS are refused (a scripted conversation has no window). */
  terminal?: NvtTerminal;
}

/** Options the server may perform (its WILL is answered DO). */
const REMOTE_OPTIONS: ReadonlySet<number> = new Set([OPT_ECHO, OPT_SGA]);

/** A subnegotiation longer than this is cut: the options we read are a few bytes long. */
const MAX_SUBNEGOTIATION = 1024;

const utf8 = new TextEncoder();

export class TelnetNvt {
  readonly #local = new Set<number>();
  readonly #remote = new Set<number>();
  readonly #offered: ReadonlySet<number>;
  #state: 'data' | 'iac' | 'verb' | 'sb' | 'sb-iac' = 'data';
  #verb = 0;
  #sb: number[] = [];
  #lastCR = false;
  #terminal: NvtTerminal | undefined;

  constructor(
    private readonly send: (bytes: Uint8Array) => void,
    options: NvtOptions = {},
  ) {
    this.#terminal = options.terminal ? { ...options.terminal } : undefined;
    this.#offered = new Set(this.#terminal ? [OPT_SGA, OPT_TTYPE, OPT_NAWS] : [OPT_SGA]);
  }

  /** Options in effect, for tests and diagnostics. */
  get options(): { local: number[]; remote: number[] } {
    const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
    return { local: sorted(this.#local), remote: sorted(this.#remote) };
  }

  /**
   * Feeds received bytes; returns the data bytes among them. A doubled IAC is one 0xFF data byte
   * and CR NUL is CR (RFC 854: a bare carriage return travels as CR NUL).
   */
  receive(chunk: Uint8Array): Uint8Array {
    const out: number[] = [];
    for (const b of chunk) {
      switch (this.#state) {
        case 'data':
          if (b === IAC) this.#state = 'iac';
          else if (this.#lastCR && b === NUL) this.#lastCR = false;
          else {
            out.push(b);
            this.#lastCR = b === CR;
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
          else if (this.#sb.length < MAX_SUBNEGOTIATION) this.#sb.push(b);
          break;
        case 'sb-iac':
          if (b === SE) {
            this.#subnegotiation(this.#sb);
            this.#state = 'data';
          } else {
            if (b === IAC && this.#sb.length < MAX_SUBNEGOTIATION) this.#sb.push(IAC);
            this.#state = 'sb';
          }
          break;
      }
    }
    return Uint8Array.from(out);
  }

  /** Encodes data for the wire: 0xFF doubled, a CR not followed by LF sent as CR NUL. */
  encode(data: Uint8Array): Uint8Array {
    const out: number[] = [];
    for (let i = 0; i < data.length; i++) {
      const b = data[i]!;
      if (b === IAC) out.push(IAC, IAC);
      else if (b === CR && data[i + 1] !== LF) out.push(CR, NUL);
      else out.push(b);
    }
    return Uint8Array.from(out);
  }

  /** One line as typed at a terminal: the text in UTF-8, then Return (CR NUL on the wire). */
  line(text: string): Uint8Array {
    return this.encode(utf8.encode(`${text}\r`));
  }

  /** A new window size; sent at once when NAWS is in effect. */
  resize(cols: number, rows: number): void {
    if (!this.#terminal) return;
    this.#terminal.cols = cols;
    this.#terminal.rows = rows;
    if (this.#local.has(OPT_NAWS)) this.#sendNaws();
  }

  #cmd(verb: number, opt: number): void {
    this.send(Uint8Array.of(IAC, verb, opt));
  }

  // RFC 854's loop rule: a request to enter a state the option is already in is not acknowledged,
  // and a DONT/WONT for an option that is off needs no answer.
  #negotiate(verb: number, opt: number): void {
    switch (verb) {
      case DO:
        if (!this.#offered.has(opt)) return this.#cmd(WONT, opt);
        if (this.#local.has(opt)) return;
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
    if (sb[0] === OPT_TTYPE && sb[1] === TTYPE_SEND && this.#local.has(OPT_TTYPE) && this.#terminal) {
      // RFC 1091: the name is printable ASCII; 40 characters is the limit RFC 1010 names have.
      const name = this.#terminal.type.replace(/[^\x21-\x7e]/g, '').slice(0, 40) || 'vt100';
      const bytes = [...name].map((c) => c.charCodeAt(0));
      this.send(Uint8Array.of(IAC, SB, OPT_TTYPE, TTYPE_IS, ...bytes, IAC, SE));
    }
  }

  #sendNaws(): void {
    const t = this.#terminal!;
    const v = [t.cols >> 8, t.cols & 255, t.rows >> 8, t.rows & 255];
    // A size byte of 255 is doubled like any IAC inside a subnegotiation (RFC 1073).
    const body = v.flatMap((x) => (x === IAC ? [IAC, IAC] : [x]));
    this.send(Uint8Array.of(IAC, SB, OPT_NAWS, ...body, IAC, SE));
  }
}
