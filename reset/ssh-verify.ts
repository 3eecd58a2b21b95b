// Verification over SSH: log in with the vaulted credential and log out again. A login the server
// turns down is "out of sync"; a server that cannot be reached is not (nothing was learnt about the
// password, and an outage must not be reported as a wrong password), so the two failures stay
// distinct.
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import { resetError, type ResetTarget, type Secret } from '../core/index.ts';
import { oneLineOf, pinnedHostVerifier } from './ssh-connect.ts';

const { Client } = ssh2;

export interface SshVerifyOptions {
  /** Time limit for the connection and the login exchange in ms (default 10 s). */
  connectTimeoutMs?: number;
}

/** Accounts that hold a private key instead of a password are verified with the key. */
const isPrivateKey = (s: string): boolean => /^-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(s.trimStart());

/**
 * Resolves when `target` accepts `account`/`secret`; otherwise throws `resetError('refused')`
 * (the credential was turned down) or `resetError('unreachable')` (no connection, timeout,
 * broken key exchange, or a host key that differs from the pinned one: the password is then
 * never offered, so nothing is known about it).
 */
export function verifySshLogin(
  target: ResetTarget,
  account: string,
  secret: Secret,
  opts: SshVerifyOptions = {},
): Promise<void> {
  const where = `${target.resource} (${target.host}:${target.port ?? 22})`;
  return new Promise((resolve, reject) => {
    const c = new Client();
    let settled = false;
    let hostKeyRefusal: unknown;
    const settle = (e?: Error) => {
      if (settled) return;
      settled = true;
      c.end();
      if (e) reject(e);
      else resolve();
    };
    c.on('ready', () => settle());
    c.on('error', (e: Error & { level?: string; code?: string }) => {
      // A changed host key proves nothing about the password: the login was never tried.
      if (hostKeyRefusal) return settle(resetError('unreachable', oneLineOf(hostKeyRefusal)));
      if (e.level === 'client-authentication')
        return settle(resetError('refused', `${where} refused the credential of '${account}'`));
      settle(resetError('unreachable', `${where} is unreachable: ${e.code ?? e.message}`));
    });
    // A server that closes before the handshake ends (MaxStartups, a dying sshd) is unreachable.
    c.on('close', () => settle(resetError('unreachable', `${where} closed the connection`)));
    const value = secret.reveal();
    // Behind landing servers the engine hands a stream through the chain (target.connect); a
    // failure to build it is the target being unreachable, never a verdict on the password.
    const viaRoute = target.connect
      ? target.connect().catch((e: unknown) => {
          settle(resetError('unreachable', `${where}: ${oneLineOf(e)}`));
          return undefined;
        })
      : Promise.resolve(undefined);
    void viaRoute.then((sock) => {
      if (settled) return;
      connect(sock);
    });
    const connect = (sock: Duplex | undefined) =>
      c.connect({
        ...(sock ? { sock } : { host: target.host, port: target.port ?? 22 }),
        ...pinnedHostVerifier(target, (e) => (hostKeyRefusal = e)),
        username: account,
        ...(isPrivateKey(value) ? { privateKey: value } : { password: value }),
        readyTimeout: opts.connectTimeoutMs ?? 10_000,
        tryKeyboard: false,
      });
  });
}
