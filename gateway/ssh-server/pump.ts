// The data path of one session: bytes between the operator's channel and the target, through the
// recorder, the live screen model and the shadowing viewers, until either side ends.
/** Recorded bytes allowed in memory before the target is paused until the file catches up. */
const RECORDER_BACKLOG_LIMIT = 4 * 1024 * 1024;
/** Output characters the live screen model may have unparsed before the target is paused. */
const SCREEN_BACKLOG_LIMIT = 1024 * 1024;
import type { Duplex } from 'node:stream';
import type { LiveRegistration, RecordingWriter } from '../../core/index.ts';
import type { TargetStream } from '../connectors/types.ts';
import { TerminalMux } from '../mux/terminal-mux.ts';
import type { LaunchRequest } from './launch.ts';
import { RecordedOutputGate } from './recorded-output.ts';

interface PumpResult {
  exitCode: number;
  reason: string;
  bytesIn: number;
  bytesOut: number;
}

/** Moves bytes until either side ends, a timeout fires or an administrator terminates. */
export function pump(
  r: LaunchRequest,
  target: TargetStream,
  recorder: RecordingWriter | undefined,
  landings: string[],
): Promise<PumpResult> {
  const { core, grant, settings, channel } = r;
  return new Promise((resolve) => {
    let bytesIn = 0;
    let bytesOut = 0;
    let reason = 'ended';
    let ended = false;
    let finished = false;
    const cleanups: (() => void)[] = [];
    const shell = r.mode.kind === 'shell';
    // Strict: the operator gets target output only once the recording holds it.
    const gate =
      recorder && settings.recordingFailure === 'strict' ? new RecordedOutputGate(recorder) : undefined;
    const toOperator = (chunk: Buffer) => channel.write(chunk);
    const toOperatorStderr = (chunk: Buffer) => channel.writeStderr(chunk);
    /** True while the mux fans out target output (as opposed to the gateway's own notices). */
    let targetOutput = false;
    // Every session is live and terminable: shells show their screen through the mux; exec, scp
    // and sftp have no screen to watch but are listed and ended the same way (check-in included).
    let live: LiveRegistration | undefined;
    const mux = shell
      ? new TerminalMux({
          sessionId: grant.id,
          cols: r.mode.kind === 'shell' ? r.mode.cols : 80,
          rows: r.mode.kind === 'shell' ? r.mode.rows : 24,
          client: (chunk) => {
            if (!gate) channel.write(chunk);
            else if (targetOutput) gate.output(chunk, toOperator);
            else gate.notice(() => channel.write(chunk));
          },
          toTarget: (chunk) => {
            if (!target.stdin.write(chunk)) holdOperator();
          },
          ...(recorder ? { recorder } : {}),
          publish: (chunk) => live?.publish(chunk),
          onTerminate: (why) => {
            reason = why;
            ended = true;
            target.close();
          },
          logger: r.logger,
        })
      : undefined;
    const noScreen = Buffer.from(`[custody] ${r.mode.kind} session: there is no terminal screen to show\r\n`);
    const registered = core.live.registry
      .register(
        {
          id: grant.id,
          user: grant.actor.name,
          target: grant.target.ref,
          protocol: shell ? grant.target.protocol : `${grant.target.protocol} ${r.mode.kind}`,
          kind: r.mode.kind === 'sftp' ? 'file-transfer' : 'terminal',
          state: 'opening',
          requestId: grant.requestId,
          expiresAt: grant.expiresAt,
          route: landings,
          source: r.source,
          startedAt: new Date().toISOString(),
          bytesIn: 0,
          bytesOut: 0,
          node: settings.nodeName,
        },
        {
          screen: () => mux?.screen() ?? noScreen,
          control: (message) => {
            if (message.type === 'terminate') stop(message.reason);
          },
        },
      )
      .then(async (registration) => {
        live = registration;
        // The target has already answered by the time the data path starts.
        await registration.confirm({ route: landings });
        return registration;
      });
    registered.catch((e: unknown) =>
      r.logger.log('warn', 'live registry: registration failed', { session: grant.id, error: String(e) }),
    );
    cleanups.push(() => {
      void registered
        .then((registration) => registration.end(mux?.endReason ?? reason))
        .catch(() => undefined);
    });

    let idle: NodeJS.Timeout | undefined;
    const touch = () => {
      if (!settings.idleTimeoutMs) return;
      clearTimeout(idle);
      idle = setTimeout(
        () => stop(`idle for ${Math.round(settings.idleTimeoutMs / 60_000)} minutes`),
        settings.idleTimeoutMs,
      );
      idle.unref();
    };
    const stop = (why: string) => {
      if (mux) mux.terminate(why);
      else {
        reason = why;
        ended = true;
        channel.writeStderr(`\r\n[custody] session ended: ${why}\r\n`);
        target.close();
      }
    };
    touch();
    if (settings.maxDurationMs) {
      const max = setTimeout(() => stop('maximum session duration reached'), settings.maxDurationMs);
      max.unref();
      cleanups.push(() => clearTimeout(max));
    }
    cleanups.push(() => clearTimeout(idle));

    recorder?.onFailure(() => {
      if (settings.recordingFailure === 'strict') stop('recording failed (strict policy)');
      else
        channel.writeStderr('\r\n[custody] warning: recording failed; the session continues unrecorded\r\n');
    });

    // Backpressure both ways: never read faster than the other side takes, so a bulk transfer
    // holds a window's worth of data in the gateway, not the whole file.
    let operatorHeld = false;
    function holdOperator() {
      if (operatorHeld) return;
      operatorHeld = true;
      channel.pause();
      target.stdin.once('drain', () => {
        operatorHeld = false;
        if (!recorderHeldOperator) channel.resume();
      });
    }
    let recorderHeldOperator = false;
    const holdOperatorForRecorder = () => {
      if (recorderHeldOperator || !recorder || recorder.backlog() <= RECORDER_BACKLOG_LIMIT) return;
      recorderHeldOperator = true;
      channel.pause();
      void recorder.drained().then(() => {
        recorderHeldOperator = false;
        if (!operatorHeld) channel.resume();
      });
    };
    let targetHeld = false;
    const holdTarget = () => {
      if (targetHeld) return;
      const operatorFull = channel.needsDrain();
      const recorderFull = (recorder?.backlog() ?? 0) > RECORDER_BACKLOG_LIMIT;
      // The headless screen parses asynchronously: a flood must not pile up unparsed in memory.
      const screenFull = (mux?.screenBacklog() ?? 0) > SCREEN_BACKLOG_LIMIT;
      if (!operatorFull && !recorderFull && !screenFull) return;
      targetHeld = true;
      target.stdout.pause();
      target.stderr?.pause();
      const release = () => {
        targetHeld = false;
        target.stdout.resume();
        target.stderr?.resume();
      };
      // Wait for whichever side is behind; the next chunk re-checks both.
      if (operatorFull) channel.onceDrain(release);
      else if (recorderFull) void recorder!.drained().then(release);
      else void mux!.settled().then(release);
    };
    const muxOutput = (chunk: Buffer) => {
      targetOutput = true;
      try {
        mux!.output(chunk);
      } finally {
        targetOutput = false;
      }
    };
    const fromTarget = (chunk: Buffer) => {
      bytesOut += chunk.length;
      live?.counters(bytesIn, bytesOut);
      touch();
      if (mux) muxOutput(chunk);
      else {
        recorder?.output(chunk);
        if (gate) gate.output(chunk, toOperator);
        else channel.write(chunk);
      }
      holdTarget();
    };
    target.stdout.on('data', fromTarget);
    target.stderr?.on('data', (chunk: Buffer) => {
      bytesOut += chunk.length;
      live?.counters(bytesIn, bytesOut);
      if (mux) muxOutput(chunk);
      else {
        recorder?.output(chunk);
        if (gate) gate.output(chunk, toOperatorStderr);
        else channel.writeStderr(chunk);
      }
    });
    cleanups.push(
      channel.onData((chunk) => {
        bytesIn += chunk.length;
        live?.counters(bytesIn, bytesOut);
        touch();
        if (mux) mux.input(chunk);
        else {
          if (!target.stdin.write(chunk)) holdOperator();
          if (r.mode.kind === 'exec') {
            recorder?.input(chunk);
            holdOperatorForRecorder();
          }
        }
      }),
    );
    cleanups.push(
      channel.onEnd(() => {
        if (r.mode.kind === 'shell') target.close();
        else (target.stdin as Duplex).end?.();
      }),
    );
    cleanups.push(
      channel.onResize((cols, rows) => {
        target.resize(cols, rows);
        mux?.resize(cols, rows);
        if (!mux) recorder?.resize(cols, rows);
      }),
    );

    void target.done.then((end) => {
      if (finished) return;
      finished = true;
      for (const c of cleanups) c();
      // The console reads this channel next: never hand it back paused.
      if (operatorHeld || recorderHeldOperator) channel.resume();
      mux?.end(reason);
      // A session the gateway ended (terminate, timeout, recording failure) never reports success.
      const exitCode = ended ? 1 : (end.exitCode ?? (end.signal ? 128 : 0));
      // Output still waiting for the recording is delivered (or dropped) before the channel closes.
      void (gate?.idle() ?? Promise.resolve()).then(() => resolve({ exitCode, reason, bytesIn, bytesOut }));
    });
  });
}
