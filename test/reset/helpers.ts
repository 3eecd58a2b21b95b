// Shared by the remote-reset tests: a vault with one resource/account, and a real SSH login check.
import ssh2 from 'ssh2';
import type { TestVault } from '../support/vault.ts';
import { contextOf, CoreContext, type Store } from '../support/core-internals.ts';

/** Logs in over SSH with a password: true if accepted, false if refused (other errors throw). */
export function sshLogin(port: number, username: string, password: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    c.on('ready', () => {
      c.end();
      resolve(true);
    });
    c.on('error', (e: Error & { level?: string }) => {
      c.end();
      if (e.level === 'client-authentication') resolve(false);
      else reject(e);
    });
    c.connect({ host: '127.0.0.1', port, username, password, readyTimeout: 10_000, tryKeyboard: false });
  });
}

/**
 * A store wrapper that makes the vault's password write fail while `armed` (fault injection:
 * "the vault write fails after the target changed"). Everything else passes through.
 */
export function failingVaultWrite(v: TestVault): {
  ctx: CoreContext;
  arm(on: boolean): void;
  failures: () => number;
} {
  const base = contextOf(v.core).store;
  let armed = false;
  let failures = 0;
  const store: Store = {
    driver: base.driver,
    read: (fn) => base.read(fn),
    close: () => base.close(),
    tx: (fn) =>
      base.tx((repos) =>
        fn(
          armed
            ? {
                ...repos,
                accounts: {
                  ...repos.accounts,
                  updatePassword: async () => {
                    failures++;
                    throw new Error('injected: vault write failed');
                  },
                },
              }
            : repos,
        ),
      ),
  };
  return {
    ctx: new CoreContext({ ...contextOf(v.core).deps, store }),
    arm: (on) => void (armed = on),
    failures: () => failures,
  };
}
