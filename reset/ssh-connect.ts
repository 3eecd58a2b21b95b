// The SSH login every SSH-based reset connector makes: host-key pinning through target.hostKey,
// password or private key, directly or over the landing chain's stream (target.connect).
import ssh2 from 'ssh2';
import { firstLine, resetError, type ResetTarget, type Secret } from '../core/index.ts';
import { keyboardInteractiveAnswers } from '../protocols/prompts.ts';
import { hostKeyVerifier } from '../protocols/ssh/host-keys.ts';

const { Client } = ssh2;
export type Conn = InstanceType<typeof Client>;

/**
 * ssh2's `hostVerifier` for a target with a pinned key (nothing when the target has no pinning):
 * the key goes to `target.hostKey`; a refusal is handed to `refused` (so the caller can report
 * the pinning, not the failed handshake) and the connection is declined before any credential.
 */
export function pinnedHostVerifier(
  target: ResetTarget,
  refused: (e: unknown) => void,
): { hostVerifier?: (blob: Buffer, verify: (ok: boolean) => void) => void } {
  if (!target.hostKey) return {};
  return { hostVerifier: hostKeyVerifier(target.hostKey, refused) };
}

/** One line of whatever was thrown (core's `firstLine`). */
export const oneLineOf = (e: unknown): string => firstLine(e);

export function whereOf(target: ResetTarget, defaultPort: number): string {
  return `${target.resource} (${target.host}:${target.port ?? defaultPort})`;
}

export interface SshLogin {
  account: string;
  secret: Secret;
  kind: 'password' | 'private-key';
}

export async function sshConnect(target: ResetTarget, login: SshLogin, timeoutMs: number): Promise<Conn> {
  // Through landing servers the stream is already connected to host:port (errors are `unreachable`).
  const sock = target.connect ? await target.connect() : undefined;
  return new Promise((resolve, reject) => {
    const c = new Client();
    let done = false;
    let hostKeyRefusal: unknown;
    c.on('ready', () => {
      done = true;
      resolve(c);
    });
    c.on('error', (e: Error & { level?: string; code?: string }) => {
      if (done) return;
      done = true;
      c.end();
      sock?.destroy();
      if (hostKeyRefusal) return reject(resetError('refused', oneLineOf(hostKeyRefusal)));
      const where = whereOf(target, 22);
      if (e.level === 'client-authentication')
        reject(resetError('refused', `${where} refused the credential of '${login.account}'`));
      else reject(resetError('unreachable', `${where} is unreachable: ${e.code ?? e.message}`));
    });
    // Network devices often offer only keyboard-interactive: answer password prompts with it.
    c.on('keyboard-interactive', (_n, _i, _l, prompts, finish) => {
      finish(keyboardInteractiveAnswers(prompts, () => login.secret.reveal()));
    });
    c.connect({
      ...(sock ? { sock } : { host: target.host, port: target.port ?? 22 }),
      ...pinnedHostVerifier(target, (e) => (hostKeyRefusal = e)),
      username: login.account,
      ...(login.kind === 'private-key'
        ? { privateKey: login.secret.reveal() }
        : { password: login.secret.reveal() }),
      readyTimeout: timeoutMs,
      tryKeyboard: login.kind === 'password',
    });
  });
}
