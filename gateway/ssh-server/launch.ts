import {
  CustodyError,
  type Core,
  type Logger,
  type RecordingWriter,
  type SessionGrant,
} from '../../core/index.ts';
import type { SessionMode, TargetStream, Via } from '../connectors/types.ts';
import type { TelnetPrompts } from '../connectors/telnet.ts';
import { connectorFor, reachTarget } from './dial.ts';
import { pump } from './pump.ts';

export interface GatewaySettings {
  nodeName: string;
  recordingFailure: 'strict' | 'best-effort';
  idleTimeoutMs: number;
  maxDurationMs: number;
  connectTimeoutMs: number;
  /** Telnet auto-login patterns (defaults when absent). */
  telnetPrompts?: Partial<TelnetPrompts>;
}

/** The operator's side of one session: an SSH channel (or a console standing in for one). */
export interface OperatorChannel {
  write(chunk: Buffer | string): void;
  /** Flow control: true while the operator's side has more buffered than it has taken. */
  needsDrain(): boolean;
  onceDrain(cb: () => void): void;
  /** Stop / restart reading the operator's input (when the target cannot take more). */
  pause(): void;
  resume(): void;
  writeStderr(chunk: Buffer | string): void;
  onData(cb: (chunk: Buffer) => void): () => void;
  onEnd(cb: () => void): () => void;
  /** The channel's pty size changes (shell sessions). */
  onResize(cb: (cols: number, rows: number) => void): () => void;
  exit(code: number): void;
}

export interface LaunchRequest {
  core: Core;
  settings: GatewaySettings;
  logger: Logger;
  grant: SessionGrant;
  mode: SessionMode;
  channel: OperatorChannel;
  source: string;
}

/** One line for the operator: what failed, never a stack or a secret. */
export function operatorMessage(e: unknown): string {
  if (e instanceof CustodyError) return e.message;
  return 'the session could not be opened (internal error; see the gateway log)';
}

/**
 * Runs one authorised session end to end: reach the target through its landing servers, log in
 * with the vaulted credential, multiplex output to the operator, the recorder and shadows, enforce
 * idle and maximum times, and tear everything down in one place that writes `session.end`.
 * Resolves with the exit code when the session is over; never rejects.
 */
export async function runSession(r: LaunchRequest): Promise<number> {
  const { core, grant, settings, logger, channel } = r;
  const started = Date.now();
  let target: TargetStream | undefined;
  let closeRoute: () => void = () => undefined;
  let recorder: RecordingWriter | undefined;
  let landings: string[] = [];
  try {
    const connector = connectorFor(grant.target.protocol, settings.telnetPrompts);
    // A mode the connector cannot serve is refused before any credential is used or dialled.
    const refused = connector.refusal?.(r.mode, grant.target.ref);
    if (refused) throw refused;
    const reached = await reachTarget(
      core,
      grant,
      settings.connectTimeoutMs,
      r.mode.kind === 'shell' ? r.mode : undefined,
    );
    closeRoute = reached.close;
    landings = reached.landings;
    const via: Via | undefined = reached.via;
    const cols = r.mode.kind === 'shell' ? r.mode.cols : 80;
    const rows = r.mode.kind === 'shell' ? r.mode.rows : 24;
    let typingCredential = false;
    target = await connector.open({
      target: grant.target,
      credential: await core.sessions.credential(grant),
      ...(via ? { via } : {}),
      mode: r.mode,
      hostKey: async (key) => {
        await core.sessions.checkHostKey(grant, grant.target.resource, key);
      },
      onCredentialTyping: (active) => {
        typingCredential = active;
        if (active) recorder?.suspend();
        else recorder?.resume();
      },
      timeoutMs: settings.connectTimeoutMs,
    });
    // The recording starts once the target took the session (nothing is read from it before the
    // session's pump starts), so a refused or unreachable attempt leaves no empty recording.
    if (r.mode.kind !== 'sftp') {
      recorder = await core.recordings.open(
        {
          sessionId: grant.id,
          user: grant.actor.name,
          target: grant.target.ref,
          protocol: grant.target.protocol,
          cols,
          rows,
          source: r.source,
          startedAt: new Date(),
          ...(r.mode.kind === 'shell' ? { term: r.mode.term } : {}),
        },
        settings.recordingFailure,
      );
      if (typingCredential) recorder.suspend();
    }
  } catch (e) {
    target?.close();
    closeRoute();
    await recorder?.close().catch(() => undefined);
    const message = operatorMessage(e);
    if (!(e instanceof CustodyError))
      logger.log('error', 'session failed to open', {
        grant: grant.id,
        error: String((e as Error)?.message).split('\n')[0],
      });
    await core.sessions.record(grant, 'session.refused', { reason: message, route: landings }, 'failure');
    core.sessions.release(grant);
    channel.writeStderr(`custody: ${message}\r\n`);
    return 1;
  }

  await core.sessions.record(grant, 'session.start', {
    mode: r.mode.kind,
    route: landings,
    recording: recorder?.id ?? null,
  });
  const code = await pump(r, target, recorder, landings);
  closeRoute();
  const summary = await recorder?.close().catch(() => undefined);
  core.sessions.release(grant);
  await core.sessions.record(grant, 'session.end', {
    exitCode: code.exitCode,
    reason: code.reason,
    bytesIn: code.bytesIn,
    bytesOut: code.bytesOut,
    seconds: Math.round((Date.now() - started) / 1000),
    ...(summary ? { recording: summary.id } : {}),
  });
  return code.exitCode;
}
