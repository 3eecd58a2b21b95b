// Real cluster nodes: one `custody server` process per node, each in its own home (its own data
// folder, recordings and control socket) sharing one database on the private PostgreSQL, one
// private redis-server and one keys/ folder (master key and cluster authority), exactly as the
// joining steps of docs/administrators/cluster.md describe. No vitest here, so benchmarks can
// use it too.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { custody, type CliResult } from './cli.ts';
import { startCustodyServer, type RunningServer } from './custody-server.ts';
import { freePort } from './sshd.ts';
import { ADMIN_PASSWORD, writeTestConfig } from './vault.ts';

export interface ClusterProcess {
  name: string;
  home: string;
  server: RunningServer;
  sshPort: number;
  /** Set when the node was started with its HTTPS listener. */
  webPort?: number;
  /** Runs `custody --home HOME ARGS…` as the host administrator of this node's home. */
  cli(...args: string[]): Promise<CliResult>;
  /** SIGKILL: no graceful end, no presence removal. Resolves once the process is gone. */
  kill9(): Promise<void>;
  /** Starts the node again under the same name and home (after a stop or kill9). */
  restart(): Promise<void>;
}

export interface ClusterProcesses {
  nodes: ClusterProcess[];
  /** The homes' shared keys/ folder lives first in the first node's home. */
  firstHome: string;
  stop(): Promise<void>;
}

export interface ClusterProcessOptions {
  databaseUrl: string;
  redisUrl: string;
  names: string[];
  /** Run once against the first node's home after `init` (resources, accounts, users). */
  prepare?: (cli: (...args: string[]) => Promise<CliResult>, home: string) => Promise<void>;
  /** Opens each node's HTTPS listener on a free port. */
  web?: boolean;
  /**
   * One recordings directory for every node (an absolute path, as a shared filesystem such as NFS
   * would be mounted on each); without it each node records under its own home.
   */
  sharedRecordingsDir?: string;
  /** Extra configuration for every node (as writeTestConfig takes it). */
  extraConfig?: Record<string, Record<string, string | number | boolean>>;
}

const webLine = /^web listening on [^\s:]+:(\d+) /m;

/**
 * Makes the cluster (init and `cluster init` on the first home; the others get its keys/ folder
 * and run `init`, which finds the admin and the key already there) and starts every node.
 */
export async function startClusterProcesses(o: ClusterProcessOptions): Promise<ClusterProcesses> {
  const homes: string[] = [];
  const nodes: ClusterProcess[] = [];
  try {
    for (const [i, name] of o.names.entries()) {
      const home = await mkdtemp(path.join(os.tmpdir(), `custody-${name}-`));
      homes.push(home);
      const cli = (...args: string[]) => custody(['--home', home, ...args]);
      await writeTestConfig(home, {
        postgresUrl: o.databaseUrl,
        extraConfig: {
          ...o.extraConfig,
          ...(o.sharedRecordingsDir
            ? { recordings: { ...o.extraConfig?.recordings, dir: o.sharedRecordingsDir } }
            : {}),
          cluster: {
            redis_url: o.redisUrl,
            node_name: name,
            advertise_address: `127.0.0.1:${await freePort()}`,
          },
        },
      });
      if (i === 0) {
        await writeFile(path.join(home, 'admin.pw'), ADMIN_PASSWORD);
        await must(cli('init', '--admin-password-file', path.join(home, 'admin.pw')));
        await must(cli('cluster', 'init'));
        await o.prepare?.(cli, home);
      } else {
        await cp(path.join(homes[0]!, 'keys'), path.join(home, 'keys'), { recursive: true });
        await must(cli('init'));
      }
      nodes.push(await launch(name, home, o.web ?? false));
    }
  } catch (e) {
    await Promise.all(nodes.map((n) => n.server.stop()));
    await Promise.all(homes.map((h) => rm(h, { recursive: true, force: true })));
    throw e;
  }
  return {
    nodes,
    firstHome: homes[0]!,
    stop: async () => {
      await Promise.all(nodes.map((n) => n.server.stop()));
      await Promise.all(homes.map((h) => rm(h, { recursive: true, force: true })));
    },
  };
}

async function must(r: Promise<CliResult>): Promise<CliResult> {
  const done = await r;
  if (done.code !== 0) throw new Error(`custody failed (${done.code}): ${done.stderr}`);
  return done;
}

async function launch(name: string, home: string, web: boolean): Promise<ClusterProcess> {
  const args = ['--ssh-port', '0', ...(web ? ['--web-port', '0'] : [])];
  const node: ClusterProcess = {
    name,
    home,
    server: await startCustodyServer(home, args),
    sshPort: 0,
    cli: (...a: string[]) => custody(['--home', home, ...a]),
    kill9: async () => {
      const gone = new Promise((r) => node.server.child.once('exit', r));
      if (node.server.child.exitCode === null && node.server.child.signalCode === null) {
        node.server.child.kill('SIGKILL');
        await gone;
      }
    },
    restart: async () => {
      node.server = await startCustodyServer(home, args);
      await settle(node, web);
    },
  };
  await settle(node, web);
  return node;
}

/** Reads the ports the node printed (the web line follows the ssh line). */
async function settle(node: ClusterProcess, web: boolean): Promise<void> {
  node.sshPort = node.server.port;
  if (!web) return;
  for (let i = 0; i < 200 && !webLine.test(node.server.output()); i++)
    await new Promise((r) => setTimeout(r, 25));
  const m = webLine.exec(node.server.output());
  if (!m) throw new Error(`${node.name}: no web listening line:\n${node.server.output()}`);
  node.webPort = Number(m[1]);
}
