// One authenticated SSH connection: its channels become sessions. A shell, a command or sftp
// goes to the session lifecycle (../session/channel-session.ts); a shell for the plain `alice`
// username opens the console instead; a `direct-tcpip` channel is a port forward (./forward.ts).
import type { Connection, Session } from 'ssh2';
import {
  actorFor,
  clampTerminalSize,
  desktopPagePath,
  printable,
  webLinkUrl,
  WEB_LINK_TTL_MS,
  type Actor,
  type ConsoleTerminal,
} from '../../core/index.ts';
import type { SessionMode } from '../connectors/types.ts';
import { runSession, type GatewayRuntime } from '../session/channel-session.ts';
import { operatorMessage } from '../session/types.ts';
import { ConnectionAuth } from './auth.ts';
import { runConsoleMenu } from './console-menu.ts';
import { openForward, rejectChannel } from './forward.ts';
import { SshOperatorChannel } from './operator-channel.ts';
import type { GatewayOptions } from './server.ts';
import { parseUsername, type ParsedUsername } from './username.ts';
import { setupPhase } from '../setup-phases.ts';

/** Sessions (shell, exec, sftp channels) one connection may have open at once. */
export const MAX_SESSIONS_PER_CONNECTION = 10;
/** `env` requests accepted per session (each at most 64 + 1024 characters). */
const MAX_ENV_VARS = 64;
/** An exec command longer than this is refused with a message (OpenSSH's own limit is similar). */
export const MAX_COMMAND_BYTES = 16 * 1024;

/** The pty's terminal type as passed on to the target and the recording: a plain name or the default. */
function terminalType(term: string | undefined): string {
  return term && /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/.test(term) ? term : 'xterm-256color';
}

/** The SSH channel as the console's terminal (core's ConsoleTerminal contract). */
function consoleTerminal(
  ch: SshOperatorChannel,
  pty: { cols: number; rows: number },
  noColor: boolean,
): ConsoleTerminal {
  return {
    cols: pty.cols,
    rows: pty.rows,
    noColor,
    write: (d) => ch.write(d),
    onData: (cb) => ch.onData(cb),
    onResize: (cb) => ch.onResize(cb),
    onEnd: (cb) => ch.onEnd(cb),
  };
}

export class ConnectionRouter {
  readonly auth: ConnectionAuth;
  #username = '';
  /** Fires when the client has gone: its password, if still waiting for a hash, is never checked. */
  readonly #gone = new AbortController();

  constructor(
    private readonly o: GatewayOptions,
    private readonly runtime: GatewayRuntime,
    private readonly client: Connection,
    private readonly ip: string,
  ) {
    this.auth = new ConnectionAuth(o.core, ip, o.logger, this.#gone.signal);
  }

  attach(): void {
    this.client.once('close', () => this.#gone.abort());
    this.client.on('authentication', (ctx) => {
      this.#username = ctx.username;
      void this.auth.handle(ctx);
    });
    this.client.on('error', (e) =>
      this.o.logger.log('warn', 'ssh connection error', { source: this.ip, error: e.message.split('\n')[0] }),
    );
    this.client.on('ready', () => {
      const user = this.auth.user;
      if (!user) return this.client.end();
      const actor = actorFor(user, this.ip);
      const parsed = parseUsername(this.#username);
      // Bounded per connection: each session holds a target connection and a screen model.
      let open = 0;
      this.client.on('session', (accept, reject) => {
        if (open >= MAX_SESSIONS_PER_CONNECTION)
          return rejectChannel(
            this.client,
            reject,
            `at most ${MAX_SESSIONS_PER_CONNECTION} sessions per connection`,
          );
        open++;
        const session = accept();
        session.once('close', () => open--);
        this.session(session, actor, parsed);
      });
      this.client.on(
        'tcpip',
        (accept, reject, info) =>
          void openForward({
            ...this.runtime,
            client: this.client,
            actor,
            parsed,
            destPort: info.destPort,
            accept,
            reject,
          }).catch((e: unknown) =>
            this.o.logger.log('error', 'port forward failed', { error: String((e as Error)?.message) }),
          ),
      );
      // Remote forwarding (-R) would open the bastion to the target side: never.
      this.client.on('request', (accept, reject) => reject?.());
    });
  }

  private session(session: Session, actor: Actor, parsed: ParsedUsername): void {
    let pty: { term: string; cols: number; rows: number } | undefined;
    let channel: SshOperatorChannel | undefined;
    session.on('pty', (accept, _reject, info) => {
      pty = { term: terminalType(info.term), ...clampTerminalSize(info.cols, info.rows) };
      accept?.();
    });
    session.on('window-change', (accept, _reject, info) => {
      // Clamped here, where the size enters: the console, the target, the mux and the recording
      // only ever see a bounded size (core/terminal-size.ts).
      const size = clampTerminalSize(info.cols, info.rows);
      if (pty) pty = { ...pty, ...size };
      channel?.resized(size.cols, size.rows);
      accept?.();
    });
    let noColor = false;
    let envs = 0;
    session.on('env', (accept, reject, info) => {
      // Only NO_COLOR is used; the rest is bounded so a client cannot make the gateway hold more.
      if (++envs > MAX_ENV_VARS || info.key.length > 64 || info.val.length > 1024) return reject?.();
      // NO_COLOR (no-color.org) arrives when the client's SendEnv passes it.
      if (info.key === 'NO_COLOR' && info.val !== '') noColor = true;
      accept?.();
    });
    session.on('shell', (accept) => {
      setupPhase('channel-request');
      channel = new SshOperatorChannel(accept());
      const ch = channel;
      const mode: SessionMode = { kind: 'shell', ...(pty ?? { term: 'xterm-256color', cols: 80, rows: 24 }) };
      void this.shell(ch, actor, parsed, mode, () => pty, noColor);
    });
    session.on('exec', (accept, _reject, info) => {
      setupPhase('channel-request');
      channel = new SshOperatorChannel(accept());
      if (Buffer.byteLength(info.command) > MAX_COMMAND_BYTES) {
        channel.writeStderr(`custody: the command is longer than ${MAX_COMMAND_BYTES} bytes\r\n`);
        return channel.exit(2);
      }
      void this.direct(channel, actor, parsed, { kind: 'exec', command: info.command });
    });
    session.on('subsystem', (accept, reject, info) => {
      if (info.name !== 'sftp') return reject?.();
      channel = new SshOperatorChannel(accept());
      void this.direct(channel, actor, parsed, { kind: 'sftp' });
    });
  }

  private async shell(
    ch: SshOperatorChannel,
    actor: Actor,
    parsed: ParsedUsername,
    mode: SessionMode,
    currentPty: () => { term: string; cols: number; rows: number } | undefined,
    noColor = false,
  ): Promise<void> {
    if (parsed.kind === 'wallboard') return this.wallboard(ch, actor, currentPty(), noColor);
    if (parsed.kind !== 'console') return this.direct(ch, actor, parsed, mode);
    const startConsole = this.o.startConsole;
    const pty = currentPty();
    if (startConsole && pty) {
      const code = await startConsole(
        {
          core: this.o.core,
          actor,
          source: this.ip,
          webAddress: this.o.webAddress,
          launch: (ref) => {
            const size = currentPty() ?? pty;
            return this.launch(ch, actor, ref, { kind: 'shell', ...size });
          },
        },
        consoleTerminal(ch, pty, noColor),
      ).catch((e: unknown) => {
        this.o.logger.log('error', 'console failed', { user: actor.name, error: operatorMessage(e) });
        ch.writeStderr(`custody: the console failed: ${operatorMessage(e)}\r\n`);
        return 1;
      });
      return ch.exit(code);
    }
    const code = await runConsoleMenu(this.o.core, actor, ch, async (ref) => {
      const opened = await this.desktopLink(ch, actor, ref);
      if (opened !== undefined) return opened;
      const size = currentPty() ?? { term: 'xterm-256color', cols: 80, rows: 24 };
      return this.launch(ch, actor, ref, { kind: 'shell', ...size });
    }).catch((e: unknown) => {
      ch.writeStderr(`custody: ${operatorMessage(e)}\r\n`);
      return 1;
    });
    ch.exit(code);
  }

  private async wallboard(
    ch: SshOperatorChannel,
    actor: Actor,
    pty: { cols: number; rows: number } | undefined,
    noColor: boolean,
  ): Promise<void> {
    const start = this.o.startWallboard;
    const problem = !start
      ? 'the wallboard is not available on this node'
      : !pty
        ? 'the wallboard needs a terminal: ssh -t'
        : undefined;
    if (problem || !start || !pty) {
      ch.writeStderr(`custody: ${problem}\r\n`);
      return ch.exit(2);
    }
    const code = await start(
      { core: this.o.core, actor, source: this.ip },
      consoleTerminal(ch, pty, noColor),
    ).catch((e: unknown) => {
      this.o.logger.log('error', 'wallboard failed', { user: actor.name, error: operatorMessage(e) });
      ch.writeStderr(`custody: the wallboard failed: ${operatorMessage(e)}\r\n`);
      return 1;
    });
    ch.exit(code);
  }

  private async direct(
    ch: SshOperatorChannel,
    actor: Actor,
    parsed: ParsedUsername,
    mode: SessionMode,
  ): Promise<void> {
    if (parsed.kind !== 'direct') {
      const problem =
        parsed.kind === 'malformed'
          ? parsed.problem
          : parsed.kind === 'wallboard'
            ? 'the wallboard needs a terminal: ssh -t USER:wallboard@bastion'
            : `${mode.kind === 'sftp' ? 'sftp' : 'commands'} need a target: ssh USER:ACCOUNT@RESOURCE@bastion`;
      await this.o.core
        .as(actor)
        .sessions.refuse(printable(this.#username), problem)
        .catch(() => undefined);
      ch.writeStderr(`custody: ${problem}\r\n`);
      return ch.exit(2);
    }
    if (mode.kind === 'shell') {
      const opened = await this.desktopLink(ch, actor, parsed.ref);
      if (opened !== undefined) return ch.exit(opened);
    }
    ch.exit(await this.launch(ch, actor, parsed.ref, mode));
  }

  /**
   * An RDP account has no terminal session: a shell to it is answered with a one-time link to
   * its viewer on this node's web listener, and exit status 0. Core decides with the checks
   * connecting makes (the access rule, a check-out where one is needed), so a refusal reads as an
   * SSH session's does. Undefined: not a desktop, the terminal session follows.
   */
  private async desktopLink(ch: SshOperatorChannel, actor: Actor, ref: string): Promise<number | undefined> {
    const me = this.o.core.as(actor);
    try {
      if ((await me.sessions.launchKind(ref)) !== 'desktop') return undefined;
      const address = this.o.webAddress?.();
      if (!address) {
        ch.writeStderr(
          `custody: '${printable(ref, 200)}' is a desktop (RDP) account: it opens in the browser, and this node runs no web listener\r\n`,
        );
        return 1;
      }
      const link = await me.webLinks.create(desktopPagePath(ref));
      ch.write(
        `Open the desktop of ${printable(ref, 200)} in a browser within ${WEB_LINK_TTL_MS / 1000} s (one use; it signs in as ${printable(link.username, 100)}):\r\n` +
          `${webLinkUrl(address, link.token)}\r\n`,
      );
      return 0;
    } catch (e) {
      ch.writeStderr(`custody: ${operatorMessage(e)}\r\n`);
      return 1;
    }
  }

  private async launch(
    ch: SshOperatorChannel,
    actor: Actor,
    ref: string,
    mode: SessionMode,
  ): Promise<number> {
    let grant;
    try {
      grant = await this.o.core.as(actor).sessions.authorize(ref);
      setupPhase('authorized');
    } catch (e) {
      ch.writeStderr(`custody: ${operatorMessage(e)}\r\n`);
      return 1;
    }
    return runSession({
      ...this.runtime,
      grant,
      mode,
      channel: ch,
      source: this.ip,
    });
  }
}
