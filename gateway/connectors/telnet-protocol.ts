// Telnet NVT layer (RFC 854/855): option negotiation (NAWS RFC 1073, TERMINAL-TYPE RFC 1091,
// SUPPRESS-GO-AHEAD, ECHO; every other option refused) and data encoding. Used by the telnet
// connector (telnet.ts) for direct connections; a `terminal` via negotiates by itself.

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
