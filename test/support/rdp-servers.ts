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
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probeTcp, spawnTracked, stopTracked } from './netns.ts';
import { createTestUser, freePort, type TestUser } from './sshd.ts';

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
  /** Stops the server (the address then refuses connections) until `start()`. */
  halt(): Promise<void>;
  start(): Promise<void>;
  log(): string;
  /** Kills everything it started, removes its directory and the user. Idempotent. */
  stop(): Promise<void>;
}

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
  /** An existing user (default: a new one labelled `rdps`). */
  user?: TestUser;
}

function fingerprintOfPem(file: string): string {
  const der = new X509Certificate(readFileSync(file)).raw;
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

/** A fresh self-signed RSA certificate + key (what RDP servers use by default). */
function makeCertificate(certFile: string, keyFile: string): string {
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
  const user = opts.user ?? createTestUser('rdps');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-rdp-shadow-'));
  // freerdp-shadow-cli keeps its certificate under $XDG_CONFIG_HOME/freerdp/shadow/.
  const certDir = path.join(dir, 'config', 'freerdp', 'shadow');
  mkdirSync(certDir, { recursive: true });
  const certFile = path.join(certDir, 'shadow.crt');
  const keyFile = path.join(certDir, 'shadow.key');
  let fingerprint = makeCertificate(certFile, keyFile);
  const samFile = path.join(dir, 'sam');
  if (security === 'nla') {
    const line = execFileSync('winpr-hash', ['-u', user.name, '-p', user.password, '-f', 'sam'], {
      encoding: 'utf8',
    });
    writeFileSync(samFile, line, { mode: 0o600 });
  }

  const log = { text: '' };
  const xev = { text: '' };
  const x = await startXvfb(opts.netns, width, height);
  const env = { ...process.env, DISPLAY: x.display, HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'config') };
  const desktop: ChildProcess[] = [];
  const startDesktop = async () => {
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
        const id = execFileSync('xdotool', ['search', '--name', 'custody-xterm'], {
          env: xdotoolEnv(x.display),
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        })
          .trim()
          .split('\n')[0];
        if (id) {
          execFileSync('xdotool', ['mousemove', '200', '150', 'windowfocus', id], {
            env: xdotoolEnv(x.display),
            stdio: 'ignore',
          });
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
      execFileSync(cmd, args, {
        env: xdotoolEnv(x.display),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    clicks: () => parseClicks(xev.text),
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

/** Waits until `check()` is true (polling the target, never a fixed sleep); throws with `what` after `ms`. */
export async function eventually(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}
