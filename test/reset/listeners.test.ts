// Reset listeners: dual approval, the ordered arguments with the passwords on standard input (never
// in argv: checked in /proc/PID/cmdline and `ps` while the listener runs), output scrubbed for the
// audit, and a hanging listener killed at its timeout while a real reset against a real sshd
// completes regardless.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { actorFor, Core, ResetEngine, type AccessNotification, type Actor } from '../../core/index.ts';
import { InFlight } from '../../core/events/in-flight.ts';
import { ProcessListenerRunner, SshUnixResetConnector } from '../../reset/index.ts';
import { createTestUser, sshdSkipReason, startSshd } from '../support/sshd.ts';
import { custody } from '../support/cli.ts';
import { createTestVault, pw, USER_PASSWORD, writeTestConfig, type TestVault } from '../support/vault.ts';
import { sshLogin } from './helpers.ts';
import { contextOf } from '../support/core-internals.ts';

const hasPs = (() => {
  try {
    execFileSync('ps', ['-p', String(process.pid)], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();
const OLD = 'Zq9#Lm2$Vx7!Rt4&Kp1w-canary-old';
const NEW = 'Yb3%Nc6^Wd1*Qe5(Hf0z-canary-new';

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

interface World {
  v: TestVault;
  core: Core;
  adm1: Actor;
  adm2: Actor;
  dir: string;
  /** What the administrators were told (approval requests). */
  told: AccessNotification[];
}

/** A vault whose core runs listeners with the real process runner. */
async function world(): Promise<World> {
  const v = await createTestVault();
  cleanups.push(() => v.close());
  const told: AccessNotification[] = [];
  const core = new Core({
    ...contextOf(v.core).deps,
    listenerRunner: new ProcessListenerRunner(),
    accessNotifier: { notify: async (n) => void told.push(n) },
  });
  cleanups.push(() => core.settled());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-listener-'));
  chmodSync(dir, 0o755);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return {
    v,
    core,
    adm1: await v.addUser('adm1', 'admin'),
    adm2: await v.addUser('adm2', 'admin'),
    dir,
    told,
  };
}

function script(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

const audit = async (w: World, type: string) =>
  (await w.core.audit.query(w.v.host, { type, limit: 100 })).map((r) => ({
    result: r.result,
    details: JSON.parse(r.details) as Record<string, unknown>,
  }));

describe('reset listeners', () => {
  it('dual approval: the author cannot approve; pending, rejected and re-edited listeners never run', async () => {
    const w = await world();
    const marker = path.join(w.dir, 'ran');
    const cmd = script(w.dir, 'touch.sh', `echo run >> "${marker}"`);
    await w.core.resources.create(w.v.host, { name: 'app01', type: 'linux', dnsName: 'app01.example' });
    await w.core.accounts.add(w.v.host, 'app01', 'svc', pw(OLD));
    await expect(
      w.core.listeners.add(w.adm1, 'restart', { resourceType: 'linux', command: cmd, approver: 'adm1' }),
    ).rejects.toMatchObject({ code: 'E_VALIDATION' });
    await w.core.listeners.add(w.adm1, 'restart', {
      resourceType: 'linux',
      command: cmd,
      timeoutSeconds: 5,
      approver: 'adm2',
    });
    // The approval request goes to the chosen administrator only, not to every administrator.
    expect(w.told).toEqual([
      expect.objectContaining({
        kind: 'request',
        to: ['adm2'],
        subject: expect.stringContaining("'restart'"),
      }),
    ]);

    await expect(w.core.listeners.approve(w.adm1, 'restart')).rejects.toMatchObject({ code: 'E_FORBIDDEN' });
    // Pending: a local password change does not run it.
    await w.core.accounts.changePassword(w.v.host, 'app01/svc', pw(NEW));
    await w.core.settled();
    expect(existsSync(marker)).toBe(false);

    await w.core.listeners.approve(w.adm2, 'restart');
    await w.core.accounts.changePassword(w.v.host, 'app01/svc', pw(OLD + 'x'));
    await w.core.settled();
    expect(readFileSync(marker, 'utf8')).toBe('run\n');

    // An edit makes it pending again, and its editor cannot approve it either.
    await w.core.listeners.edit(w.adm2, 'restart', { args: ['--graceful'] });
    // No approver chosen: every other administrator is asked (the built-in admin and adm1).
    expect(w.told[1]).toMatchObject({ to: ['admin', 'adm1'].sort() });
    await expect(w.core.listeners.approve(w.adm2, 'restart')).rejects.toMatchObject({ code: 'E_FORBIDDEN' });
    await w.core.accounts.changePassword(w.v.host, 'app01/svc', pw(NEW + 'y'));
    await w.core.settled();
    expect(readFileSync(marker, 'utf8')).toBe('run\n');
    await w.core.listeners.reject(w.adm1, 'restart');
    await expect(w.core.listeners.approve(w.adm1, 'restart')).rejects.toMatchObject({ code: 'E_CONFLICT' });

    // The host administrator acts as the built-in `admin`: that user is the same author.
    await w.core.listeners.add(w.v.host, 'by-host', { resourceType: 'linux', command: cmd });
    const builtin = actorFor((await contextOf(w.v.core).store.read((r) => r.users.byName('admin')))!, 'test');
    await expect(w.core.listeners.approve(builtin, 'by-host')).rejects.toMatchObject({ code: 'E_FORBIDDEN' });
    await w.core.listeners.approve(w.adm1, 'by-host');

    // A password user may not even add one.
    const pu = await w.v.addUser('pu', 'password-user');
    await expect(
      w.core.listeners.add(pu, 'x', { resourceType: 'linux', command: cmd }),
    ).rejects.toMatchObject({
      code: 'E_FORBIDDEN',
    });
    const types = (await w.core.audit.query(w.v.host, { limit: 500 })).map((r) => r.type);
    for (const t of ['listener.add', 'listener.approve', 'listener.edit', 'listener.reject', 'listener.ran'])
      expect(types).toContain(t);
    expect(await audit(w, 'listener.ran')).toHaveLength(1);
  }, 60_000);

  it('a listener that fails, or cannot start, is audited as failed and changes nothing about the change', async () => {
    const w = await world();
    const cmd = script(w.dir, 'fail.sh', 'echo "cannot restart" >&2; exit 3');
    await w.core.resources.create(w.v.host, { name: 'app03', type: 'linux', dnsName: 'app03.example' });
    await w.core.accounts.add(w.v.host, 'app03', 'svc', pw(OLD));
    for (const [name, command] of [
      ['fails', cmd],
      ['missing', path.join(w.dir, 'does-not-exist')],
    ] as const) {
      await w.core.listeners.add(w.adm1, name, { resourceType: 'linux', command });
      await w.core.listeners.approve(w.adm2, name);
    }
    await w.core.accounts.changePassword(w.v.host, 'app03/svc', pw(NEW));
    await w.core.settled();
    expect((await w.core.accounts.reveal(w.v.host, 'app03/svc')).reveal()).toBe(NEW);
    const failed = await audit(w, 'listener.failed');
    expect(failed).toEqual(
      expect.arrayContaining([
        {
          result: 'failure',
          details: expect.objectContaining({ listener: 'fails', exitCode: 3, output: 'cannot restart\n' }),
        },
        {
          result: 'failure',
          details: expect.objectContaining({ listener: 'missing', exitCode: null, startError: 'ENOENT' }),
        },
      ]),
    );
  }, 60_000);

  it('ordered arguments in argv, passwords on stdin only: not in /proc/PID/cmdline, ps, the environment, the audit or the database', async () => {
    const w = await world();
    const cmd = script(
      w.dir,
      'record.sh',
      [
        'dir="$4"',
        `printf '%s\\n' "$@" > "$dir/argv"`,
        'IFS= read -r old; IFS= read -r new',
        `printf '%s\\n%s\\n' "$old" "$new" > "$dir/stdin"`,
        'env > "$dir/env"',
        'echo $$ > "$dir/pid"',
        // Stay alive until the test has looked at ps and /proc.
        'i=0; while [ ! -e "$dir/go" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done',
        'echo "listener saw old=$old new=$new"',
      ].join('\n'),
    );
    await w.core.resources.create(w.v.host, { name: 'app02', type: 'linux', dnsName: 'app02.example' });
    await w.core.accounts.add(w.v.host, 'app02', 'svc', pw(OLD));
    await w.core.listeners.add(w.adm1, 'rec', {
      resourceType: 'linux',
      command: cmd,
      args: [w.dir, 'extra two'],
      timeoutSeconds: 30,
    });
    await w.core.listeners.approve(w.adm2, 'rec');
    await w.core.accounts.changePassword(w.v.host, 'app02/svc', pw(NEW));

    const pidFile = path.join(w.dir, 'pid');
    for (let i = 0; i < 200 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 25));
    const pid = readFileSync(pidFile, 'utf8').trim();
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    // What `ps` shows every local user; without procps installed, the same read straight from /proc.
    const ps = hasPs
      ? execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
      : readdirSync('/proc')
          .filter((d) => /^\d+$/.test(d))
          .map((d) => {
            try {
              return readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
            } catch {
              return '';
            }
          })
          .join('\n');
    expect(ps).toContain(`${cmd} app02 app02.example svc`);
    expect(cmdline.split('\0')).toEqual([
      '/bin/sh',
      cmd,
      'app02',
      'app02.example',
      'svc',
      w.dir,
      'extra two',
      '',
    ]);
    for (const seen of [cmdline, ps, readFileSync(path.join(w.dir, 'env'), 'utf8')]) {
      expect(seen).not.toContain(OLD);
      expect(seen).not.toContain(NEW);
    }
    writeFileSync(path.join(w.dir, 'go'), '');
    await w.core.settled();

    expect(readFileSync(path.join(w.dir, 'argv'), 'utf8')).toBe(
      ['app02', 'app02.example', 'svc', w.dir, 'extra two', ''].join('\n'),
    );
    expect(readFileSync(path.join(w.dir, 'stdin'), 'utf8')).toBe(`${OLD}\n${NEW}\n`);
    const [ran] = await audit(w, 'listener.ran');
    expect(ran?.details).toMatchObject({ listener: 'rec', exitCode: 0 });
    expect(ran?.details.output).toBe('listener saw old=<secret> new=<secret>\n');
    const everything = JSON.stringify(await w.core.audit.query(w.v.host, { limit: 1000 }));
    expect(everything).not.toContain(OLD);
    expect(everything).not.toContain(NEW);
    const db = readFileSync(path.join(w.v.home, 'data', 'custody.sqlite'));
    expect(db.includes(Buffer.from(NEW))).toBe(false);
  }, 60_000);
});

const skip = sshdSkipReason();
describe.skipIf(!!skip)(`a hanging listener and a real reset (real sshd)${skip ? ` — ${skip}` : ''}`, () => {
  it('the reset completes without waiting; the listener (and what it started) is killed at its timeout', async () => {
    const w = await world();
    const user = createTestUser('lsnhang', { password: OLD });
    cleanups.push(() => user.remove());
    const sshd = await startSshd({ allowUsers: [user.name] });
    cleanups.push(() => sshd.stop());
    const cmd = script(w.dir, 'hang.sh', `sleep 300 &\necho $! > "${w.dir}/child"\nwait`);
    await w.core.resources.create(w.v.host, {
      name: 'web01',
      type: 'linux',
      dnsName: '127.0.0.1',
      port: sshd.port,
    });
    await w.core.accounts.add(w.v.host, 'web01', user.name, pw(OLD));
    await w.core.listeners.add(w.adm1, 'hang', { resourceType: 'linux', command: cmd, timeoutSeconds: 2 });
    await w.core.listeners.approve(w.adm2, 'hang');

    const engine = new ResetEngine(contextOf(w.core), {
      unix: new SshUnixResetConnector({ timeoutMs: 20_000 }),
    });
    await engine.resetAccount(w.v.host, `web01/${user.name}`, { newPassword: pw(NEW) });
    // The reset is done while the listener has not even been given its timeout yet.
    expect(await audit(w, 'listener.timed-out')).toHaveLength(0);
    expect(await sshLogin(sshd.port, user.name, NEW)).toBe(true);
    expect(await audit(w, 'password.reset')).toHaveLength(1);

    const t0 = Date.now();
    await w.core.settled();
    expect(Date.now() - t0).toBeLessThan(20_000); // not the 300 s the listener asked for
    const [timedOut] = await audit(w, 'listener.timed-out');
    expect(timedOut).toMatchObject({ result: 'failure', details: { listener: 'hang', exitCode: null } });
    const child = Number(readFileSync(path.join(w.dir, 'child'), 'utf8').trim());
    await new Promise((r) => setTimeout(r, 200));
    // Gone, or a zombie nobody reaped yet (in a container, PID 1 may not reap): not running.
    const state = existsSync(`/proc/${child}/stat`)
      ? readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]![0]
      : 'gone';
    expect(['gone', 'Z', 'X']).toContain(state);
    // The reset's outcome is the reset's: the vault has the new password.
    expect((await w.core.accounts.reveal(w.v.host, `web01/${user.name}`)).reveal()).toBe(NEW);
  }, 60_000);
});

describe('custody listener / custody sync (the real CLI process)', () => {
  it('add, refused self-approval, approval by a second administrator, list; the approved listener runs after `account set-password`; sync add/link/set/publish/list', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'custody-cli-listener-'));
    cleanups.push(() => rmSync(home, { recursive: true, force: true }));
    chmodSync(home, 0o755);
    await writeTestConfig(home);
    const run = (...args: string[]) => custody([...args, '--home', home]);
    const file = (name: string, text: string) => {
      const f = path.join(home, name);
      writeFileSync(f, text + '\n', { mode: 0o600 });
      return f;
    };
    const marker = path.join(home, 'ran');
    const cmd = script(
      home,
      'rec.sh',
      `IFS= read -r old; IFS= read -r new; echo "$1 $2 $3 $4" > "${marker}"`,
    );
    expect((await run('init')).code).toBe(0);
    const admPw = file('adm2.pw', USER_PASSWORD);
    for (const a of [
      ['user', 'add', 'adm2', '--role', 'admin', '--password-file', admPw],
      ['resource', 'add', 'app01', '--type', 'linux', '--host', 'app01.example'],
      ['account', 'add', 'app01', 'svc', '--password-file', file('old', OLD)],
    ])
      expect((await run(...a)).code, a.join(' ')).toBe(0);

    const add = await run(
      'listener',
      'add',
      'rec',
      '--type',
      'linux',
      '--command',
      cmd,
      '--args',
      'X1',
      '--timeout-seconds',
      '5',
    );
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('pending');
    const self = await run('listener', 'approve', 'rec');
    expect(self.code).toBe(1);
    expect(self.stderr).toMatch(/^custody: E_FORBIDDEN: .*another administrator/);
    expect((await run('--as', 'adm2', '--password-file', admPw, 'listener', 'approve', 'rec')).code).toBe(0);
    const list = JSON.parse((await run('listener', 'list', '--json')).stdout) as {
      name: string;
      status: string;
    }[];
    expect(list).toEqual([expect.objectContaining({ name: 'rec', status: 'approved', decidedBy: 'adm2' })]);

    const set = await run('account', 'set-password', 'app01/svc', '--password-file', file('new', NEW));
    expect(set.code).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('app01 app01.example svc X1\n');

    expect((await run('sync', 'add', 'ch')).code).toBe(0);
    expect((await run('sync', 'link', 'ch', 'app01/svc')).code).toBe(0);
    expect((await run('sync', 'set', 'ch', '--enforce-policy', 'off')).code).toBe(0);
    expect((await run('sync', 'set', 'ch', '--publishing', 'maybe')).code).toBe(2);
    const pub = await run('sync', 'publish', 'ch', 'app01/svc', '--password-file', file('weak', 'weakpass1'));
    expect(pub.code).toBe(0);
    expect(pub.stdout).toContain('app01/svc: stored in the vault');
    const channels = JSON.parse((await run('sync', 'list', '--json')).stdout) as unknown;
    expect(channels).toEqual([
      {
        name: 'ch',
        publishing: true,
        enforcePolicy: false,
        hasDefaultPassword: false,
        accounts: ['app01/svc'],
        hiddenAccounts: 0,
      },
    ]);
    const log = readFileSync(path.join(home, 'logs', 'custody.log'), 'utf8');
    for (const secret of [OLD, NEW, 'weakpass1']) expect(log).not.toContain(secret);
  }, 120_000);
});

it('background work runs at most `limit` at a time, in order, and settled() waits for all of it', async () => {
  const q = new InFlight(() => undefined, 4);
  let active = 0;
  let peak = 0;
  const order: number[] = [];
  for (let i = 0; i < 10; i++)
    q.start(async () => {
      active++;
      peak = Math.max(peak, active);
      order.push(i);
      await new Promise((r) => setTimeout(r, 10));
      active--;
    });
  await q.settled();
  expect(peak).toBe(4);
  expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(active).toBe(0);
});
