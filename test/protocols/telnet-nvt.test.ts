// The one Telnet NVT (protocols/telnet/nvt.ts) the gateway's connector and the reset room both
// speak, byte for byte: negotiation with and without a terminal to describe, subnegotiation,
// data encoding both ways (pure; the real telnetd runs in test/gateway and test/reset).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TelnetNvt } from '../../protocols/telnet/nvt.ts';

const IAC = 255;
const [DONT, DO, WONT, WILL, SB, SE] = [254, 253, 252, 251, 250, 240];
const [ECHO, SGA, STATUS, TTYPE, NAWS, LINEMODE] = [1, 3, 5, 24, 31, 34];

function nvt(terminal?: { type: string; cols: number; rows: number }) {
  const sent: number[][] = [];
  const p = new TelnetNvt((b) => sent.push([...b]), terminal ? { terminal } : {});
  const feed = (...bytes: number[]) => [...p.receive(Uint8Array.from(bytes))];
  return { p, sent, feed };
}

describe('TelnetNvt with a terminal (the gateway: TERMINAL-TYPE and NAWS offered)', () => {
  it('answers DO/WILL for what it supports, refuses the rest, sends the window size, undoubles IAC', () => {
    const { p, sent, feed } = nvt({ type: 'xterm', cols: 255, rows: 40 });
    const data = feed(
      ...[IAC, DO, TTYPE, IAC, DO, NAWS, IAC, WILL, ECHO, IAC, WILL, SGA, IAC, DO, LINEMODE],
      ...[IAC, WILL, STATUS, 104, 105, IAC, IAC],
    );
    expect(data).toEqual([104, 105, 255]);
    expect(sent).toEqual([
      [IAC, WILL, TTYPE],
      [IAC, WILL, NAWS],
      [IAC, SB, NAWS, 0, 255, 255, 0, 40, IAC, SE], // a width of 255 is doubled inside SB
      [IAC, DO, ECHO],
      [IAC, DO, SGA],
      [IAC, WONT, LINEMODE],
      [IAC, DONT, STATUS],
    ]);
    expect(p.options).toEqual({ local: [TTYPE, NAWS], remote: [ECHO, SGA] });
  });

  it('does not acknowledge a request for a state already in effect (RFC 854 loop rule)', () => {
    const { sent, feed } = nvt({ type: 'xterm', cols: 80, rows: 24 });
    feed(IAC, DO, TTYPE, IAC, WILL, ECHO);
    sent.length = 0;
    feed(IAC, DO, TTYPE, IAC, WILL, ECHO);
    expect(sent).toEqual([]);
  });

  it('answers TERMINAL-TYPE SEND with IS and the printable part of the name', () => {
    const { sent, feed } = nvt({ type: 'xterm-256color\u00e9 x', cols: 80, rows: 24 });
    feed(IAC, DO, TTYPE);
    sent.length = 0;
    feed(IAC, SB, TTYPE, 1, IAC, SE);
    expect(sent).toEqual([[IAC, SB, TTYPE, 0, ...Buffer.from('xterm-256colorx'), IAC, SE]]);
  });

  it('sends a new window size once NAWS is on, and nothing before', () => {
    const { p, sent, feed } = nvt({ type: 'xterm', cols: 80, rows: 24 });
    p.resize(90, 20);
    expect(sent).toEqual([]);
    feed(IAC, DO, NAWS);
    expect(sent.at(-1)).toEqual([IAC, SB, NAWS, 0, 90, 0, 20, IAC, SE]);
    p.resize(100, 30);
    expect(sent.at(-1)).toEqual([IAC, SB, NAWS, 0, 100, 0, 30, IAC, SE]);
  });

  it('turns an option off when asked, once; a DONT/WONT for an option that is off gets no answer', () => {
    const { p, sent, feed } = nvt({ type: 'xterm', cols: 80, rows: 24 });
    feed(IAC, DO, NAWS, IAC, WILL, ECHO);
    sent.length = 0;
    feed(IAC, DONT, NAWS, IAC, WONT, ECHO, IAC, DONT, NAWS, IAC, WONT, ECHO, IAC, DONT, TTYPE);
    expect(sent).toEqual([
      [IAC, WONT, NAWS],
      [IAC, DONT, ECHO],
    ]);
    expect(p.options).toEqual({ local: [], remote: [] });
    p.resize(100, 30);
    expect(sent).toHaveLength(2); // NAWS is off: no size goes out
  });
});

describe('TelnetNvt without a terminal (a reset: SGA only)', () => {
  it('accepts ECHO and SGA, refuses TERMINAL-TYPE, NAWS and the rest, ignores a subnegotiation', () => {
    const { sent, feed } = nvt();
    const data = feed(
      ...[IAC, WILL, ECHO, IAC, WILL, SGA, IAC, DO, SGA, IAC, DO, TTYPE, IAC, DO, NAWS, IAC, WILL, STATUS],
      ...[IAC, SB, TTYPE, 1, IAC, SE],
      ...Buffer.from('login: '),
      ...[IAC, IAC, IAC, WILL, ECHO],
    );
    expect(sent).toEqual([
      [IAC, DO, ECHO],
      [IAC, DO, SGA],
      [IAC, WILL, SGA],
      [IAC, WONT, TTYPE],
      [IAC, WONT, NAWS],
      [IAC, DONT, STATUS],
    ]);
    expect(data).toEqual([...Buffer.from('login: '), 255]);
  });
});

const wireBytes = fc
  .array(fc.oneof(fc.constantFrom(0, 10, 13, 255), fc.integer({ min: 0, max: 255 })), { maxLength: 64 })
  .map((bytes) => Uint8Array.from(bytes));

describe('TelnetNvt data encoding', () => {
  it('sends CR alone as CR NUL, CR LF untouched, 0xFF doubled; receives CR NUL as CR', () => {
    const { p, feed } = nvt();
    expect([...p.encode(Uint8Array.of(97, 13, 98, 13, 10, 255))]).toEqual([97, 13, 0, 98, 13, 10, 255, 255]);
    expect(feed(13, 0, 120)).toEqual([13, 120]);
  });

  it('types a line as UTF-8 ended by CR NUL', () => {
    expect([...nvt().p.line('a\u00ff')]).toEqual([97, 0xc3, 0xbf, 13, 0]);
  });

  it('any data survives encode then receive, however the wire splits it', () => {
    fc.assert(
      // The bytes the NVT treats specially come often: a random byte is rarely CR, NUL or IAC.
      fc.property(wireBytes, fc.array(fc.nat(80), { maxLength: 4 }), (data, cuts) => {
        const { p, sent } = nvt();
        const wire = p.encode(data);
        const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
        const got: number[] = [];
        let from = 0;
        for (const at of [...points, wire.length]) {
          got.push(...p.receive(wire.subarray(from, at)));
          from = at;
        }
        expect(got).toEqual([...data]);
        expect(sent).toEqual([]); // escaped data never reads as a command
      }),
    );
  });
});
