import { appendFileSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import os from 'node:os';
import {
  actorFor,
  AuthError,
  createStreamLogger,
  openCore,
  resolveHome,
  Secret,
  UsageError,
  type Actor,
  type ActorCore,
  type Core,
  type LiveRegistry,
  type Logger,
  type OpenedCore,
  type OpenOptions,
} from '../core/index.ts';
import { integrationsFor } from '../integrations/index.ts';
import { ProcessListenerRunner, resetConnectorsFor } from '../reset/index.ts';
import { gatewayRouteDialer } from './route-dialer.ts';

/** Options every command takes (CLI contract). */
export interface GlobalOptions {
  home?: string;
  json?: boolean;
  as?: string;
  passwordFile?: string;
  totpFile?: string;
}

export function cliSource(): string {
  return `cli:${os.userInfo().username}@${os.hostname()}`;
}

/**
 * Reads a password from a file (or `-` for standard input). One trailing newline is dropped, as
 * `echo pw > file` writes one; anything else is part of the password. Passwords are never taken
 * as arguments: those show in `ps` and shell history.
 */
export async function readPasswordFile(file: string): Promise<Secret> {
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(
      `cannot read password file ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  return Secret.fromString(text.replace(/\r?\n$/, ''));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The CLI's log: JSON lines in HOME/logs/custody.log. The level comes from the config once it
 * is loaded; until then info.
 */
export async function fileLogger(home: string, longRunning = false): Promise<Logger> {
  const file = path.join(home, 'logs', 'custody.log');
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  if (longRunning) {
    // A server appends as it goes (a node runs for weeks; nothing waits for exit).
    return createStreamLogger((line) => appendFileSync(file, line, { mode: 0o600 }));
  }
  const lines: string[] = [];
  const logger = createStreamLogger((line) => {
    lines.push(line);
  });
  // Flushed synchronously at exit so a crash mid-command still leaves its lines behind.
  process.on('exit', () => {
    if (lines.length) appendFileSync(file, lines.join(''), { mode: 0o600 });
  });
  return logger;
}

/** Leaf commands whose `--password-file` is the --as password (they have none of their own). */
export const AS_PASSWORD_ON_LEAF = new WeakSet<Command>();

/**
 * The global options of a command: the program's, overridden by the leaf's own copies — except
 * a leaf's own `--password-file` (a credential it stores), which never counts as the --as one.
 */
export function globalsOf(cmd: Command): GlobalOptions {
  let root = cmd;
  while (root.parent) root = root.parent;
  const top = root.opts<GlobalOptions>();
  const leaf = cmd.opts<GlobalOptions>();
  const passwordFile = top.passwordFile ?? (AS_PASSWORD_ON_LEAF.has(cmd) ? leaf.passwordFile : undefined);
  return {
    ...((leaf.home ?? top.home) ? { home: leaf.home ?? top.home } : {}),
    json: !!(leaf.json ?? top.json),
    ...((leaf.as ?? top.as) ? { as: leaf.as ?? top.as } : {}),
    ...(passwordFile ? { passwordFile } : {}),
    ...((leaf.totpFile ?? top.totpFile) ? { totpFile: leaf.totpFile ?? top.totpFile } : {}),
  };
}

/** The outbound integrations, the remote reset connectors and their landing dialer, as the composition root wires them. */
export const cliIntegrations: NonNullable<OpenOptions['integrations']> = (config, home, services) => ({
  ...integrationsFor(config, home, services),
  resetConnectors: resetConnectorsFor({ prompts: config.telnet }),
  listenerRunner: new ProcessListenerRunner(),
  routeDialer: gatewayRouteDialer,
});

/** Where the command's home is: its configuration and folders (no core, no store). */
export type OpenedHome = Omit<OpenedCore, 'core'>;

/**
 * Opens the core for one command, works out who acts, and always closes it again. The command
 * gets the acting user's core (`me`): every call runs, and is authorised and audited, as that
 * user — the CLI makes no permission decision of its own.
 */
export async function withCore<T>(
  g: GlobalOptions,
  fn: (me: ActorCore, home: OpenedHome) => Promise<T>,
  extra: {
    liveRegistry?: LiveRegistry;
    recordingHolder?: (sessionId: string) => Promise<string | undefined>;
  } = {},
): Promise<T> {
  const home = resolveHome(g.home);
  const opened = await openCore({
    home,
    logger: await fileLogger(home),
    integrations: cliIntegrations,
    ...extra,
  });
  try {
    const actor = await resolveActor(opened.core, g);
    return await fn(opened.core.as(actor), { config: opened.config, layout: opened.layout });
  } finally {
    await opened.core.close();
  }
}

async function resolveActor(core: Core, g: GlobalOptions): Promise<Actor> {
  const source = cliSource();
  if (g.as) {
    if (!g.passwordFile) throw new UsageError('--as USER needs --password-file F with that user’s password');
    // The same login path as the SSH door: lockout, audit, and the TOTP code where enabled.
    const step = await core.system.signIn.password(g.as, await readPasswordFile(g.passwordFile), source);
    if (!step.needsTotp) return actorFor(step.user, source);
    if (!g.totpFile)
      throw new AuthError(`${g.as} has TOTP enabled: give the current code with --totp-file F`);
    const code = (await readPasswordFile(g.totpFile)).reveal().trim();
    return actorFor(await core.system.signIn.totp(g.as, code, source), source);
  }
  return core.system.hostActor(os.userInfo().username, source);
}
