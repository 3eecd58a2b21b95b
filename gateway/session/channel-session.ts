// A session on an operator's SSH channel (or the console standing in for one): an interactive
// shell, a command, or an sftp transfer. This file is the lifecycle's SessionSpec for them: it
// picks the connector, dials through the landing servers, logs in, opens the recording, and
// starts the data path the mode calls for.
import type { Core, LiveRegistry, Logger, SessionGrant, TerminalRecorder, Timers } from '../../core/index.ts';
import { discardRecorder, withSearchIndex } from '../../core/index.ts';
import type { SessionMode, TargetStream } from '../connectors/types.ts';
import type { ConnectorRegistry } from './connector-registry.ts';
import { reachTarget } from './dial.ts';
import { runLifecycle, type OpenedTarget, type SessionSpec } from './lifecycle.ts';
import { observedTransfer, startFileTransferPath } from './paths/file-transfer.ts';
import { startExecPath, startShellPath } from './paths/terminal.ts';
import type { GatewaySettings, OperatorChannel } from './types.ts';

/** What the gateway holds once for all its sessions. */
export interface GatewayRuntime {
  core: Core;
  settings: GatewaySettings;
  logger: Logger;
  timers: Timers;
  /** Where the session is listed live; only `register` is needed here. */
  live: Pick<LiveRegistry, 'register'>;
  connectors: ConnectorRegistry;
}

export interface LaunchRequest extends GatewayRuntime {
  grant: SessionGrant;
  mode: SessionMode;
  channel: OperatorChannel;
  source: string;
}

/**
 * Runs one authorised session on an operator's channel end to end (./lifecycle.ts) and resolves
 * with the exit code for that channel; never rejects.
 */
export function runSession(r: LaunchRequest): Promise<number> {
  return runLifecycle({ ...r }, {
    kind: r.mode.kind === 'sftp' ? 'file-transfer' : 'terminal',
    mode: r.mode.kind,
    open: (route) => openOnChannel(r, route),
    refused: (message) => r.channel.writeStderr(`custody: ${message}\r\n`),
  } satisfies SessionSpec);
}

async function openOnChannel(r: LaunchRequest, route: string[]): Promise<OpenedTarget> {
  const { core, grant, settings, mode } = r;
  const connector = r.connectors.for(grant.target.protocol);
  // A mode the connector cannot serve is refused before any credential is used or dialled.
  const refused = connector.refusal?.(mode, grant.target.ref);
  if (refused) throw refused;
  const reached = await reachTarget(
    core,
    grant,
    settings.connectTimeoutMs,
    mode.kind === 'shell' ? mode : undefined,
  );
  route.push(...reached.landings);
  const size = mode.kind === 'shell' ? { cols: mode.cols, rows: mode.rows } : { cols: 80, rows: 24 };
  // Telnet types the login itself: nothing of it may reach the recording, which may open only
  // after the login is over (the flag carries the state across).
  let typingCredential = false;
  let recorder: TerminalRecorder = discardRecorder();
  let target: TargetStream;
  try {
    target = await connector.open({
      target: grant.target,
      credential: await core.system.sessions.credential(grant),
      ...(reached.via ? { via: reached.via } : {}),
      mode,
      hostKey: async (key) => {
        await core.system.sessions.checkHostKey(grant, grant.target.resource, key);
      },
      onCredentialTyping: (active) => {
        typingCredential = active;
        if (active) recorder.suspend();
        else recorder.resume();
      },
      timeoutMs: settings.connectTimeoutMs,
    });
  } catch (e) {
    reached.close();
    throw e;
  }
  const strict = settings.recordingFailure === 'strict';
  return {
    openRecorder: async () => {
      // Nothing is read from the target before its data path starts, so the recording misses
      // nothing by opening only now.
      if (mode.kind === 'sftp') {
        recorder = observedTransfer(
          await core.system.openFileTransferRecording(
            {
              sessionId: grant.id,
              user: grant.actor.name,
              target: grant.target.ref,
              protocol: 'sftp',
              ...size,
              source: r.source,
              startedAt: r.timers.now(),
            },
            settings.recordingFailure,
            !!grant.target.recordFileContents,
          ),
        );
        return recorder;
      }
      const writer = await core.system.openRecording(
        {
          sessionId: grant.id,
          user: grant.actor.name,
          target: grant.target.ref,
          protocol: grant.target.protocol,
          ...size,
          source: r.source,
          startedAt: r.timers.now(),
          ...(mode.kind === 'shell' ? { term: mode.term } : {}),
        },
        settings.recordingFailure,
      );
      // The one place a session's recording gets its search index (and its command markers).
      recorder = withSearchIndex(writer, {
        timers: r.timers,
        logger: r.logger,
        sink: core.system.searchIndexSink(),
        ...size,
        ...(mode.kind === 'exec' ? { command: mode.command } : {}),
      });
      if (typingCredential) recorder.suspend();
      return recorder;
    },
    start: (ctx) => {
      const { channel } = r;
      if (mode.kind === 'sftp') return startFileTransferPath({ ctx, channel, target, recorder, strict });
      if (mode.kind === 'exec') return startExecPath({ ctx, channel, target, recorder, strict });
      return startShellPath({
        ctx,
        channel,
        target,
        recorder,
        strict,
        ...size,
        sessionId: grant.id,
        logger: r.logger,
      });
    },
    close: () => {
      target.close();
      reached.close();
    },
  };
}
