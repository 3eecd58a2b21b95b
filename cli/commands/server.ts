import type { Command } from 'commander';
import os from 'node:os';
import path from 'node:path';
import { ClusterNode, clusterModeOn, loadNodeIdentity } from '../../cluster/index.ts';
import {
  configFileOf,
  createStreamLogger,
  firstLine,
  layoutOf,
  loadConfigFile,
  openCore,
  resolveHome,
  systemTimers,
  UsageError,
  type CustodyConfig,
  type HomeLayout,
  type Logger,
} from '../../core/index.ts';
import {
  ensureHostKey,
  ensureWebCertificate,
  startGateway,
  startWebListener,
  type GatewaySettings,
  type RunningWebListener,
} from '../../gateway/index.ts';
import { loginPrompts } from '../../protocols/prompts.ts';
import { consoleStarter } from '../../tui/index.ts';
import { wallboardStarter } from '../../wallboard/index.ts';
import { cliIntegrations, fileLogger, globalsOf } from '../context.ts';
import { controlSocketPath, serveControlSocket } from '../control-socket.ts';
import { removeRuntimeFile, writeRuntimeFile } from '../runtime-file.ts';
import { webApiKeyAuthenticator, webRouteModules } from '../web-routes.ts';

function port(v: string | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${name} must be 0–65535`);
  return n;
}

export function gatewaySettings(c: Readonly<CustodyConfig>): GatewaySettings {
  return {
    nodeName: c.gateway.node_name,
    recordingFailure: c.gateway.recording_failure,
    idleTimeoutMs: c.gateway.idle_timeout_minutes * 60_000,
    maxDurationMs: c.gateway.max_session_hours * 3_600_000,
    connectTimeoutMs: c.gateway.connect_timeout_seconds * 1000,
    clipboardMaxBytes: c.rdp.clipboard_max_bytes,
    telnetPrompts: loginPrompts(c.telnet),
  };
}

/** The keys folder of a home: the master key, the SSH host key and the web certificate live there. */
export function keysDirOf(layout: HomeLayout): string {
  return path.join(layout.home, 'keys');
}

/** `[web]`'s certificate: the configured real one, else the self-signed pair under keys/. */
export function webCertificateOf(layout: HomeLayout, c: Readonly<CustodyConfig>) {
  const abs = (p: string) => (p ? path.resolve(layout.home, p) : undefined);
  return ensureWebCertificate({
    keysDir: keysDirOf(layout),
    certFile: abs(c.web.cert_file),
    keyFile: abs(c.web.key_file),
    hostNames: c.web.public_hosts,
  });
}

/** The base of the URLs browsers are given: the first `[web] public_hosts` name, else the bound host. */
export function webAddressOf(c: Readonly<CustodyConfig>, bound: { host: string; port: number }): string {
  return `https://${c.web.public_hosts[0] ?? bound.host}:${bound.port}`;
}

/**
 * Runs a node until SIGINT/SIGTERM: the SSH front door. Prints `ssh listening on HOST:PORT`
 * (CLI contract) once the port is bound, and `web listening on HOST:PORT` with the certificate's
 * fingerprint when the HTTPS listener is on (`[web] enabled`, or `--web-port`).
 */
export async function runServer(
  home: string,
  opts: {
    sshPort?: string;
    webPort?: string;
    nodeName?: string;
    banner?: (host: string, port: number) => string[];
  },
): Promise<void> {
  const logger = await fileLogger(home, true);
  // Cluster mode: the registry the core is given lives in PostgreSQL + Redis; the node starts its
  // share (commands, heartbeat, reaper) once the core has migrated the shared database.
  const preConfig = await loadConfigFile(configFileOf(home));
  const sshPort = port(opts.sshPort, preConfig.server.ssh_port, 'ssh-port');
  const nodeName = clusterNodeName(preConfig, opts.nodeName, sshPort);
  const cluster = clusterModeOn(preConfig)
    ? await ClusterNode.connect({
        config: preConfig,
        node: nodeName,
        logger,
        ...(await nodeIdentity(layoutOf(home, preConfig).keyFile, nodeName, logger)),
      })
    : null;
  const { core, config, layout } = await openCore({
    home,
    logger,
    integrations: cliIntegrations,
    ...(cluster
      ? {
          liveRegistry: cluster.registry,
          recordingHolder: (sessionId: string) => cluster.recordingHolder(sessionId),
        }
      : {}),
  });
  if (cluster) {
    await cluster.start({
      address: config.cluster.advertise_address || `${os.hostname()}:0`,
      audit: (...args) => core.system.auditCluster(...args),
    });
    logger.log('info', 'cluster node started', { node: nodeName });
  }
  // Background jobs report a failure as one log line and carry on.
  const logFailure = (what: string) => (e: unknown) => logger.log('error', what, { message: firstLine(e) });
  // A remote password reset interrupted by a crash, or whose vault write failed, is left pending:
  // finish those the target already accepted, report the rest. Never blocks the start.
  await core.system.reconcileResets().then((r) => {
    if (r.completed.length || r.unresolved.length) logger.log('warn', 'reset reconciliation', { ...r });
  }, logFailure('reset reconciliation'));
  // A node killed mid-session leaves its recordings marked `recording`; settle them from what
  // their files hold, so the list does not show them live forever.
  // In a cluster only this node's own (its sessions'): the others may still be writing theirs.
  await core.system
    .settleInterruptedRecordings(cluster ? (row) => cluster.holdsSession(row.sessionId) : undefined)
    .then((r) => {
      if (r.length) logger.log('warn', 'interrupted recordings settled', { recordings: r.map((x) => x.id) });
    }, logFailure('settling interrupted recordings'));
  // Access control (void unapproved requests, expire check-outs), the daily password-event check
  // as the host administrator, and scheduled rotation with its notices and nightly verification.
  core.system.startSchedulers({
    dailyCheckAs: await core.system.hostActor(os.userInfo().username, 'server'),
    onError: (job, e) => logFailure(job)(e),
    ...(cluster
      ? { gate: cluster.jobGate, ownsRecording: (row) => cluster.holdsSession(row.sessionId) }
      : {}),
  });
  // Memory and event-loop lag for GET /metrics: this process is the node.
  core.system.metrics.collectProcessMetrics();
  const hostKey = await ensureHostKey(layout.hostKeyFile);
  const settings = { ...gatewaySettings(config), ...(cluster ? { nodeName } : {}) };
  // Set once the web listener is up (it starts after the SSH door): the console's browser links
  // and an RDP account's launch are built from it, and say so when it is not running.
  let webAddress: string | undefined;
  const gw = await startGateway({
    core,
    host: config.server.ssh_host,
    port: sshPort,
    hostKey: hostKey.privateKey,
    settings,
    algorithms: {
      kex: config.gateway.ssh_kex,
      ciphers: config.gateway.ssh_ciphers,
      macs: config.gateway.ssh_macs,
    },
    door: {
      maxPerSource: config.gateway.max_preauth_per_source,
      maxTotal: config.gateway.max_preauth,
      graceMs: config.gateway.login_grace_time * 1000,
    },
    logger,
    startConsole: consoleStarter({
      settings: {
        revealSeconds: config.vault.reveal_seconds,
        clipboardClearSeconds: config.vault.clipboard_clear_seconds,
      },
    }),
    startWallboard: wallboardStarter({ refreshMs: config.wallboard.refresh_seconds * 1000 }),
    webAddress: () => webAddress,
  });
  // `custody sessions list/terminate` on this host reach this node's live sessions through it.
  const control = await serveControlSocket(controlSocketPath(layout.dataDir), core.system.liveRegistry);
  let web: RunningWebListener | undefined;
  if (opts.webPort !== undefined || config.web.enabled) {
    const cert = await webCertificateOf(layout, config);
    web = await startWebListener({
      core,
      host: config.web.host,
      port: port(opts.webPort, config.web.port, 'web-port'),
      tls: cert,
      logger,
      clock: systemTimers,
      sessionMinutes: config.web.session_minutes,
      modules: webRouteModules(core, config, { acceptingSessions: () => gw.accepting(), logger, settings }),
      authenticateApiKey: webApiKeyAuthenticator(core, config),
    });
    webAddress = webAddressOf(config, web);
  }
  await writeRuntimeFile(home, {
    pid: process.pid,
    host: gw.host,
    sshPort: gw.port,
    ...(web ? { webHost: web.host, webPort: web.port } : {}),
    startedAt: new Date().toISOString(),
  });
  const dropRuntimeFile = () => removeRuntimeFile(home);
  process.on('exit', dropRuntimeFile);
  process.stdout.write(`ssh listening on ${gw.host}:${gw.port}\n`);
  if (web)
    process.stdout.write(
      `web listening on ${web.host}:${web.port} (certificate SHA-256 ${web.fingerprint})\n`,
    );
  for (const line of opts.banner?.(gw.host, gw.port) ?? []) process.stdout.write(line + '\n');
  logger.log('info', 'gateway started', { host: gw.host, port: gw.port, hostKey: hostKey.fingerprint });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    // `on`, not `once`: the console's terminal libraries use signal-exit, which re-raises a signal
    // (killing the process before the gateway and the store are closed) when it sees no other
    // listener left for it.
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  dropRuntimeFile();
  await web?.close();
  await control.close();
  await gw.close();
  await cluster?.close();
  await core.close();
}

/**
 * The node's certificate, issued at start from the authority under keys/ (beside the master key).
 * Without one the node still runs; other nodes cannot stream its sessions and it cannot stream
 * theirs.
 */
async function nodeIdentity(keyFile: string, node: string, logger: Logger) {
  try {
    const identity = await loadNodeIdentity(path.dirname(keyFile), node, new Date());
    logger.log('info', 'cluster node certificate issued', { node });
    return { identity };
  } catch (e) {
    logger.log('warn', 'no cluster node certificate', { message: firstLine(e) });
    return {};
  }
}

/** `--node-name`, else `[cluster] node_name`, else the host name and the SSH port. */
export function clusterNodeName(
  config: Readonly<CustodyConfig>,
  option: string | undefined,
  sshPort: number,
): string {
  const name = option ?? (config.cluster.node_name || `${os.hostname()}-${sshPort}`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name))
    throw new UsageError('--node-name: letters, digits, dot, dash and underscore only', {
      option: 'node-name',
    });
  return name;
}

export function registerServer(program: Command): void {
  program
    .command('server')
    .description(
      'run a node: the SSH front door and, when enabled, the HTTPS listener (port 0 picks a free port)',
    )
    .option('--ssh-port <n>', 'SSH port')
    .option('--web-port <n>', 'open the HTTPS listener on this port (0 picks a free port)')
    .option('--node-name <name>', 'this node in a cluster (overrides [cluster] node_name)')
    .action(async (o: { sshPort?: string; webPort?: string; nodeName?: string }, cmd: Command) => {
      await runServer(resolveHome(globalsOf(cmd).home), {
        sshPort: o.sshPort,
        webPort: o.webPort,
        ...(o.nodeName !== undefined ? { nodeName: o.nodeName } : {}),
      });
    });
}

export { createStreamLogger };
