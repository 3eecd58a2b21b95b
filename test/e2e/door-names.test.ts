// Client-supplied names reach the operator's terminal (and core) only neutralised and bounded:
// no C0/C1 control characters, DEL or bidi overrides, and never 20,000 characters in a refusal.
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshTargetFixture, type SshTargetFixture } from '../support/gateway-fixture.ts';
import { sshdSkipReason } from '../support/sshd.ts';
import { USER_PASSWORD } from '../support/vault.ts';

const skip = sshdSkipReason();

/** ssh2 as the client: OpenSSH will not send such user names. Returns the exec's stderr. */
async function execAs(port: number, username: string, command: string): Promise<string> {
  const client = new ssh2.Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', reject);
    client.connect({ host: '127.0.0.1', port, username, password: USER_PASSWORD, readyTimeout: 15_000 });
  });
  try {
    return await new Promise<string>((resolve, reject) =>
      client.exec(command, (err, ch) => {
        if (err) return reject(err);
        let stderr = '';
        ch.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
        ch.on('data', () => undefined);
        ch.once('close', () => resolve(stderr));
      }),
    );
  } finally {
    client.end();
  }
}

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe.skipIf(!!skip)(`client-supplied names${skip ? ` (${skip})` : ''}`, () => {
  let fx: SshTargetFixture;

  beforeAll(async () => {
    fx = await sshTargetFixture('nmroot');
  }, 60_000);

  afterAll(async () => fx?.close());

  it('a refusal never echoes control characters, bidi overrides or a 20,000-character name', async () => {
    for (const account of ['r\x1b[31moot\x07', 'ro\u202eot\u009b2J', 'x'.repeat(240)]) {
      const stderr = await execAs(fx.gw.port, `alice:${account}@web01`, 'true');
      expect(stderr).toMatch(/^custody: /);
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(stderr).not.toMatch(UNSAFE);
      expect(stderr.length).toBeLessThan(300);
    }
    // A 20,000-character user name is refused at login, before any lookup or hashing.
    await expect(execAs(fx.gw.port, `alice:${'x'.repeat(20_000)}@web01`, 'true')).rejects.toThrow(
      /authentication methods failed/,
    );
    const refused = await fx.v.core.audit.query(fx.v.host, { type: 'session.refused', limit: 10 });
    for (const r of refused) expect(String(r.targetName).length).toBeLessThanOrEqual(200);
  }, 60_000);
});

describe.skipIf(!!skip)(`per-connection bounds${skip ? ` (${skip})` : ''}`, () => {
  let fx: SshTargetFixture;

  beforeAll(async () => {
    fx = await sshTargetFixture('bdroot');
  }, 60_000);

  afterAll(async () => fx?.close());

  it('an exec command over 16 KiB is refused with one line saying so', async () => {
    const stderr = await execAs(fx.gw.port, fx.direct('alice'), `echo ${'y'.repeat(20_000)}`);
    expect(stderr.trim()).toBe('custody: the command is longer than 16384 bytes');
  }, 60_000);

  it('an eleventh session on one connection is refused with a reason', async () => {
    const client = new ssh2.Client();
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('error', reject);
      client.connect({
        host: '127.0.0.1',
        port: fx.gw.port,
        username: fx.direct('alice'),
        password: USER_PASSWORD,
      });
    });
    try {
      const results: string[] = [];
      for (let i = 0; i < 11; i++)
        results.push(
          await new Promise<string>((resolve) =>
            client.exec('sleep 8', (err) => resolve(err ? `refused: ${err.message}` : 'open')),
          ),
        );
      expect(results.slice(0, 10)).toEqual(Array(10).fill('open'));
      expect(results[10]).toMatch(/refused: .*at most 10 sessions per connection/);
    } finally {
      client.end();
      // Let the ten sessions write their session.end rows before the vault closes.
      const ends = async () =>
        (await fx.v.core.audit.query(fx.v.host, { type: 'session.end', limit: 50 })).length;
      for (let i = 0; i < 200 && (await ends()) < 10; i++) await new Promise((r) => setTimeout(r, 50));
    }
  }, 60_000);
});
