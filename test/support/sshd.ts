// REAL OpenSSH servers for tests: `/usr/sbin/sshd -D -e -f CONFIG` with a private temp directory,
// its own ed25519 host key, `UsePAM no`, password authentication, `AllowUsers` limited to the
// run's test users, on 127.0.0.1 (a free port) or inside a test network namespace (port 22 there
// is free by construction). Test users are real Linux accounts with unique per-run names, removed
// in teardown (and by the run's exit handler / the next run's sweep; see netns.ts).
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chownSync,
  constants,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawnTracked, stopTracked, testRun } from './netns.ts';

export const SSHD_BIN = '/usr/sbin/sshd';
export const SSHD_SKIP_REASON = 'skipped: sshd not installed';

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(bin: string): boolean {
  return (process.env.PATH ?? '/usr/bin:/bin').split(':').some((d) => executable(path.join(d, bin)));
}

/** Null when sshd tests can run here; otherwise the skip reason. */
export function sshdSkipReason(): string | null {
  if (!executable(SSHD_BIN) || !onPath('ssh-keygen')) return SSHD_SKIP_REASON;
  if (process.getuid?.() !== 0) return 'skipped: sshd tests need root (real Linux test users)';
  return null;
}

/** A free TCP port on 127.0.0.1 (the OS picks; the caller binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** `{ type, fingerprint }` of a public key file, from ssh-keygen itself (the reference format). */
export function fingerprintOfFile(pubFile: string): { type: string; fingerprint: string } {
  const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile], { encoding: 'utf8' });
  const fingerprint = /(SHA256:[A-Za-z0-9+/]+)/.exec(out)?.[1];
  const type = readFileSync(pubFile, 'utf8').split(' ')[0];
  if (!fingerprint || !type) throw new Error(`cannot read fingerprint of ${pubFile}`);
  return { type, fingerprint };
}

export interface TestUser {
  /** Unique per run, e.g. `cu123k9alice`. */
  readonly name: string;
  readonly password: string;
  readonly home: string;
  /** OpenSSH-format ed25519 private key whose public half is in ~/.ssh/authorized_keys (if asked for). */
  readonly privateKey?: string;
  /** Kills the user's processes (by pid) and deletes the account and its home. Idempotent. */
  remove(): void;
}

function withPasswdLock<T>(fn: () => T): T {
  // useradd/userdel fail with "cannot lock /etc/passwd" while another run holds it: retry briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      return fn();
    } catch (e) {
      const msg = String((e as { stderr?: unknown }).stderr ?? e);
      if (attempt >= 20 || !/lock/i.test(msg)) throw e;
      execFileSync('sleep', ['0.1']);
    }
  }
}

/** Creates a real Linux user `<run prefix><label>` with a random password (and a key if asked). */
export function createTestUser(label: string, opts: { withKey?: boolean; password?: string } = {}): TestUser {
  const tr = testRun();
  const name = `${tr.prefix}${label}`;
  if (!/^[a-z][a-z0-9]{1,30}$/.test(name)) throw new Error(`bad test user name '${name}'`);
  const password = opts.password ?? `Pw-${randomBytes(9).toString('base64url')}`;
  tr.trackUser(name);
  withPasswdLock(() => execFileSync('useradd', ['-m', '-s', '/bin/bash', name], { stdio: 'pipe' }));
  withPasswdLock(() =>
    execFileSync('chpasswd', [], { input: `${name}:${password}\n`, stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  const home = `/home/${name}`;
  let privateKey: string | undefined;
  if (opts.withKey) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-key-'));
    try {
      const keyFile = path.join(dir, 'id');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', keyFile], {
        stdio: 'pipe',
      });
      privateKey = readFileSync(keyFile, 'utf8');
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
      writeFileSync(path.join(home, '.ssh', 'authorized_keys'), readFileSync(`${keyFile}.pub`), {
        mode: 0o600,
      });
      chownSync(path.join(home, '.ssh'), uid, gid);
      chownSync(path.join(home, '.ssh', 'authorized_keys'), uid, gid);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  let removed = false;
  return {
    name,
    password,
    home,
    privateKey,
    remove() {
      if (removed) return;
      removed = true;
      let pids: string[] = [];
      try {
        pids = execFileSync('ps', ['-o', 'pid=', '-u', name], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        })
          .split(/\s+/)
          .filter(Boolean);
      } catch {
        // ps exits 1 when the user has no processes left
      }
      for (const p of pids) {
        try {
          process.kill(Number(p), 'SIGKILL');
        } catch {
          // gone
        }
      }
      try {
        withPasswdLock(() => execFileSync('userdel', ['-r', '-f', name], { stdio: 'pipe' }));
      } catch {
        // already removed
      }
    },
  };
}

export interface SshdOptions {
  /** Namespace to run in (from Topology.ns); default: the root namespace on 127.0.0.1. */
  netns?: string;
  /** Listen address; default 127.0.0.1. */
  address?: string;
  /** Default: 22 inside a namespace, a free port on 127.0.0.1. */
  port?: number;
  /** `AllowTcpForwarding`; default true. */
  allowTcpForwarding?: boolean;
  /** Only these users may log in (`AllowUsers`). */
  allowUsers: string[];
  /** PAM keyboard-interactive instead of plain password authentication (`UsePAM yes`). */
  keyboardInteractiveOnly?: boolean;
  extraConfig?: string[];
}

export interface SshdInstance {
  readonly host: string;
  readonly port: number;
  readonly netns?: string;
  readonly pid: number;
  /** The private temp directory (config, host key, pid file). */
  readonly dir: string;
  /** The current host key, as ssh-keygen prints it. */
  hostKey: { type: string; fingerprint: string };
  /** Generates a new host key and makes sshd re-exec (SIGHUP) with it; same pid, same port. */
  rotateHostKey(): Promise<{ type: string; fingerprint: string }>;
  /** The daemon's log so far (stderr, `-e`). */
  log(): string;
  /** Kills sshd and its session processes; removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/** Resolves once `ready()` is true (checked on each stderr chunk); rejects if the daemon exits first. */
export function waitForDaemon(
  child: ChildProcess,
  ready: () => boolean,
  getLog: () => string,
  ms: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const check = () => {
      if (ready()) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`daemon exited (${code}) before it was ready:\n${getLog().slice(-2000)}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`daemon not ready within ${ms} ms:\n${getLog().slice(-2000)}`));
    }, ms);
    const cleanup = () => {
      clearTimeout(timer);
      child.stderr?.off('data', check);
      child.off('exit', onExit);
    };
    // Registered after the log collector, so the count is up to date when this runs.
    child.stderr?.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

export async function startSshd(opts: SshdOptions): Promise<SshdInstance> {
  const reason = sshdSkipReason();
  if (reason) throw new Error(reason);
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const host = opts.address ?? '127.0.0.1';
  const port = opts.port ?? (opts.netns ? 22 : await freePort());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-sshd-'));
  const keyFile = path.join(dir, 'host_ed25519');
  const newKey = () => {
    rmSync(keyFile, { force: true });
    rmSync(`${keyFile}.pub`, { force: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'custody-test-host', '-f', keyFile], {
      stdio: 'pipe',
    });
    return fingerprintOfFile(`${keyFile}.pub`);
  };
  const hostKey = newKey();
  const config = [
    `Port ${port}`,
    `ListenAddress ${host}`,
    'AddressFamily inet',
    `HostKey ${keyFile}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    ...(opts.keyboardInteractiveOnly
      ? // OpenSSH offers keyboard-interactive only through PAM: the target then asks "Password:".
        ['UsePAM yes', 'PasswordAuthentication no', 'KbdInteractiveAuthentication yes']
      : ['UsePAM no', 'PasswordAuthentication yes', 'KbdInteractiveAuthentication no']),
    'PubkeyAuthentication yes',
    'AuthorizedKeysFile .ssh/authorized_keys',
    'PermitRootLogin no',
    `AllowUsers ${opts.allowUsers.join(' ')}`,
    `AllowTcpForwarding ${opts.allowTcpForwarding === false ? 'no' : 'yes'}`,
    'X11Forwarding no',
    'PermitTunnel no',
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    'LoginGraceTime 30',
    'MaxStartups 100:30:200',
    'LogLevel VERBOSE',
    'Subsystem sftp internal-sftp',
    ...(opts.extraConfig ?? []),
  ];
  const configFile = path.join(dir, 'sshd_config');
  writeFileSync(configFile, `${config.join('\n')}\n`, { mode: 0o600 });
  execFileSync(SSHD_BIN, ['-t', '-f', configFile], { stdio: 'pipe' });

  const child = spawnTracked(opts.netns, SSHD_BIN, ['-D', '-e', '-f', configFile]);
  let log = '';
  let listening = 0;
  let partial = '';
  child.stderr?.on('data', (d: Buffer) => {
    const text = d.toString('utf8');
    log = (log + text).slice(-65536);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    listening += lines.filter((l) => l.includes('Server listening on')).length;
  });
  child.stdout?.resume();
  const pid = child.pid!;
  await waitForDaemon(
    child,
    () => listening >= 1,
    () => log,
    10_000,
  ).catch(async (e: unknown) => {
    await stopTracked(child);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });

  let stopped = false;
  const instance: SshdInstance = {
    host,
    port,
    netns: opts.netns,
    pid,
    dir,
    hostKey,
    async rotateHostKey() {
      instance.hostKey = newKey();
      const before = listening;
      process.kill(pid, 'SIGHUP');
      await waitForDaemon(
        child,
        () => listening > before,
        () => log,
        10_000,
      );
      return instance.hostKey;
    },
    log: () => log,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopTracked(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return instance;
}
