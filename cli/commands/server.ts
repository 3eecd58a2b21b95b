import type { Command } from 'commander';
import os from 'node:os';
import {
  createStreamLogger,
  firstLine,
  hostActorFor,
  openCore,
  resolveHome,
  UsageError,
  type CustodyConfig,
} from '../../core/index.ts';
import { ensureHostKey, startGateway, type GatewaySettings } from '../../gateway/index.ts';
import { loginPrompts } from '../../protocols/prompts.ts';
import { consoleStarter } from '../../tui/index.ts';
import { cliIntegrations, fileLogger, globalsOf } from '../context.ts';
import { removeRuntimeFile, writeRuntimeFile } from '../runtime-file.ts';

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
    telnetPrompts: loginPrompts(c.telnet),
  };
}

/**
 * Runs a node until SIGINT/SIGTERM: the SSH front door (and, later, the web listener). Prints
 * `ssh listening on HOST:PORT` (CLI contract) once the port is bound.
 */
export async function runServer(
  home: string,
  opts: { sshPort?: string; webPort?: string; banner?: (host: string, port: number) => string[] },
): Promise<void> {
  const logger = await fileLogger(home, true);
  const { core, config, layout } = await openCore({ home, logger, integrations: cliIntegrations });
  // Background jobs report a failure as one log line and carry on.
  const logFailure = (what: string) => (e: unknown) => logger.log('error', what, { message: firstLine(e) });
  // Remote resets left pending by a crash or a failed vault write (issue 6): finish what the
  // target already has; report the rest. Never blocks the start.
  await core.resets.reconcile().then((r) => {
    if (r.completed.length || r.unresolved.length) logger.log('warn', 'reset reconciliation', { ...r });
  }, logFailure('reset reconciliation'));
  // Recordings a killed node left as `recording` (issue 11 #16): settled from their files.
  await core.recordings.settleInterrupted().then((r) => {
    if (r.length) logger.log('warn', 'interrupted recordings settled', { recordings: r.map((x) => x.id) });
  }, logFailure('settling interrupted recordings'));
  // Access control: void unapproved requests and expire check-outs (times from core's clock).
  core.accessScheduler.start(30_000, logFailure('access scheduler'));
  // Password events: the daily check (expired, policy violated) as the host administrator.
  core.dailyEvents.start(
    await hostActorFor(core, os.userInfo().username, 'server'),
    60_000,
    logFailure('daily password check'),
  );
  // Scheduled rotation, its pre-notifications and the nightly verification (issue 6).
  core.rotationScheduler.start(undefined, logFailure('rotation scheduler'));
  const hostKey = await ensureHostKey(layout.hostKeyFile);
  const gw = await startGateway({
    core,
    host: config.server.ssh_host,
    port: port(opts.sshPort, config.server.ssh_port, 'ssh-port'),
    hostKey: hostKey.privateKey,
    settings: gatewaySettings(config),
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
  });
  await writeRuntimeFile(home, {
    pid: process.pid,
    host: gw.host,
    sshPort: gw.port,
    startedAt: new Date().toISOString(),
  });
  const dropRuntimeFile = () => removeRuntimeFile(home);
  process.on('exit', dropRuntimeFile);
  process.stdout.write(`ssh listening on ${gw.host}:${gw.port}\n`);
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
  await gw.close();
  await core.close();
}

export function registerServer(program: Command): void {
  program
    .command('server')
    .description('run a node: the SSH front door (port 0 picks a free port)')
    .option('--ssh-port <n>', 'SSH port')
    .option('--web-port <n>', 'web port (the web listener arrives with the RDP viewer)')
    .action(async (o: { sshPort?: string; webPort?: string }, cmd: Command) => {
      await runServer(resolveHome(globalsOf(cmd).home), o);
    });
}

export { createStreamLogger };
