import type { Command } from 'commander';
import path from 'node:path';
import { initClusterCa } from '../../cluster/index.ts';
import type { LiveSessionInfo } from '../../core/index.ts';
import { globalsOf, withCore } from '../context.ts';
import { withLiveCore } from '../live-core.ts';
import { Output, table } from '../output.ts';

const sessionRows = (xs: LiveSessionInfo[]) =>
  table([
    ['ID', 'USER', 'TARGET', 'PROTOCOL', 'STATE', 'NODE', 'STARTED'],
    ...xs.map((x) => [x.id, x.user, x.target, x.protocol, x.state, x.node, x.startedAt]),
  ]);

export function registerCluster(program: Command): void {
  const cluster = program.command('cluster').description('cluster mode: several nodes on PostgreSQL + Redis');
  cluster
    .command('init')
    .description(
      'make the cluster certificate authority and the recording signing key under keys/ (once; copy keys/ to every node)',
    )
    .action(async (_o: unknown, cmd: Command) => {
      const g = globalsOf(cmd);
      const made = await withCore(g, async (me, home) => {
        const ca = await initClusterCa(path.dirname(home.layout.keyFile), new Date());
        // The recording signing key is made now (it is otherwise made at the first recording),
        // so that copying keys/ gives every node the same one: a node checks the signature of a
        // recording another node made in the shared recordings directory.
        await me.recordings.publicKey();
        return ca;
      });
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
