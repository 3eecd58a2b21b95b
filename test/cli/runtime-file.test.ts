// `custody console` dials the running node's port: `custody server --ssh-port 0`
// writes HOME/run/server.json (0600: pid, host, port), the console reads it, and the file goes
// when the server stops. A file whose pid is gone is ignored.
import { mkdtemp, rm, stat, writeFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRuntimeFile, runtimeFileOf, writeRuntimeFile } from '../../cli/runtime-file.ts';
import { custody, CUSTODY_BIN } from '../support/cli.ts';
import { startCustodyServer, type RunningServer } from '../support/custody-server.ts';
import { askpassEnv } from '../support/openssh-client.ts';
import { TmuxSsh, tmuxSkipReason } from '../support/tmux.ts';
import { ADMIN_PASSWORD, writeTestConfig } from '../support/vault.ts';

const skip = tmuxSkipReason();

describe.skipIf(!!skip)(`custody console finds the running node${skip ? ` (${skip})` : ''}`, () => {
  let home: string;
  let server: RunningServer | undefined;
  const panes: TmuxSsh[] = [];
  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'custody-runfile-'));
    await writeTestConfig(home);
    await writeFile(path.join(home, 'admin.pw'), ADMIN_PASSWORD);
    const init = await custody([
      '--home',
      home,
      'init',
      '--admin-password-file',
      path.join(home, 'admin.pw'),
    ]);
    expect(init.code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    for (const p of panes) p.kill();
    await server?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('server --ssh-port 0 writes run/server.json, console dials that port, the file goes at exit', async () => {
    server = await startCustodyServer(home, ['--ssh-port', '0']);
    const file = runtimeFileOf(home);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const info = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(info).toMatchObject({ pid: server.child.pid, host: '127.0.0.1', sshPort: server.port });
    expect(server.port).not.toBe(2222);

    const env = askpassEnv({ password: ADMIN_PASSWORD });
    const pane = TmuxSsh.run([process.execPath, CUSTODY_BIN, 'console', '--home', home], {
      SSH_ASKPASS: env.SSH_ASKPASS!,
      SSH_ASKPASS_REQUIRE: 'force',
      DISPLAY: ':0',
    });
    panes.push(pane);
    const screen = await pane.waitFor(/Custody · admin \(admin\)/, 30_000);
    expect(screen).not.toMatch(/Connection refused/);

    expect(await server.stop()).toBe(0);
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
  }, 90_000);

  it('a runtime file whose process is gone is ignored', async () => {
    await writeRuntimeFile(home, { pid: 2 ** 22 + 1, host: '127.0.0.1', sshPort: 2399, startedAt: '' });
    expect(readRuntimeFile(home)).toBeNull();
    await writeRuntimeFile(home, { pid: process.pid, host: '127.0.0.1', sshPort: 2399, startedAt: '' });
    expect(readRuntimeFile(home)?.sshPort).toBe(2399);
  });
});
