// The reset room's expect engine (pure; no network). Its Telnet layer is the shared one,
// tested in test/protocols/telnet-nvt.test.ts.
import { describe, expect, it } from 'vitest';
import { Secret } from '../../core/index.ts';
import { Expect, lastLine } from '../../reset/expect.ts';

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
