// Target connectors and landing-server chains against REAL daemons: OpenSSH sshd, inetutils
// telnetd behind socat with the real /bin/login, real Linux test users, and network namespaces in
// which the targets are reachable only through the landing servers (test/support/netns.ts).
//
//   root (gateway) ─┬─ dmz   (sshd :22 landing "dmz1", :2022 a primary that gets stopped,
//                   │         :2222 landing "nofwd" with AllowTcpForwarding no)
//                   │    ├── dc    (target sshd :22, telnetd :23)
//                   │    └── dmz2  (sshd :22 second landing "dmz2") ── deep (target sshd :22)
//                   └─ dmzb  (sshd :22 secondary landing) ── dc
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostKeyError, Secret, TargetError } from '../../core/index.ts';
import type { Credential, Hop, HopCandidate, SessionTarget } from '../../core/sessions/types.ts';
import { SshConnector } from '../../gateway/connectors/ssh.ts';
import { TelnetConnector } from '../../gateway/connectors/telnet.ts';
import type { HostKeyInfo, OpenRequest, TargetStream } from '../../gateway/connectors/types.ts';
import { openChain, type Chain } from '../../gateway/hops/chain.ts';
import { createTopology, netnsSkipReason, probeTcp, testRun, type Topology } from '../support/netns.ts';
import {
  createTestUser,
  sshdSkipReason,
  startSshd,
  type SshdInstance,
  type TestUser,
} from '../support/sshd.ts';
import {
  startTelnetd,
  telnetClientSkipReason,
  telnetdSkipReason,
  type TelnetdInstance,
} from '../support/telnetd.ts';

const sshSkip = sshdSkipReason();
const nsSkip = sshSkip ?? netnsSkipReason();
const telnetSkip = telnetdSkipReason() ?? sshSkip;
const telnetNsSkip = telnetSkip ?? nsSkip;
const telnetFallbackSkip = telnetNsSkip ?? telnetClientSkipReason();
const named = (name: string, skip: string | null) => (skip ? `${name} (${skip})` : name);

// ---------------------------------------------------------------------------------------------
// helpers

/** Host-key pinning as core does it (first use recorded, a different key refused), in memory. */
class FakePins {
  readonly pins = new Map<string, string>();
  readonly recorded: Array<{ resource: string } & HostKeyInfo> = [];
  check(resource: string) {
    return async (key: HostKeyInfo): Promise<void> => {
      const id = `${resource}|${key.type}`;
      const pinned = this.pins.get(id);
      if (!pinned) {
        this.pins.set(id, key.fingerprint);
        this.recorded.push({ resource, ...key });
        return;
      }
      if (pinned !== key.fingerprint)
        throw new HostKeyError(
          `host key of '${resource}' changed (expected ${pinned}, got ${key.fingerprint}): refusing to connect`,
        );
    };
  }
}

function password(user: { name: string; password: string }, override?: string): Credential {
  return { kind: 'password', username: user.name, secret: Secret.fromString(override ?? user.password) };
}

function target(name: string, host: string, port: number, protocol: 'ssh' | 'telnet' = 'ssh'): SessionTarget {
  return {
    ref: `${name}/alice`,
    resource: name,
    account: 'alice',
    protocol,
    typeName: protocol === 'ssh' ? 'linux' : 'telnet-device',
    host,
    port,
    allowPortForwarding: false,
  };
}

function candidate(
  landing: string,
  role: HopCandidate['role'],
  resource: string,
  host: string,
  port: number,
): HopCandidate {
  return { landing, role, resource, account: 'jump', ref: `${resource}/jump`, protocol: 'ssh', host, port };
}

/** Collects a readable's output; `until` waits for a pattern. */
function collector(stream: Readable) {
  let text = '';
  const waiters: Array<() => void> = [];
  stream.on('data', (d: Buffer) => {
    text += d.toString('utf8');
    for (const w of waiters.splice(0)) w();
  });
  return {
    get text() {
      return text;
    },
    until(pattern: RegExp, ms = 10_000): Promise<string> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`timed out waiting for ${pattern}; got ${JSON.stringify(text.slice(-500))}`)),
          ms,
        );
        const check = () => {
          if (pattern.test(text)) {
            clearTimeout(timer);
            resolve(text);
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}

async function execOn(stream: TargetStream) {
  const out = collector(stream.stdout);
  const err = stream.stderr ? collector(stream.stderr) : undefined;
  const end = await stream.done;
  return { stdout: out.text, stderr: err?.text ?? '', ...end };
}

/** A TCP listener on 127.0.0.1 that accepts and never says anything. */
async function withSilentPeer(fn: (port: number) => Promise<void>): Promise<void> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    await fn((server.address() as net.AddressInfo).port);
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
}

async function rejection(
  p: Promise<unknown>,
): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

// ---------------------------------------------------------------------------------------------
// fixtures (started once per file)

let alice: TestUser;
let jump: TestUser;
let loSshd: SshdInstance;
const daemons: Array<{ stop(): Promise<void> }> = [];
const users: TestUser[] = [];
const ssh = new SshConnector();
const telnet = new TelnetConnector();

beforeAll(async () => {
  if (sshSkip) return;
  alice = createTestUser('alice', { withKey: true });
  jump = createTestUser('jump');
  users.push(alice, jump);
  loSshd = await startSshd({ allowUsers: [alice.name, jump.name] });
  daemons.push(loSshd);
});

afterAll(async () => {
  for (const d of daemons.reverse()) await d.stop().catch(() => {});
  for (const u of users) u.remove();
  testRun().cleanup();
});

// ---------------------------------------------------------------------------------------------

describe.skipIf(!!sshSkip)(named('ssh connector, direct (real sshd on 127.0.0.1)', sshSkip), () => {
  const req = (over: Partial<OpenRequest>): OpenRequest => ({
    target: target('lo', loSshd.host, loSshd.port),
    credential: password(alice),
    mode: { kind: 'exec', command: 'true' },
    hostKey: new FakePins().check('lo'),
    ...over,
  });

  it('opens a shell with a pty of the asked size, resizes it, and ends with the exit code', async () => {
    const s = await ssh.open(req({ mode: { kind: 'shell', term: 'xterm', cols: 101, rows: 31 } }));
    const out = collector(s.stdout);
    s.stdin.write('stty size; echo "T=$TERM"\n');
    await out.until(/31 101[\s\S]*T=xterm/);
    s.resize(120, 40);
    s.stdin.write('stty size\n');
    await out.until(/40 120/);
    s.stdin.write('exit 0\n');
    expect(await s.done).toEqual({ exitCode: 0 });
  });

  it('runs a command and returns its stdout, stderr and exit code', async () => {
    const r = await execOn(
      await ssh.open(req({ mode: { kind: 'exec', command: 'id -un; echo oops >&2; exit 3' } })),
    );
    expect(r).toMatchObject({ stdout: `${alice.name}\n`, stderr: 'oops\n', exitCode: 3 });
  });

  it('authenticates with a private key', async () => {
    const cred: Credential = {
      kind: 'private-key',
      username: alice.name,
      secret: Secret.fromString(alice.privateKey!),
    };
    const r = await execOn(
      await ssh.open(req({ credential: cred, mode: { kind: 'exec', command: 'echo key-ok' } })),
    );
    expect(r.stdout).toBe('key-ok\n');
  });

  it('passes the raw sftp subsystem through: the OpenSSH sftp client uploads and downloads a file', async () => {
    // A local relay: each connection becomes one sftp-mode session, piped byte for byte, which is
    // exactly what the front door does with a client's subsystem channel.
    const relay = net.createServer((sock) => {
      ssh.open(req({ mode: { kind: 'sftp' } })).then(
        (s) => {
          sock.pipe(s.stdin);
          s.stdout.pipe(sock);
          sock.on('close', () => s.close());
        },
        () => sock.destroy(),
      );
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    const port = (relay.address() as net.AddressInfo).port;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-sftp-'));
    try {
      const payload = `custody sftp ${Date.now()}\n${'x'.repeat(5000)}\n`;
      writeFileSync(path.join(dir, 'up.txt'), payload);
      const remote = `${alice.home}/up-${process.pid}.txt`;
      writeFileSync(
        path.join(dir, 'batch'),
        `put ${dir}/up.txt ${remote}\nget ${remote} ${dir}/down.txt\nrm ${remote}\n`,
      );
      await new Promise<void>((resolve, reject) =>
        execFile(
          'sftp',
          ['-b', path.join(dir, 'batch'), '-D', `socat STDIO TCP:127.0.0.1:${port}`],
          { timeout: 20_000 },
          (err, _stdout, stderr) => (err ? reject(new Error(`sftp failed: ${stderr}`)) : resolve()),
        ),
      );
      expect(readFileSync(path.join(dir, 'down.txt'), 'utf8')).toBe(payload);
    } finally {
      relay.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('host key: the first one is recorded with the OpenSSH fingerprint, a changed one is refused', async () => {
    const pins = new FakePins();
    const first = await execOn(
      await ssh.open(req({ hostKey: pins.check('lo'), mode: { kind: 'exec', command: 'echo 1' } })),
    );
    expect(first.stdout).toBe('1\n');
    expect(pins.recorded).toEqual([{ resource: 'lo', ...loSshd.hostKey }]);
    await loSshd.rotateHostKey();
    const e = await rejection(ssh.open(req({ hostKey: pins.check('lo') })));
    expect(e).toBeInstanceOf(HostKeyError);
    expect(e.message).toMatch(
      /^host key of 'lo' changed \(expected SHA256:\S+, got SHA256:\S+\): refusing to connect$/,
    );
    expect(e.message).toContain(loSshd.hostKey.fingerprint);
  });

  it('a refused password is a one-line E_TARGET error that does not contain the password', async () => {
    const wrong = `Wrong-${Date.now()}`;
    const e = await rejection(ssh.open(req({ credential: password(alice, wrong) })));
    expect(e).toBeInstanceOf(TargetError);
    expect(e.code).toBe('E_TARGET');
    expect(e.message).toBe('target refused the stored credential (lo/alice)');
    expect(JSON.stringify(e)).not.toContain(wrong);
  });

  it('falls back to keyboard-interactive and answers the password prompt (sshd with PAM, no password method)', async () => {
    const kbd = await startSshd({ allowUsers: [alice.name], keyboardInteractiveOnly: true });
    daemons.push(kbd);
    const r = await execOn(
      await ssh.open(
        req({ target: target('kbd', kbd.host, kbd.port), mode: { kind: 'exec', command: 'echo kbd-ok' } }),
      ),
    );
    expect(r).toMatchObject({ stdout: 'kbd-ok\n', exitCode: 0 });
    await kbd.stop();
  });

  it('a peer that never speaks SSH is a timeout error (a silent TCP listener, not an SSH server)', async () => {
    await withSilentPeer(async (port) => {
      const t0 = Date.now();
      const e = await rejection(ssh.open(req({ target: target('lo', '127.0.0.1', port), timeoutMs: 700 })));
      expect(e.message).toBe('target did not answer within 1 s (lo/alice)');
      expect(Date.now() - t0).toBeLessThan(3000);
    });
  });

  it('a closed port is "refused the connection", at once', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const e = await rejection(ssh.open(req({ target: target('lo', '127.0.0.1', closed) })));
    expect(e.message).toBe('target refused the connection (lo/alice)');
  });
});

describe.skipIf(!!telnetSkip)(
  named('telnet connector, direct (real telnetd + /bin/login on 127.0.0.1)', telnetSkip),
  () => {
    let telnetd: TelnetdInstance;
    beforeAll(async () => {
      telnetd = await startTelnetd();
      daemons.push(telnetd);
    });

    it('logs in automatically, hides the login exchange, runs `echo hi`', async () => {
      const typing: boolean[] = [];
      const s = await telnet.open({
        target: target('tn', telnetd.host, telnetd.port, 'telnet'),
        credential: password(alice),
        mode: { kind: 'shell', term: 'xterm', cols: 90, rows: 25 },
        hostKey: async () => {},
        onCredentialTyping: (on) => typing.push(on),
      });
      expect(typing).toEqual([true, false]);
      const out = collector(s.stdout);
      s.stdin.write('echo h""i; stty size\r');
      await out.until(/\bhi\r?\n[\s\S]*25 90/);
      s.resize(100, 33);
      s.stdin.write('stty size\r');
      await out.until(/33 100/);
      s.stdin.write('exit\r');
      await s.done;
      expect(out.text).not.toContain(alice.password);
      expect(out.text).not.toMatch(/login: *(\r|\n|$)|Password:/);
    });

    it('no login prompt in time is a timeout error (a silent TCP listener, not a telnet server)', async () => {
      await withSilentPeer(async (port) => {
        const e = await rejection(
          telnet.open({
            target: target('tn', '127.0.0.1', port, 'telnet'),
            credential: password(alice),
            mode: { kind: 'shell', term: 'xterm', cols: 80, rows: 24 },
            hostKey: async () => {},
            timeoutMs: 600,
          }),
        );
        expect(e.message).toBe('target sent no login prompt within 1 s (tn/alice)');
      });
    });

    it('a wrong password is detected and reported as E_TARGET', async () => {
      const wrong = `Wrong-${Date.now()}`;
      const e = await rejection(
        telnet.open({
          target: target('tn', telnetd.host, telnetd.port, 'telnet'),
          credential: password(alice, wrong),
          mode: { kind: 'shell', term: 'xterm', cols: 80, rows: 24 },
          hostKey: async () => {},
        }),
      );
      expect(e).toBeInstanceOf(TargetError);
      expect(e.message).toBe('target refused the stored credential (tn/alice)');
      expect(JSON.stringify(e)).not.toContain(wrong);
    });
  },
);

describe.skipIf(!!nsSkip)(
  named('landing-server chains (network namespaces, real sshd everywhere)', nsSkip),
  () => {
    let topo: Topology;
    let dcSshd: SshdInstance;
    let deepSshd: SshdInstance;
    let dmz1: SshdInstance;
    let dmzStop: SshdInstance;
    let nofwd: SshdInstance;
    let dmzb: SshdInstance;
    let dmz2: SshdInstance;
    let dcTelnetd: TelnetdInstance | undefined;
    const pins = new FakePins();
    const chains: Chain[] = [];

    beforeAll(async () => {
      topo = await createTopology({
        nodes: ['dmz', 'dmzb', 'dmz2', 'dc', 'deep'],
        links: [
          ['root', 'dmz'],
          ['root', 'dmzb'],
          ['dmz', 'dc'],
          ['dmzb', 'dc'],
          ['dmz', 'dmz2'],
          ['dmz2', 'deep'],
        ],
      });
      daemons.push({ stop: async () => topo.destroy() });
      const allowUsers = [alice.name, jump.name];
      const start = async (
        node: string,
        peer: string,
        extra: { port?: number; allowTcpForwarding?: boolean; address?: string } = {},
      ) => {
        const d = await startSshd({
          netns: topo.ns(node),
          address: topo.addr(node, peer),
          allowUsers,
          ...extra,
        });
        daemons.push(d);
        return d;
      };
      // The target listens on all of its namespace's addresses (both landings reach it).
      [dcSshd, deepSshd, dmz1, dmzStop, nofwd, dmzb, dmz2] = await Promise.all([
        start('dc', 'dmz', { address: '0.0.0.0' }),
        start('deep', 'dmz2'),
        start('dmz', 'root'),
        start('dmz', 'root', { port: 2022 }),
        start('dmz', 'root', { port: 2222, allowTcpForwarding: false }),
        start('dmzb', 'root'),
        start('dmz2', 'dmz'),
      ]);
      if (!telnetSkip) {
        dcTelnetd = await startTelnetd({ netns: topo.ns('dc'), address: topo.addr('dc', 'dmz') });
        daemons.push(dcTelnetd);
      }
    });

    afterAll(() => {
      for (const c of chains) c.close();
    });

    const hop = (landing: string, ...candidates: HopCandidate[]): Hop => ({ landing, candidates });
    const chainTo = async (
      route: Hop[],
      t: SessionTarget,
      terminal?: { term: string; cols: number; rows: number },
    ) => {
      const chain = await openChain({
        route,
        target: t,
        credentialFor: async () => password(jump),
        checkHostKey: (c, key) => pins.check(c.resource)(key),
        terminal,
        timeoutMs: 8000,
      });
      chains.push(chain);
      return chain;
    };
    const dmz1Hop = () => hop('dmz1', candidate('dmz1', 'primary', 'web-jump1', dmz1.host, dmz1.port));
    const dcTarget = () => target('dc', topo.addr('dc', 'dmz'), dcSshd.port);

    it('the target network is unreachable from the gateway namespace (EHOSTUNREACH, at once)', async () => {
      const t0 = Date.now();
      expect(await probeTcp(topo.addr('dc', 'dmz'), 22)).toBe('EHOSTUNREACH');
      expect(await probeTcp(topo.addr('dc', 'dmzb'), 22)).toBe('EHOSTUNREACH');
      expect(await probeTcp(deepSshd.host, deepSshd.port)).toBe('EHOSTUNREACH');
      expect(await probeTcp(topo.unreachableAddress, 22)).toBe('EHOSTUNREACH');
      expect(Date.now() - t0).toBeLessThan(1000);
      const e = await rejection(
        ssh.open({
          target: dcTarget(),
          credential: password(alice),
          mode: { kind: 'exec', command: 'true' },
          hostKey: pins.check('dc'),
        }),
      );
      expect(e.message).toBe('target unreachable (no route to host) (dc/alice)');
    });

    it('reaches the target through one landing server', async () => {
      const chain = await chainTo([dmz1Hop()], dcTarget());
      expect(chain.landings.map((l) => `${l.landing}:${l.role}:${l.resource}`)).toEqual([
        'dmz1:primary:web-jump1',
      ]);
      expect(chain.via?.kind).toBe('tcp');
      const r = await execOn(
        await ssh.open({
          target: dcTarget(),
          credential: password(alice),
          via: chain.via,
          mode: { kind: 'exec', command: 'echo "$SSH_CONNECTION"' },
          hostKey: pins.check('dc'),
        }),
      );
      // The target saw the connection come from the landing's address on the dc link.
      expect(r.stdout.split(' ')[0]).toBe(topo.addr('dmz', 'dc'));
      expect(r.stdout.split(' ')[2]).toBe(topo.addr('dc', 'dmz'));
      expect(r.exitCode).toBe(0);
      expect(pins.recorded.map((k) => k.resource)).toEqual(expect.arrayContaining(['web-jump1', 'dc']));
    });

    it('reaches the target through two landing servers', async () => {
      const chain = await chainTo(
        [dmz1Hop(), hop('dmz2', candidate('dmz2', 'primary', 'inner-jump', dmz2.host, dmz2.port))],
        target('deep', deepSshd.host, deepSshd.port),
      );
      expect(chain.landings.map((l) => l.landing)).toEqual(['dmz1', 'dmz2']);
      const r = await execOn(
        await ssh.open({
          target: target('deep', deepSshd.host, deepSshd.port),
          credential: password(alice),
          via: chain.via,
          mode: { kind: 'exec', command: 'echo "$SSH_CONNECTION"' },
          hostKey: pins.check('deep'),
        }),
      );
      expect(r.stdout.split(' ')[0]).toBe(topo.addr('dmz2', 'deep'));
    });

    it('fails over to the secondary when the primary landing server is stopped, and says so', async () => {
      await dmzStop.stop();
      const chain = await chainTo(
        [
          hop(
            'dmzha',
            candidate('dmzha', 'primary', 'jump-a', dmzStop.host, dmzStop.port),
            candidate('dmzha', 'secondary', 'jump-b', dmzb.host, dmzb.port),
          ),
        ],
        target('dc', topo.addr('dc', 'dmzb'), 22),
      );
      expect(chain.landings).toEqual([
        expect.objectContaining({ landing: 'dmzha', role: 'secondary', resource: 'jump-b' }),
      ]);
      expect(chain.failures).toEqual([
        expect.objectContaining({
          role: 'primary',
          resource: 'jump-a',
          reason: 'refused',
          phrase: 'refused the connection',
        }),
      ]);
      const r = await execOn(
        await ssh.open({
          target: target('dc', topo.addr('dc', 'dmzb'), 22),
          credential: password(alice),
          via: chain.via,
          mode: { kind: 'exec', command: 'echo "$SSH_CONNECTION"' },
          hostKey: async () => {},
        }),
      );
      expect(r.stdout.split(' ')[0]).toBe(topo.addr('dmzb', 'dc'));
    });

    it('a landing server that is down with no secondary is a clear error naming it', async () => {
      const t0 = Date.now();
      const e = await rejection(
        chainTo(
          [hop('dmzx', candidate('dmzx', 'primary', 'web-jump9', topo.unreachableAddress, 22))],
          dcTarget(),
        ),
      );
      expect(e).toBeInstanceOf(TargetError);
      expect(e.message).toBe(
        'landing server dmzx (primary web-jump9) unreachable (no route to host); secondary not configured',
      );
      expect(Date.now() - t0).toBeLessThan(2000);
    });

    it('reports both candidates when primary and secondary refuse the credential', async () => {
      const e = await rejection(
        openChain({
          route: [
            hop(
              'dmz1',
              candidate('dmz1', 'primary', 'web-jump1', dmz1.host, dmz1.port),
              candidate('dmz1', 'secondary', 'web-jump2', dmzb.host, dmzb.port),
            ),
          ],
          target: dcTarget(),
          credentialFor: async () => password(jump, 'not-the-password'),
          checkHostKey: async () => {},
        }),
      );
      expect(e.message).toBe(
        'landing server dmz1: primary web-jump1 refused the stored credential; secondary web-jump2 refused the stored credential',
      );
    });

    it('a landing server with a changed host key is refused', async () => {
      const strict = new FakePins();
      strict.pins.set('web-jump1|ssh-ed25519', 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
      const e = await rejection(
        openChain({
          route: [dmz1Hop()],
          target: dcTarget(),
          credentialFor: async () => password(jump),
          checkHostKey: (c, k) => strict.check(c.resource)(k),
        }),
      );
      expect(e.message).toMatch(
        /^landing server dmz1 \(primary web-jump1\) host key refused: host key of 'web-jump1' changed/,
      );
    });

    it('an ssh target behind a landing that refuses forwarding is a clear error', async () => {
      const e = await rejection(
        chainTo(
          [hop('nofwd', candidate('nofwd', 'primary', 'nofwd-jump', nofwd.host, nofwd.port))],
          dcTarget(),
        ),
      );
      expect(e.message).toBe(
        'target dc/alice is unreachable: landing server nofwd refuses TCP forwarding (administratively prohibited)',
      );
    });

    it.skipIf(!!telnetNsSkip)(
      named('telnet behind a landing server (forwardOut tunnel)', telnetNsSkip),
      async () => {
        const t = target('tdc', dcTelnetd!.host, dcTelnetd!.port, 'telnet');
        const chain = await chainTo([dmz1Hop()], t, { term: 'xterm', cols: 80, rows: 24 });
        expect(chain.via?.kind).toBe('tcp');
        const s = await telnet.open({
          target: t,
          credential: password(alice),
          via: chain.via,
          mode: { kind: 'shell', term: 'xterm', cols: 80, rows: 24 },
          hostKey: async () => {},
        });
        const out = collector(s.stdout);
        s.stdin.write('echo "via-$((20+22))"\r');
        await out.until(/via-42/);
        s.close();
        await s.done;
      },
    );

    it.skipIf(!!telnetFallbackSkip)(
      named("telnet through the landing's own telnet client when it refuses forwarding", telnetFallbackSkip),
      async () => {
        const t = target('tdc', dcTelnetd!.host, dcTelnetd!.port, 'telnet');
        const chain = await chainTo(
          [hop('nofwd', candidate('nofwd', 'primary', 'nofwd-jump', nofwd.host, nofwd.port))],
          t,
          {
            term: 'xterm',
            cols: 81,
            rows: 26,
          },
        );
        expect(chain.via?.kind).toBe('terminal');
        const typing: boolean[] = [];
        const s = await telnet.open({
          target: t,
          credential: password(alice),
          via: chain.via,
          mode: { kind: 'shell', term: 'xterm', cols: 81, rows: 26 },
          hostKey: async () => {},
          onCredentialTyping: (on) => typing.push(on),
        });
        expect(typing).toEqual([true, false]);
        const out = collector(s.stdout);
        s.stdin.write('echo "fb-$((40+2))"; stty size\r');
        await out.until(/fb-42[\s\S]*26 81/);
        s.resize(99, 30);
        s.stdin.write('stty size\r');
        await out.until(/30 99/);
        expect(out.text).not.toContain(alice.password);
        expect(out.text).not.toMatch(/Trying|Escape character|login: *(\r|\n|$)|Password:/);
        s.stdin.write('exit\r');
        await s.done;
      },
    );
  },
);
