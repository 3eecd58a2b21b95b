// A scripted Cisco IOS device STAND-IN (no real IOS can run here): an ssh2 server and a plain
// Telnet-style TCP listener (on 127.0.0.1 unless told) that emulate the prompts `Router>`, `Router#` and
// `Router(config)#`, `enable` with an enable secret, `configure terminal`, `username N secret S`,
// `end`, `write memory` and `exit`, answering anything else with IOS's "% Invalid input".
// Logins are checked against the running username table, so a test can prove that the new secret
// logs in and the old one does not. Faults: `failWriteMemory`, `dropOn` (close on a command).
import net from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import { generateEd25519OpenSsh } from '../../gateway/ssh-server/openssh-key.ts';

export interface IosStandIn {
  readonly sshPort: number;
  readonly telnetPort: number;
  /** Running configuration: user name → secret. */
  readonly running: Map<string, string>;
  /** Startup configuration (what `write memory` saved). */
  readonly startup: Map<string, string>;
  enableSecret: string;
  failWriteMemory: boolean;
  /** `username N secret …` for these names is answered with "% Invalid input". */
  readonly rejectUsers: Set<string>;
  /** Remote addresses of the connections made, in order. */
  readonly peers: string[];
  /** Close the connection as soon as a line starting with this arrives. */
  dropOn: string | undefined;
  /** Lines received in privileged/config mode, with secrets cut off (for assertions). */
  readonly commands: string[];
  close(): Promise<void>;
}

const PROMPT = { user: 'Router>', enable: 'Router#', config: 'Router(config)#' } as const;
const INVALID = "% Invalid input detected at '^' marker.";

/** One emulated terminal session over `io`; `login` asks Username/Password first (Telnet). */
function session(dev: IosStandIn, io: Duplex, login: boolean, privileged = false): void {
  let mode: 'login-user' | 'login-pass' | 'enable-pass' | keyof typeof PROMPT = login ? 'login-user' : 'user';
  if (privileged && !login) mode = 'enable';
  let pendingUser = '';
  let tries = 0;
  let buf = '';
  const out = (s: string) => io.write(s);
  const prompt = () => {
    if (mode === 'login-user') out('Username: ');
    else if (mode === 'login-pass' || mode === 'enable-pass') out('Password: ');
    else out(PROMPT[mode]);
  };
  const line = (raw: string) => {
    // Ctrl-V quotes the next character (how a '?' is typed into IOS without opening help).
    const text = raw.split(String.fromCharCode(0x16)).join('').trim();
    const secretInput = mode === 'login-pass' || mode === 'enable-pass';
    if (!secretInput)
      out(`${raw}\r\n`); // echo
    else out('\r\n');
    if (dev.dropOn && text.startsWith(dev.dropOn)) return void io.destroy();
    if (mode === 'enable' || mode === 'config')
      dev.commands.push(text.replace(/ secret .*$/, ' secret <cut>'));
    switch (mode) {
      case 'login-user':
        pendingUser = text;
        mode = 'login-pass';
        break;
      case 'login-pass':
        if (dev.running.get(pendingUser) === text) mode = 'user';
        else {
          out('% Login invalid\r\n\r\n');
          if (++tries >= 3) return void io.end();
          mode = 'login-user';
        }
        break;
      case 'user':
        if (text === 'enable') mode = 'enable-pass';
        else if (text === 'exit') return void io.end();
        else if (text) out(`${INVALID}\r\n`);
        break;
      case 'enable-pass':
        if (text === dev.enableSecret) mode = 'enable';
        else {
          out('% Bad secrets\r\n\r\n');
          mode = 'user';
        }
        break;
      case 'enable':
        if (/^conf(igure)? t(erminal)?$/.test(text)) {
          out('Enter configuration commands, one per line.  End with CNTL/Z.\r\n');
          mode = 'config';
        } else if (text === 'write memory' || text === 'wr') {
          if (dev.failWriteMemory) out('% Error opening nvram:startup-config (No space left on device)\r\n');
          else {
            for (const [k, v] of dev.running) dev.startup.set(k, v);
            out('Building configuration...\r\n[OK]\r\n');
          }
        } else if (text === 'exit') return void io.end();
        else if (text) out(`${INVALID}\r\n`);
        break;
      case 'config': {
        const m = /^username (\S+) secret (\S.*)$/.exec(text);
        if (m && !dev.rejectUsers.has(m[1]!)) dev.running.set(m[1]!, m[2]!);
        else if (text === 'end') mode = 'enable';
        else if (text) out(`                    ^\r\n${INVALID}\r\n\r\n`);
        break;
      }
    }
    prompt();
  };
  io.on('data', (d: Buffer) => {
    // Telnet negotiation bytes (IAC …) never come from our client unasked; NULs follow CRs.
    buf += d.toString('utf8').replace(/\0/g, '');
    let i: number;
    while ((i = buf.search(/[\r\n]/)) >= 0) {
      const raw = buf.slice(0, i);
      buf = buf.slice(i + 1).replace(/^\n/, '');
      line(raw);
    }
  });
  io.on('error', () => undefined);
  if (login) out('\r\nUser Access Verification\r\n\r\n');
  prompt();
}

export async function startIosStandIn(
  users: Record<string, string>,
  opts: { enableSecret: string; privileged?: string[]; host?: string },
): Promise<IosStandIn> {
  const { Server } = ssh2;
  const hostKey = generateEd25519OpenSsh('ios stand-in').private;
  const sockets = new Set<Duplex>();
  const dev = {
    running: new Map(Object.entries(users)),
    startup: new Map(Object.entries(users)),
    enableSecret: opts.enableSecret,
    failWriteMemory: false,
    dropOn: undefined as string | undefined,
    commands: [] as string[],
    rejectUsers: new Set<string>(),
    peers: [] as string[],
  };
  const ssh = new Server({ hostKeys: [hostKey] }, (client, info) => {
    dev.peers.push(info.ip);
    let user = '';
    client.on('authentication', (ctx) => {
      user = ctx.username;
      if (ctx.method === 'password' && dev.running.get(ctx.username) === ctx.password) return ctx.accept();
      ctx.reject(['password']);
    });
    client.on('error', () => undefined);
    client.on('ready', () => {
      client.on('session', (accept) => {
        const s = accept();
        s.on('pty', (ok) => ok?.());
        s.on('shell', (ok) => {
          const ch = ok();
          sockets.add(ch);
          session(full, ch, false, (opts.privileged ?? []).includes(user));
        });
      });
    });
  });
  const telnet = net.createServer((sock) => {
    dev.peers.push(sock.remoteAddress ?? '?');
    sockets.add(sock);
    session(full, sock, true);
  });
  const listen = (srv: { listen: (port: number, host: string, cb: () => void) => unknown }) =>
    new Promise<void>((r) => void srv.listen(0, opts.host ?? '127.0.0.1', () => r()));
  await listen(ssh as never);
  await listen(telnet);
  const full: IosStandIn = {
    ...dev,
    get enableSecret() {
      return dev.enableSecret;
    },
    set enableSecret(v: string) {
      dev.enableSecret = v;
    },
    get failWriteMemory() {
      return dev.failWriteMemory;
    },
    set failWriteMemory(v: boolean) {
      dev.failWriteMemory = v;
    },
    get dropOn() {
      return dev.dropOn;
    },
    set dropOn(v: string | undefined) {
      dev.dropOn = v;
    },
    sshPort: (ssh.address() as net.AddressInfo).port,
    telnetPort: (telnet.address() as net.AddressInfo).port,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([
        new Promise((r) => ssh.close(() => r(undefined))),
        new Promise((r) => telnet.close(() => r(undefined))),
      ]);
    },
  };
  return full;
}
