// A prompt-driven conversation over Telnet (direct, or through landing servers) or over an SSH
// shell channel: output goes into an Expect, lines go out the way that transport wants them.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { resetError, type ResetTarget, type Secret } from '../core/index.ts';
import { TelnetNvt } from '../protocols/telnet/nvt.ts';
import { Expect } from './expect.ts';
import type { Prompts } from './prompts.ts';
import type { Conn } from './ssh-connect.ts';
import { whereOf } from './ssh-connect.ts';

export interface LineSession {
  ex: Expect;
  sendLine(text: string): void;
  close(): void;
}

function dialTcp(host: string, port: number, timeoutMs: number, where: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(resetError('unreachable', `${where} is unreachable: no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(resetError('unreachable', `${where} is unreachable: ${e.code ?? e.message}`));
    });
  });
}

export async function openTelnet(target: ResetTarget, timeoutMs: number): Promise<LineSession> {
  const stream = target.connect
    ? await target.connect()
    : await dialTcp(target.host, target.port ?? 23, timeoutMs, whereOf(target, 23));
  const ex = new Expect();
  // No terminal to describe: the NVT refuses TERMINAL-TYPE and window size, which a reset needs not.
  const nvt = new TelnetNvt((b) => stream.write(b));
  const text = new TextDecoder();
  stream.on('data', (d: Buffer) => ex.push(text.decode(nvt.receive(d), { stream: true })));
  stream.on('error', () => ex.close());
  stream.on('close', () => ex.close());
  stream.on('end', () => ex.close());
  return {
    ex,
    sendLine: (text) => void stream.write(nvt.line(text)),
    close: () => stream.destroy(),
  };
}

/** An interactive shell on an SSH connection, in a dumb pty (prompts and echo as on a terminal). */
export function openSshShell(c: Conn): Promise<LineSession> {
  return new Promise((resolve, reject) => {
    c.shell({ term: 'dumb', rows: 24, cols: 200 }, (err, ch) => {
      if (err) return reject(resetError('failed', `cannot open a shell: ${err.message}`));
      const ex = new Expect();
      ch.on('data', (d: Buffer) => ex.push(d.toString('utf8')));
      ch.stderr.on('data', (d: Buffer) => ex.push(d.toString('utf8')));
      ch.on('close', () => ex.close());
      resolve({
        ex,
        sendLine: (text) => void ch.write(`${text}\r`),
        close: () => {
          ch.close();
          c.end();
        },
      });
    });
  });
}

/**
 * Answers the login and password prompts and waits for one of `ready` (a shell, or a device's
 * user/enable prompt). Refused: the failure pattern, the login prompt again, or the connection
 * closed after the password. Unreachable: nothing recognisable within the time limit.
 */
export async function promptLogin<K extends string>(
  s: LineSession,
  p: Prompts,
  user: string,
  secret: Secret,
  ready: Record<K, RegExp>,
  timeoutMs: number,
  where: string,
): Promise<K> {
  const first = await s.ex.expect({ failure: p.failure, password: p.password, login: p.login }, timeoutMs);
  if (first.key === 'timeout' || first.key === 'closed' || first.key === 'failure')
    throw resetError('unreachable', `${where} showed no login prompt`);
  if (first.key === 'login') {
    s.sendLine(user);
    const pw = await s.ex.expect({ failure: p.failure, password: p.password }, timeoutMs);
    if (pw.key !== 'password') throw resetError('unreachable', `${where} asked for no password`);
  }
  s.sendLine(secret.reveal());
  const after = await s.ex.expect(
    { failure: p.failure, login: p.login, password: p.password, ...ready } as Record<string, RegExp>,
    timeoutMs,
  );
  if (after.key === 'timeout') throw resetError('unreachable', `${where} did not answer the login in time`);
  if (['failure', 'login', 'password', 'closed'].includes(after.key))
    throw resetError('refused', `${where} refused the credential of '${user}'`);
  return after.key as K;
}
