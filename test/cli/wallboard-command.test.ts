// `custody wallboard` on the host: the real `custody server` process and the real OpenSSH client
// (run by the command, as `admin:wallboard`), in tmux. The board comes up; q leaves it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { custody, CUSTODY_BIN } from '../support/cli.ts';
import { startCustodyServer, type RunningServer } from '../support/custody-server.ts';
import { askpassEnv } from '../support/openssh-client.ts';
import { TmuxSsh, tmuxSkipReason } from '../support/tmux.ts';
import { ADMIN_PASSWORD, writeTestConfig } from '../support/vault.ts';

const skip = tmuxSkipReason();

describe.skipIf(!!skip)(`custody wallboard${skip ? ` (${skip})` : ''}`, () => {
  let home: string;
  let server: RunningServer | undefined;
  const panes: TmuxSsh[] = [];
  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'custody-wallboard-'));
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
    server = await startCustodyServer(home, ['--ssh-port', '0']);
  }, 60_000);
  afterAll(async () => {
    for (const p of panes) p.kill();
    await server?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('opens the board on the local node as admin:wallboard; q leaves it', async () => {
    const env = askpassEnv({ password: ADMIN_PASSWORD });
    const pane = TmuxSsh.run(
      [process.execPath, CUSTODY_BIN, 'wallboard', '--home', home],
      { SSH_ASKPASS: env.SSH_ASKPASS!, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
      80,
      24,
    );
    panes.push(pane);
    const screen = await pane.waitFor(/no live sessions[\s\S]*single node: no cluster/, 30_000);
    expect(screen).toMatch(/wallboard\.open\s+admin/);
    await pane.type('q');
    await pane.waitForExit();
  }, 90_000);
});
