// scp and sftp through the direct username (a 50 MB file round-trips with the same checksum),
// and what a recorded shell session leaves behind: a cast the real `asciinema cat` plays, with no
// trace of the injected password anywhere.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../gateway/index.ts';
import { startTestGateway } from '../support/gateway-fixture.ts';
import { runClient, ssh, sshInteractive, sshOptions } from '../support/openssh-client.ts';
import {
  createTestUser,
  sshdSkipReason,
  startSshd,
  type SshdInstance,
  type TestUser,
} from '../support/sshd.ts';
import { createTestVault, pw, USER_PASSWORD, type TestVault } from '../support/vault.ts';
import { castTextOf } from '../support/recording-text.ts';

const skip = sshdSkipReason();
const CANARY = 'Canary#Target-9Qx7-Lm2$Vb4w';
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

describe.skipIf(!!skip)(`transfers and recordings through the gateway${skip ? ` (${skip})` : ''}`, () => {
  let v: TestVault;
  let sshd: SshdInstance;
  let target: TestUser;
  let gw: RunningGateway;
  let work: string;
  let aliceKey: string;
  const id = { password: USER_PASSWORD };

  beforeAll(async () => {
    target = createTestUser('trroot', { password: CANARY });
    sshd = await startSshd({ allowUsers: [target.name] });
    v = await createTestVault();
    await v.core.resources.create(v.host, {
      name: 'files01',
      type: 'linux',
      dnsName: '127.0.0.1',
      port: sshd.port,
    });
    await v.core.accounts.add(v.host, 'files01', target.name, pw(CANARY));
    const alice = await v.addUser('alice', 'password-user');
    aliceKey = path.join(mkdtempSync(path.join(os.tmpdir(), 'custody-key-')), 'id');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', aliceKey]);
    await v.core.credentials.addPublicKey(alice, 'alice', readFileSync(`${aliceKey}.pub`, 'utf8'));
    await v.core.sharing.grant(
      v.host,
      { kind: 'account', name: `files01/${target.name}` },
      { kind: 'user', name: 'alice' },
      'view',
    );
    gw = await startTestGateway(v);
    work = mkdtempSync(path.join(os.tmpdir(), 'custody-xfer-'));
    writeFileSync(path.join(work, 'big.bin'), randomBytes(50 * 1024 * 1024));
  }, 120_000);

  afterAll(async () => {
    await gw?.close();
    await v?.close();
    await sshd?.stop();
    target?.remove();
  });

  const user = () => `alice:${target.name}@files01`;
  const scpOptions = () => [
    ...sshOptions(gw.port, id).map((o) => o.replace(/^-p(\d+)$/, '-P$1')),
    '-o',
    `User=${user()}`,
  ];

  it('sftp: a 50 MB file goes up and comes back with the same checksum', async () => {
    const batch = path.join(work, 'batch');
    writeFileSync(
      batch,
      `put ${path.join(work, 'big.bin')} up.bin\nget up.bin ${path.join(work, 'back-sftp.bin')}\n`,
    );
    // scp and sftp read ':' as the host:path separator, so the direct-target user goes in -o User=.
    // sftp -b runs in batch mode (no password prompts): log in to the gateway with a key.
    const keyId = { keyFile: aliceKey };
    const r = await runClient(
      'sftp',
      [
        '-b',
        batch,
        ...sshOptions(gw.port, keyId).map((o) => o.replace(/^-p(\d+)$/, '-P$1')),
        '-o',
        `User=${user()}`,
        '127.0.0.1',
      ],
      keyId,
      {
        timeoutMs: 120_000,
      },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(sha(path.join(work, 'back-sftp.bin'))).toBe(sha(path.join(work, 'big.bin')));
    expect(statSync(path.join(target.home, 'up.bin')).size).toBe(50 * 1024 * 1024);
  }, 180_000);

  it('scp: the same file round-trips', async () => {
    const up = await runClient(
      'scp',
      [...scpOptions(), path.join(work, 'big.bin'), '127.0.0.1:scp.bin'],
      id,
      { timeoutMs: 120_000 },
    );
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    const down = await runClient(
      'scp',
      [...scpOptions(), '127.0.0.1:scp.bin', path.join(work, 'back-scp.bin')],
      id,
      { timeoutMs: 120_000 },
    );
    expect(down.code).toBe(0);
    expect(sha(path.join(work, 'back-scp.bin'))).toBe(sha(path.join(work, 'big.bin')));
  }, 180_000);

  it('records a shell session that the real asciinema player replays, with the password nowhere', async () => {
    const op = sshInteractive(gw.port, user(), id);
    await op.out.waitFor(/\$ $/m, 15_000);
    op.child.stdin!.write('echo RECORDED-$((20+3)) €uro\n');
    await op.out.waitFor(/RECORDED-23 €uro/);
    op.child.stdin!.write('exit\n');
    expect(await op.exited).toBe(0);

    const rows = await v.core.recordings.list(v.host, { user: 'alice' });
    expect(rows.length).toBeGreaterThanOrEqual(1);
    const shell = rows.find((r) => r.status === 'complete' && r.protocol === 'ssh' && r.events > 2)!;
    // The recording is encrypted on disk: the export is what the player gets.
    const file = path.join(work, 'shell.cast');
    writeFileSync(file, await castTextOf(v.core.recordings, shell));
    const cast = readFileSync(file, 'utf8');
    expect(JSON.parse(cast.split('\n')[0]!)).toMatchObject({ version: 2 });
    expect(cast).toContain('RECORDED-23');
    expect(readFileSync(v.core.recordings.pathOf(shell)).includes(Buffer.from('RECORDED-23'))).toBe(false);
    if (existsSync('/usr/bin/asciinema') && existsSync('/usr/bin/script')) {
      const out = execFileSync('/usr/bin/script', ['-qec', `asciinema cat ${file}`, '/dev/null'], {
        encoding: 'utf8',
      });
      expect(out).toContain('RECORDED-23 €uro');
    }

    // The canary (the target's real password) is in no recording, index, log or audit row.
    const leaks: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (
          !p.includes(`${path.sep}keys${path.sep}`) &&
          readFileSync(p).toString('latin1').includes(CANARY)
        )
          leaks.push(p);
      }
    };
    walk(v.home);
    expect(leaks).toEqual([]);
    const audit = await v.core.audit.query(v.host, { limit: 1000 });
    expect(audit.filter((r) => JSON.stringify(r).includes(CANARY))).toEqual([]);
    expect(op.out.text).not.toContain(CANARY);
  }, 60_000);

  it('exec output is recorded too', async () => {
    const r = await ssh(gw.port, user(), id, ['echo EXEC-RECORDED']);
    expect(r.stdout).toBe('EXEC-RECORDED\n');
    const rows = await v.core.recordings.list(v.host, { user: 'alice' });
    const texts = await Promise.all(rows.map((row) => castTextOf(v.core.recordings, row)));
    const found = texts.some((t) => t.includes('EXEC-RECORDED'));
    expect(found).toBe(true);
  });
});
