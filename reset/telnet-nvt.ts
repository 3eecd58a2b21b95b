// The least Telnet (RFC 854/855) a reset needs: accept the server's ECHO and SUPPRESS-GO-AHEAD,
// perform SUPPRESS-GO-AHEAD ourselves, refuse every other option, drop subnegotiations, and
// end outgoing lines with CR NUL. Kept apart from the gateway's Telnet layer on
// purpose: the reset room never imports the gateway, and a reset needs no terminal type or size.
const IAC = 255;
const DONT = 254;
const DO = 253;
const WONT = 252;
const WILL = 251;
const SB = 250;
const SE = 240;
const ECHO = 1;
const SGA = 3;

export class TelnetNvt {
  #state: 'data' | 'iac' | 'verb' | 'sb' | 'sb-iac' = 'data';
  #verb = 0;
  /** What we last answered per verb+option: answer a request once, never loop (RFC 854 rule). */
  readonly #answered = new Map<string, number>();

  constructor(private readonly send: (bytes: Buffer) => void) {}

  /** Feeds received bytes, answers negotiation, and returns the data as text. */
  receive(chunk: Buffer): string {
    const out: number[] = [];
    for (const b of chunk) {
      switch (this.#state) {
        case 'data':
          if (b === IAC) this.#state = 'iac';
          else out.push(b);
          break;
        case 'iac':
          if (b === IAC) {
            out.push(IAC);
            this.#state = 'data';
          } else if (b === DO || b === DONT || b === WILL || b === WONT) {
            this.#verb = b;
            this.#state = 'verb';
          } else if (b === SB) this.#state = 'sb';
          else this.#state = 'data'; // NOP, GA, …
          break;
        case 'verb':
          this.#negotiate(this.#verb, b);
          this.#state = 'data';
          break;
        case 'sb':
          if (b === IAC) this.#state = 'sb-iac';
          break;
        case 'sb-iac':
          this.#state = b === SE ? 'data' : 'sb';
          break;
      }
    }
    return Buffer.from(out).toString('utf8');
  }

  #negotiate(verb: number, option: number): void {
    let reply: number | undefined;
    if (verb === DO) reply = option === SGA ? WILL : WONT;
    else if (verb === WILL) reply = option === ECHO || option === SGA ? DO : DONT;
    else if (verb === DONT) reply = WONT;
    else reply = DONT;
    const key = `${verb}:${option}`;
    if (this.#answered.get(key) === reply) return;
    this.#answered.set(key, reply);
    this.send(Buffer.from([IAC, reply, option]));
  }

  /** One line as typed at a terminal: UTF-8 (which never holds the IAC byte 0xFF), ended by CR NUL. */
  static line(text: string): Buffer {
    return Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([13, 0])]);
  }
}
