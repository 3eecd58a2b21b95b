// The reset room's minimal Telnet layer and expect engine, byte for byte (pure; no network).
import { describe, expect, it } from 'vitest';
import { Secret } from '../../core/index.ts';
import { Expect, lastLine } from '../../reset/expect.ts';
import { TelnetNvt } from '../../reset/telnet-nvt.ts';

const IAC = 255;
const [DONT, DO, WONT, WILL, SB, SE] = [254, 253, 252, 251, 250, 240];

describe('TelnetNvt (reset/telnet-nvt.ts)', () => {
  it('accepts ECHO and SGA, refuses the rest, answers each request once, skips subnegotiation, undoubles IAC', () => {
    const sent: number[][] = [];
    const nvt = new TelnetNvt((b) => sent.push([...b]));
    const text = nvt.receive(
      Buffer.from([
        ...[IAC, WILL, 1, IAC, WILL, 3, IAC, DO, 3, IAC, DO, 24, IAC, DO, 31, IAC, WILL, 5],
        ...[IAC, SB, 24, 1, IAC, SE],
        ...Buffer.from('login: '),
        ...[IAC, IAC, IAC, WILL, 1],
      ]),
    );
    expect(sent).toEqual([
      [IAC, DO, 1],
      [IAC, DO, 3],
      [IAC, WILL, 3],
      [IAC, WONT, 24],
      [IAC, WONT, 31],
      [IAC, DONT, 5],
    ]);
    expect(Buffer.from(text, 'utf8').includes(Buffer.from('login: '))).toBe(true);
    expect(text.endsWith('\uFFFD')).toBe(true); // a lone 0xFF data byte survived undoubled
  });

  it('encodes a line as UTF-8 ended by CR NUL (UTF-8 never holds a 0xFF byte to double)', () => {
    expect([...TelnetNvt.line('a\u00ff')]).toEqual([97, 0xc3, 0xbf, 13, 0]);
  });
});

describe('Expect (reset/expect.ts)', () => {
  it('first pattern in the given order wins; output up to the match is consumed', async () => {
    const ex = new Expect();
    ex.push('Login incorrect\r\nlogin: ');
    const o = await ex.expect({ failure: /login incorrect/i, login: /login:\s*$/i }, 100);
    expect(o.key).toBe('failure');
    expect((await ex.expect({ login: /login:\s*$/i }, 100)).key).toBe('login');
  });

  it('waits for more output, then reports a timeout or a closed connection', async () => {
    const ex = new Expect();
    setTimeout(() => ex.push('Password: '), 20);
    expect((await ex.expect({ pw: /password:\s*$/i }, 1000)).key).toBe('pw');
    expect((await ex.expect({ pw: /password:\s*$/i }, 30)).key).toBe('timeout');
    setTimeout(() => ex.close(), 10);
    expect((await ex.expect({ pw: /password:\s*$/i }, 1000)).key).toBe('closed');
  });

  it('lastLine masks every secret', () => {
    expect(lastLine('x\r\nusername a secret Hunter2!x\r\n', [Secret.fromString('Hunter2!x')])).toBe(
      'username a secret <secret>',
    );
  });
});
