import type { Command } from 'commander';
import path from 'node:path';
import { ClusterNode, clusterModeOn, initClusterCa } from '../../cluster/index.ts';
import {
  configFileOf,
  layoutOf,
  loadConfigFile,
  resolveHome,
  silentLogger,
  type LiveSessionInfo,
} from '../../core/index.ts';
import { globalsOf, withCore, type GlobalOptions } from '../context.ts';
import { ControlSocketRegistry, controlSocketPath } from '../control-socket.ts';
import { Output, table } from '../output.ts';

/**
 * Runs `fn` with a core whose live registry is the cluster's when the configuration turns cluster
 * mode on (every node's sessions; terminate reaches the owning node), else the running server's,
 * through its control socket.
 */
async function withLiveCore<T>(g: GlobalOptions, fn: Parameters<typeof withCore<T>>[1]): Promise<T> {
  const home = resolveHome(g.home);
  const config = await loadConfigFile(configFileOf(home));
  if (!clusterModeOn(config))
    return withCore(g, fn, {
      liveRegistry: new ControlSocketRegistry(controlSocketPath(layoutOf(home, config).dataDir)),
    });
  const node = await ClusterNode.connect({ config, node: 'cli', logger: silentLogger });
  try {
    await node.redisReady();
    return await withCore(g, fn, { liveRegistry: node.registry });
  } finally {
    await node.disconnect();
  }
}

const sessionRows = (xs: LiveSessionInfo[]) =>
  table([
    ['ID', 'USER', 'TARGET', 'PROTOCOL', 'STATE', 'NODE', 'STARTED'],
    ...xs.map((x) => [x.id, x.user, x.target, x.protocol, x.state, x.node, x.startedAt]),
  ]);

export function registerCluster(program: Command): void {
  const cluster = program.command('cluster').description('cluster mode: several nodes on PostgreSQL + Redis');
  cluster
    .command('init')
    .description('make the cluster certificate authority under keys/ (once; copy keys/ to every node)')
    .action(async (_o: unknown, cmd: Command) => {
      const g = globalsOf(cmd);
      const made = await withCore(g, async (_me, home) =>
        initClusterCa(path.dirname(home.layout.keyFile), new Date()),
      );
      new Output(!!g.json).result(made, (m) => [
        `cluster authority written: ${m.certFile}`,
        `fingerprint ${m.fingerprint}`,
      ]);
    });

  const sessions = program.command('sessions').description('live sessions: every node’s, in a cluster');
  sessions
    .command('list')
    .description('the live sessions, with the node holding each')
    .action(async (_o: unknown, cmd: Command) => {
      const g = globalsOf(cmd);
      const xs = await withLiveCore(g, (me) => me.live.list());
      new Output(!!g.json).result(xs, (v) => [...sessionRows(v), `${v.length} live sessions`]);
    });
  sessions
    .command('terminate <id>')
    .description('end a live session, on whichever node holds it (audited)')
    .requiredOption('--reason <text>', 'why (shown to the session’s user and audited)')
    .action(async (id: string, o: { reason: string }, cmd: Command) => {
      const g = globalsOf(cmd);
      await withLiveCore(g, (me) => me.live.terminate(id, o.reason));
      new Output(!!g.json).result({ id, terminated: true }, () => [`session ${id}: terminate sent`]);
    });
}
