// REAL RDP servers for tests, each with a private temp directory, its own TLS certificate and a
// desktop the test can drive and inspect:
// - FreeRDP's shadow server (`freerdp-shadow-cli`) sharing its own Xvfb display, on which an xterm
//   and twm run; it checks the RDP login against PAM, so the login is a real Linux test user.
//   `security: 'tls'` is the normal case, `'rdp'` a server offering only standard RDP security
//   (the refusal test), `'nla'` NLA against a SAM file made with `winpr-hash` (for the NLA client).
// - xrdp + xrdp-sesman with the xorgxrdp backend (`security_layer=tls`), whose session script
//   starts an xterm and twm for the test user. xrdp hands a second login as the same user the
//   first one's session (and disconnects the first client): one user per test.
// Inside a test network namespace (netns.ts) a server listens on its namespace address; otherwise
// on 127.0.0.1 and a free port. `stop()` kills every process by pid and removes the directory;
// the run's ledger removes the user and any leftovers should the test be killed.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probeTcp, spawnTracked, stopTracked } from './netns.ts';
import { createTestUser, freePort, type TestUser } from './sshd.ts';
import { removeDeadXDisplay } from './x-locks.ts';

/**
 * X clients (xdotool, xwd) run synchronously; one waiting on a display that stopped answering
 * would block the worker's event loop, so no vitest time-out could end the test. Bounded.
 */
const X_CLIENT_TIMEOUT_MS = 30_000;

const BINARIES = {
  shadow: [
    '/usr/bin/Xvfb',
    '/usr/bin/freerdp-shadow-cli',
    '/usr/bin/xterm',
    '/usr/bin/twm',
    '/usr/bin/xdotool',
  ],
  xrdp: ['/usr/sbin/xrdp', '/usr/sbin/xrdp-sesman', '/usr/bin/xterm', '/usr/bin/twm', '/usr/bin/xdotool'],
} as const;

/** Null when the server can run here; otherwise the skip reason (by name, as TESTBED.md asks). */
export function rdpServerSkipReason(kind: 'shadow' | 'xrdp'): string | null {
  const missing = BINARIES[kind].filter((b) => !existsSync(b));
  if (missing.length) return `skipped: ${missing.map((m) => path.basename(m)).join(', ')} not installed`;
  if (kind === 'xrdp' && !existsSync('/usr/lib/xorg/modules/drivers/xrdpdev_drv.so'))
    return 'skipped: xorgxrdp not installed';
  if (process.getuid?.() !== 0) return 'skipped: RDP test servers need root (real Linux test users)';
  return null;
}

export interface RdpTestServer {
  readonly kind: 'freerdp-shadow' | 'xrdp';
  readonly host: string;
  readonly port: number;
  readonly netns?: string;
  /** The RDP login (a real Linux user with a random password). */
  readonly user: TestUser;
  /** SHA256 fingerprint (`SHA256:` + unpadded base64 of the DER) of the current certificate. */
  certificateFingerprint: string;
  /** The X display of the desktop, once it exists (xrdp makes it at the first login). */
  display(): string | undefined;
  /** Runs a command on the desktop's display as the desktop's owner (e.g. `xdotool getactivewindow`). */
  onDisplay(cmd: string, args: string[]): string;
  /**
   * Button presses and releases seen by the click pad: an `xev` window at CLICK_PAD (desktop
   * pixels), e.g. "ButtonPress button 1 at 30,40" per event, coordinates inside the pad.
   */
  clicks(): string[];
  /** Restarts the server with a NEW certificate, same address and port; resolves to its fingerprint. */
  rotateCertificate(): Promise<string>;
  /**
   * NLA servers only: the SAM entry rewritten with `winpr-hash` for another password (the Linux
   * user keeps its own), and the server restarted: the password changed behind the vault's back.
   */
  changeSamPassword(password: string): Promise<void>;
  /** Stops the server (the address then refuses connections) until `start()`. */
  halt(): Promise<void>;
  start(): Promise<void>;
  log(): string;
  /** Kills everything it started, removes its directory and the user. Idempotent. */
  stop(): Promise<void>;
}

/**
 * twm's configuration on the test desktops. Only the font built into the X server: without it
 * twm asks for Helvetica, and on a machine without X core font packages it cannot open that
 * font and exits, leaving the desktop without a window manager. No title bars, so a window's
 * contents sit where its geometry says, give or take the frame's border (tests click at fixed
 * desktop pixels).
 */
const TWMRC = [
  ...['TitleFont', 'ResizeFont', 'MenuFont', 'IconFont', 'IconManagerFont'].map((k) => `${k} "fixed"`),
  'NoTitle',
  'RandomPlacement',
  '',
].join('\n');

/** Where the click pad (an xev window) sits on every test desktop. */
export const CLICK_PAD = { x: 780, y: 560, width: 200, height: 150 } as const;

/** Parses xev's output into one line per button event. */
function parseClicks(xev: string): string[] {
  const out: string[] = [];
  const re = /(ButtonPress|ButtonRelease) event[^]*?\(\s*(-?\d+),\s*(-?\d+)\)[^]*?button (\d+)/g;
  for (let m = re.exec(xev); m; m = re.exec(xev)) out.push(`${m[1]} button ${m[4]} at ${m[2]},${m[3]}`);
  return out;
}

export interface ShadowOptions {
  netns?: string;
  /** Default 127.0.0.1. */
  address?: string;
  /** Default 3389 inside a namespace, a free port on 127.0.0.1. */
  port?: number;
  /** Default 'tls'. */
  security?: 'tls' | 'rdp' | 'nla';
  /** Default 1024x768. */
  width?: number;
  height?: number;
  /** An existing user (default: a new one, `rdps1`, `rdps2`…). */
  user?: TestUser;
}

/** Default users are numbered: every server started without one gets its own. */
let users = 0;

/** Random, and long and varied enough for the vault's default password policy. */
export function strongPassword(): string {
  return `Rdp#${randomBytes(12).toString('hex')}9z!`;
}

function fingerprintOfPem(file: string): string {
  const der = new X509Certificate(readFileSync(file)).raw;
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

/** A fresh self-signed RSA certificate + key (what RDP servers use by default). */
export function makeCertificate(certFile: string, keyFile: string): string {
  rmSync(certFile, { force: true });
  rmSync(keyFile, { force: true });
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=custody-rdp-test',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'pipe' },
  );
  return fingerprintOfPem(certFile);
}

function collectLog(child: ChildProcess, into: { text: string }): void {
  const add = (d: Buffer) => {
    into.text = (into.text + d.toString('utf8')).slice(-131072);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
}

/** Xvfb on a display number it picks itself (`-displayfd`), so parallel runs never collide. */
async function startXvfb(
  netns: string | undefined,
  width: number,
  height: number,
): Promise<{ child: ChildProcess; display: string }> {
  const child = spawnTracked(
    netns,
    '/usr/bin/Xvfb',
    ['-displayfd', '3', '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp', '-noreset'],
    { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] },
  );
  const fd3 = child.stdio[3] as NodeJS.ReadableStream;
  const log = { text: '' };
  collectLog(child, log);
  const display = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start:\n${log.text}`)), 10_000);
    fd3.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(`:${out.trim()}`);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited (${code}):\n${log.text}`));
    });
  });
  return { child, display };
}

async function waitForPort(netns: string | undefined, host: string, port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const r = netns
      ? (() => {
          try {
            execFileSync('ip', ['netns', 'exec', netns, 'bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`], {
              stdio: 'ignore',
              timeout: 5_000,
            });
            return 'connected';
          } catch {
            return 'refused';
          }
        })()
      : await probeTcp(host, port, 500);
    if (r === 'connected') return;
    if (Date.now() > until) throw new Error(`nothing listens on ${host}:${port} after ${ms} ms`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/**
 * A command for the desktop's X display, run in the server's network namespace. An X client
 * reaches its display by the abstract socket `@/tmp/.X11-unix/Xn` first, and abstract sockets
 * belong to a network namespace: run from outside, `:0` can be another run's X server there
 * (display numbers are only unique within the namespace the X server runs in).
 */
function inNamespace(netns: string | undefined, cmd: string, args: string[]): [string, string[]] {
  return netns ? ['ip', ['netns', 'exec', netns, cmd, ...args]] : [cmd, args];
}

function xdotoolEnv(display: string, xauthority?: string): NodeJS.ProcessEnv {
  return { ...process.env, DISPLAY: display, ...(xauthority ? { XAUTHORITY: xauthority } : {}) };
}

/** FreeRDP's shadow server on its own Xvfb with an xterm (focused) and twm. */
export async function startShadowServer(opts: ShadowOptions = {}): Promise<RdpTestServer> {
  const reason = rdpServerSkipReason('shadow');
  if (reason) throw new Error(reason);
  const host = opts.address ?? '127.0.0.1';
  const port = opts.port ?? (opts.netns ? 3389 : await freePort());
  const security = opts.security ?? 'tls';
  const width = opts.width ?? 1024;
  const height = opts.height ?? 768;
  const user = opts.user ?? createTestUser(`rdps${++users}`, { password: strongPassword() });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-rdp-shadow-'));
  // freerdp-shadow-cli keeps its certificate under $XDG_CONFIG_HOME/freerdp/shadow/.
  const certDir = path.join(dir, 'config', 'freerdp', 'shadow');
  mkdirSync(certDir, { recursive: true });
  const certFile = path.join(certDir, 'shadow.crt');
  const keyFile = path.join(certDir, 'shadow.key');
  let fingerprint = makeCertificate(certFile, keyFile);
  const samFile = path.join(dir, 'sam');
  const writeSam = (password: string) => {
    const line = execFileSync('winpr-hash', ['-u', user.name, '-p', password, '-f', 'sam'], {
      encoding: 'utf8',
    });
    writeFileSync(samFile, line, { mode: 0o600 });
  };
  if (security === 'nla') writeSam(user.password);

  const log = { text: '' };
  const xev = { text: '' };
  const x = await startXvfb(opts.netns, width, height);
  const env = { ...process.env, DISPLAY: x.display, HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'config') };
  const desktop: ChildProcess[] = [];
  const startDesktop = async () => {
    writeFileSync(path.join(dir, '.twmrc'), TWMRC);
    for (const [cmd, args] of [
      ['/usr/bin/twm', []],
      ['/usr/bin/xterm', ['-geometry', '80x24+40+40', '-title', 'custody-xterm']],
    ] as const) {
      const c = spawnTracked(opts.netns, cmd, [...args], { env, cwd: '/tmp' });
      collectLog(c, log);
      desktop.push(c);
    }
    const pad = spawnTracked(
      opts.netns,
      '/usr/bin/xev',
      [
        '-geometry',
        `${CLICK_PAD.width}x${CLICK_PAD.height}+${CLICK_PAD.x}+${CLICK_PAD.y}`,
        '-name',
        'custody-clicks',
        '-event',
        'button',
      ],
      { env, cwd: '/tmp' },
    );
    pad.stdout?.on('data', (d: Buffer) => {
      xev.text = (xev.text + d.toString('utf8')).slice(-65536);
    });
    desktop.push(pad);
    // The xterm gets the keyboard focus (twm focuses what the pointer is over).
    const until = Date.now() + 10_000;
    for (;;) {
      try {
        const id = execFileSync(
          ...inNamespace(opts.netns, 'xdotool', ['search', '--name', 'custody-xterm']),
          {
            env: xdotoolEnv(x.display),
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'ignore'],
            timeout: X_CLIENT_TIMEOUT_MS,
          },
        )
          .trim()
          .split('\n')[0];
        if (id) {
          execFileSync(
            ...inNamespace(opts.netns, 'xdotool', ['mousemove', '200', '150', 'windowfocus', id]),
            {
              env: xdotoolEnv(x.display),
              stdio: 'ignore',
              timeout: X_CLIENT_TIMEOUT_MS,
            },
          );
          return;
        }
      } catch {
        // not mapped yet
      }
      if (Date.now() > until) throw new Error(`xterm did not appear on ${x.display}:\n${log.text}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  };

  let server: ChildProcess | undefined;
  const start = async () => {
    const args = [`/port:${port}`, `/bind-address:${host}`, `/sec:${security}`];
    if (security === 'nla') args.push(`/sam-file:${samFile}`);
    server = spawnTracked(opts.netns, '/usr/bin/freerdp-shadow-cli', args, { env, cwd: dir });
    collectLog(server, log);
    const s = server;
    await Promise.race([
      waitForPort(opts.netns, host, port, 10_000),
      new Promise<never>((_, reject) =>
        s.once('exit', (code) => reject(new Error(`freerdp-shadow-cli exited (${code}):\n${log.text}`))),
      ),
    ]);
  };
  const halt = async () => {
    if (server) await stopTracked(server);
    server = undefined;
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await halt();
    for (const c of desktop) await stopTracked(c);
    await stopTracked(x.child);
    if (!opts.user) user.remove();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await startDesktop();
    await start();
  } catch (e) {
    await stop();
    throw e;
  }
  const instance: RdpTestServer = {
    kind: 'freerdp-shadow',
    host,
    port,
    netns: opts.netns,
    user,
    certificateFingerprint: fingerprint,
    display: () => x.display,
    onDisplay: (cmd, args) =>
      execFileSync(...inNamespace(opts.netns, cmd, args), {
        env: xdotoolEnv(x.display),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: X_CLIENT_TIMEOUT_MS,
      }),
    clicks: () => parseClicks(xev.text),
    async changeSamPassword(password) {
      if (security !== 'nla') throw new Error('only an NLA server has a SAM file');
      await halt();
      writeSam(password);
      await start();
    },
    async rotateCertificate() {
      await halt();
      fingerprint = makeCertificate(certFile, keyFile);
      instance.certificateFingerprint = fingerprint;
      await start();
      return fingerprint;
    },
    halt,
    start,
    log: () => log.text,
    stop,
  };
  return instance;
}

export interface XrdpOptions {
  netns?: string;
  /** Default 127.0.0.1. */
  address?: string;
  /** Default 3389 inside a namespace, a free port on 127.0.0.1. */
  port?: number;
  /** `security_layer`; default 'tls' ('rdp' for a standard-security-only server). */
  security?: 'tls' | 'rdp' | 'negotiate';
  /** An existing user (default: a new one, `rdpx1`…). xrdp gives one session per user. */
  user?: TestUser;
}

function iniSet(text: string, section: string, key: string, value: string): string {
  const lines = text.split('\n');
  let inSection = false;
  let done = false;
  const out: string[] = [];
  for (const line of lines) {
    const header = /^\[(.+)\]\s*$/.exec(line);
    if (header) {
      if (inSection && !done) {
        out.push(`${key}=${value}`);
        done = true;
      }
      inSection = header[1] === section;
    } else if (inSection && new RegExp(`^\\s*${key}\\s*=`).test(line)) {
      if (!done) out.push(`${key}=${value}`);
      done = true;
      continue;
    }
    out.push(line);
  }
  if (!done) out.push(`[${section}]`, `${key}=${value}`);
  return out.join('\n');
}

/**
 * xrdp + sesman (xorgxrdp backend) with a private configuration: TLS security, its own
 * certificate, logs in the private directory. The test user's ~/startwm.sh starts the xterm
 * (focused), the click pad and twm; the X display exists once the first login made the session.
 */
export async function startXrdp(opts: XrdpOptions = {}): Promise<RdpTestServer> {
  const reason = rdpServerSkipReason('xrdp');
  if (reason) throw new Error(reason);
  const host = opts.address ?? '127.0.0.1';
  const port = opts.port ?? (opts.netns ? 3389 : await freePort());
  const user = opts.user ?? createTestUser(`rdpx${++users}`, { password: strongPassword() });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-xrdp-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  let fingerprint = makeCertificate(certFile, keyFile);

  // The session: xterm first (it gets the focus: twm focuses what is under the pointer, and the
  // pointer starts in the middle, over the xterm), the click pad writing to a file, then twm.
  const clicksFile = path.join(user.home, '.custody-clicks');
  const uid = Number(execFileSync('id', ['-u', user.name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', user.name], { encoding: 'utf8' }).trim());
  const startwm = path.join(user.home, 'startwm.sh');
  writeFileSync(
    startwm,
    [
      '#!/bin/sh',
      // The user's shell retitles its xterm (`user@host: ~`) unless the xterm refuses: the title is
      // how tests find the window.
      "xterm -geometry 100x40+100+100 -title custody-xterm -xrm 'XTerm*allowTitleOps: false' &",
      `xev -geometry ${CLICK_PAD.width}x${CLICK_PAD.height}+${CLICK_PAD.x}+${CLICK_PAD.y} -name custody-clicks -event button > ${clicksFile} &`,
      'exec twm',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  chownSync(startwm, uid, gid);
  const twmrc = path.join(user.home, '.twmrc');
  writeFileSync(twmrc, TWMRC);
  chownSync(twmrc, uid, gid);

  let xrdpIni = readFileSync('/etc/xrdp/xrdp.ini', 'utf8');
  for (const [k, v] of [
    ['port', `tcp://${host}:${port}`],
    ['fork', 'false'],
    ['security_layer', opts.security ?? 'tls'],
    ['certificate', certFile],
    ['key_file', keyFile],
    ['autorun', ''],
  ] as const)
    xrdpIni = iniSet(xrdpIni, 'Globals', k, v);
  xrdpIni = iniSet(xrdpIni, 'Logging', 'LogFile', path.join(dir, 'xrdp.log'));
  xrdpIni = iniSet(xrdpIni, 'Logging', 'EnableSyslog', 'false');
  writeFileSync(path.join(dir, 'xrdp.ini'), xrdpIni);
  let sesmanIni = readFileSync('/etc/xrdp/sesman.ini', 'utf8');
  sesmanIni = iniSet(sesmanIni, 'Logging', 'LogFile', path.join(dir, 'sesman.log'));
  sesmanIni = iniSet(sesmanIni, 'Logging', 'EnableSyslog', 'false');
  sesmanIni = iniSet(sesmanIni, 'ChansrvLogging', 'EnableSyslog', 'false');
  writeFileSync(path.join(dir, 'sesman.ini'), sesmanIni);

  const log = { text: '' };
  // sesman listens on the loopback of its namespace (port 3350): outside one, a second run's
  // sesman could not start, so xrdp tests run inside a namespace.
  const sesman = spawnTracked(opts.netns, '/usr/sbin/xrdp-sesman', [
    '-n',
    '-c',
    path.join(dir, 'sesman.ini'),
  ]);
  collectLog(sesman, log);
  let xrdp: ChildProcess | undefined;
  const start = async () => {
    xrdp = spawnTracked(opts.netns, '/usr/sbin/xrdp', ['-n', '-c', path.join(dir, 'xrdp.ini')]);
    collectLog(xrdp, log);
    const x = xrdp;
    await Promise.race([
      waitForPort(opts.netns, host, port, 10_000),
      new Promise<never>((_, reject) =>
        x.once('exit', (code) => reject(new Error(`xrdp exited (${code}):\n${log.text}`))),
      ),
    ]);
  };
  const halt = async () => {
    if (xrdp) await stopTracked(xrdp);
    xrdp = undefined;
  };
  const xrdpLog = () => {
    try {
      return (
        readFileSync(path.join(dir, 'xrdp.log'), 'utf8') + readFileSync(path.join(dir, 'sesman.log'), 'utf8')
      );
    } catch {
      return '';
    }
  };
  const display = () => {
    const m = /login successful for user \S+ on display (\d+)/.exec(xrdpLog());
    return m ? `:${m[1]}` : undefined;
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await halt();
    await stopTracked(sesman);
    // The session (Xorg, chansrv, the desktop programs) runs as the user.
    if (opts.user) {
      for (const p of execFileSync('ps', ['-o', 'pid=', '-u', user.name], { encoding: 'utf8' }).split(/\s+/))
        if (p) process.kill(Number(p), 'SIGKILL');
    } else user.remove();
    const d = display();
    if (d) removeDeadXDisplay(Number(d.slice(1)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await start();
  } catch (e) {
    await stop();
    throw e;
  }
  const instance: RdpTestServer = {
    kind: 'xrdp',
    host,
    port,
    netns: opts.netns,
    user,
    certificateFingerprint: fingerprint,
    display,
    onDisplay: (cmd, args) => {
      const d = display();
      if (!d) throw new Error('the xrdp session has no display yet (nobody logged in)');
      return execFileSync(
        ...inNamespace(opts.netns, 'runuser', [
          '-u',
          user.name,
          '--',
          'env',
          `DISPLAY=${d}`,
          `HOME=${user.home}`,
          cmd,
          ...args,
        ]),
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
          timeout: X_CLIENT_TIMEOUT_MS,
        },
      );
    },
    clicks: () => {
      try {
        return parseClicks(readFileSync(clicksFile, 'utf8'));
      } catch {
        return [];
      }
    },
    changeSamPassword() {
      return Promise.reject(new Error('xrdp does not do NLA: it has no SAM file'));
    },
    async rotateCertificate() {
      await halt();
      fingerprint = makeCertificate(certFile, keyFile);
      instance.certificateFingerprint = fingerprint;
      await start();
      return fingerprint;
    },
    halt,
    start,
    log: () => log.text + xrdpLog(),
    stop,
  };
  return instance;
}

/** Waits until `check()` is true (polling the target, never a fixed sleep); throws with `what` after `ms`. */
export async function eventually(
  check: () => boolean,
  what: string | (() => string),
  ms = 10_000,
): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until)
      throw new Error(`not within ${ms} ms: ${typeof what === 'string' ? what : what()}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}
