// `custody sessions list` / `terminate` on a single node: the command reaches the running server's
// in-process registry through its control socket (0600 in the data folder).
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlSocketRegistry, serveControlSocket } from '../../cli/control-socket.ts';
import { InProcessRegistry } from '../../core/index.ts';
import { custody } from '../support/cli.ts';
import { awaitableEndpoint } from '../support/cluster.ts';
import { startCustodyServer, type RunningServer } from '../support/custody-server.ts';
import { liveInfo } from '../support/live.ts';

describe('control socket', () => {
  it('lists the server’s sessions and delivers terminate to the session, as the registry does', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'custody-ctl-'));
    const file = path.join(dir, 'control.sock');
    const registry = new InProcessRegistry();
    const served = await serveControlSocket(file, registry);
    try {
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const onS = awaitableEndpoint();
      await registry.register(liveInfo({ id: 's1', user: 'alice', node: 'node-1' }), onS.endpoint);
      const remote = new ControlSocketRegistry(file);
      expect((await remote.list()).map((i) => [i.id, i.user, i.node])).toEqual([['s1', 'alice', 'node-1']]);
      expect(await remote.get('s1')).toMatchObject({ id: 's1' });
      expect(await remote.get('nope')).toBeUndefined();
      expect(await remote.terminate('nope', 'x', 'adm')).toBe(false);
      expect(await remote.terminate('s1', 'terminated by adm: now', 'adm')).toBe(true);
      expect(await onS.controlled()).toEqual([
        { type: 'terminate', reason: 'terminated by adm: now', by: 'adm' },
      ]);
    } finally {
      await served.close();
      await rm(dir, { recursive: true, force: true });
    }
    // No server (no socket): no live sessions, rather than an error.
    expect(await new ControlSocketRegistry(file).list()).toEqual([]);
  });
});

describe('custody sessions on a single node', () => {
  let home: string;
  let server: RunningServer | undefined;
  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'custody-sessions-'));
    const init = await custody(['--home', home, 'init']);
    expect(init.code, init.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('answers from the running server, and says so when the session is unknown', async () => {
    const none = await custody(['--home', home, 'sessions', 'list', '--json']);
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout)).toEqual([]);
    server = await startCustodyServer(home, ['--ssh-port', '0']);
    expect((await stat(path.join(home, 'data', 'control.sock'))).mode & 0o777).toBe(0o600);
    const listed = await custody(['--home', home, 'sessions', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/0 live sessions/);
    const unknown = await custody(['--home', home, 'sessions', 'terminate', 'nope', '--reason', 'x']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/E_NOT_FOUND|not found/i);
  });
});
