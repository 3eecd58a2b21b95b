// Logging in to the gateway with the real OpenSSH client: public key, password + TOTP over
// keyboard-interactive, a wrong or replayed code, and lockout per user and per source.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as OTPAuth from 'otpauth';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../gateway/index.ts';
import { startTestGateway } from '../support/gateway-fixture.ts';
import { ssh } from '../support/openssh-client.ts';
import {
  createTestUser,
  sshdSkipReason,
  startSshd,
  type SshdInstance,
  type TestUser,
} from '../support/sshd.ts';
import { createTestVault, pw, USER_PASSWORD, type TestVault } from '../support/vault.ts';

const skip = sshdSkipReason();

describe.skipIf(!!skip)(`gateway logins with the real OpenSSH client${skip ? ` (${skip})` : ''}`, () => {
  let v: TestVault;
  let sshd: SshdInstance;
  let target: TestUser;
  let gw: RunningGateway;
  let keyFile: string;
  let totpSecret: string;
  let noteSecret: string;
  const cmd = ['echo', 'in'];

  beforeAll(async () => {
    target = createTestUser('lgroot', { password: 'Tg7#Kp2$Wm9!Lq4&Zx5v' });
    sshd = await startSshd({ allowUsers: [target.name] });
    v = await createTestVault({
      extraConfig: { security: { lockout_attempts: 3, lockout_source_attempts: 100, lockout_minutes: 5 } },
    });
    await v.core.resources.create(v.host, {
      name: 'web01',
      type: 'linux',
      dnsName: '127.0.0.1',
      port: sshd.port,
    });
    await v.core.accounts.add(v.host, 'web01', target.name, pw(target.password));
    for (const u of ['keyuser', 'totpuser', 'victim', 'totpnote']) {
      const a = await v.addUser(u, 'password-user');
      await v.core.sharing.grant(
        v.host,
        { kind: 'account', name: `web01/${target.name}` },
        { kind: 'user', name: u },
        'view',
      );
      if (u === 'keyuser') {
        const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-key-'));
        keyFile = path.join(dir, 'id');
        execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
        await v.core.credentials.addPublicKey(a, 'keyuser', readFileSync(`${keyFile}.pub`, 'utf8'));
      }
      if (u === 'totpuser') totpSecret = (await v.core.credentials.enableTotp(a, 'totpuser')).secret.reveal();
      if (u === 'totpnote') noteSecret = (await v.core.credentials.enableTotp(a, 'totpnote')).secret.reveal();
    }
    gw = await startTestGateway(v);
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await v?.close();
    await sshd?.stop();
    target?.remove();
  });

  const code = (offsetSteps = 0, secret = totpSecret) =>
    new OTPAuth.TOTP({
      secret: OTPAuth.Secret.fromBase32(secret),
      digits: 6,
      period: 30,
      algorithm: 'SHA1',
    }).generate({
      timestamp: Date.now() + offsetSteps * 30_000,
    });

  it('logs in with a registered public key', async () => {
    const r = await ssh(gw.port, `keyuser:${target.name}@web01`, { keyFile }, cmd);
    expect(r.stdout).toBe('in\n');
    expect(r.code).toBe(0);
  });

  it('asks for a TOTP code after the password and accepts a good one once', async () => {
    const first = code();
    const r = await ssh(
      gw.port,
      `totpuser:${target.name}@web01`,
      { password: USER_PASSWORD, totp: () => first },
      cmd,
    );
    expect(r.stdout).toBe('in\n');
    // The same code again is a replay: refused (RFC 6238 §5.2).
    const again = await ssh(
      gw.port,
      `totpuser:${target.name}@web01`,
      { password: USER_PASSWORD, totp: () => first },
      cmd,
    );
    expect(again.code).toBe(255);
    expect(again.stderr).toMatch(/Permission denied/);
  });

  it('refuses a wrong TOTP code', async () => {
    const r = await ssh(
      gw.port,
      `totpuser:${target.name}@web01`,
      { password: USER_PASSWORD, totp: () => (Number(code(3)) ^ 1).toString().padStart(6, '0') },
      cmd,
    );
    expect(r.code).toBe(255);
    const rows = await v.core.audit.query(v.host, { type: 'user.login', actor: 'totpuser', limit: 10 });
    expect(rows.some((x) => x.result === 'failure' && x.details.includes('totp'))).toBe(true);
  });

  /**
   * ssh2 client: the password, then one keyboard-interactive attempt per code; returns the
   * instructions of each code prompt and whether the login got through.
   */
  const codePrompts = (user: string, codes: string[]) =>
    new Promise<{ instructions: string[]; ready: boolean }>((resolve) => {
      const instructions: string[] = [];
      const client = new ssh2.Client();
      let step = 0;
      let ready = false;
      client
        .on('ready', () => {
          ready = true;
          client.end();
        })
        .on('error', () => undefined)
        .on('close', () => resolve({ instructions, ready }));
      client.connect({
        host: '127.0.0.1',
        port: gw.port,
        username: user,
        readyTimeout: 30_000,
        authHandler: (_methods, _partial, next) => {
          const i = step++;
          if (i === 0) return next({ type: 'password', username: user, password: USER_PASSWORD });
          if (i > codes.length) return next(false as never);
          return next({
            type: 'keyboard-interactive',
            username: user,
            prompt: (_name, inst, _lang, _prompts, finish) => {
              instructions.push(inst);
              finish([codes[i - 1] ?? '']);
            },
          });
        },
      });
    });

  it('says why a TOTP code was refused in the next prompt (ssh2 client)', async () => {
    const good = code(0, noteSecret);
    const wrong = (Number(code(3, noteSecret)) ^ 1).toString().padStart(6, '0');
    const user = `totpnote:${target.name}@web01`;
    expect(await codePrompts(user, [wrong, good])).toEqual({
      instructions: ['', 'Wrong code.'],
      ready: true,
    });
    expect(await codePrompts(user, [good, good])).toEqual({
      instructions: ['', 'That code was already used; wait for the next one.'],
      ready: false,
    });
  });

  it('locks a user out after repeated failures, even with the right password afterwards', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await ssh(gw.port, 'victim', { password: 'wrong-password' }, cmd);
      expect(r.code).toBe(255);
    }
    const right = await ssh(gw.port, `victim:${target.name}@web01`, { password: USER_PASSWORD }, cmd);
    expect(right.code).toBe(255);
    const lock = await v.core.audit.query(v.host, { type: 'user.lockout', limit: 10 });
    expect(lock.map((x) => x.targetName)).toEqual(['victim']);
  });
});
