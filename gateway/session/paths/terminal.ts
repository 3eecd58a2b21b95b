// The terminal data path: an interactive shell (SSH or Telnet) through the terminal multiplexer,
// which fans the target's output out to the operator first, then the recorder, the headless
// screen (what a late-joining viewer is shown) and the live registry's viewers. A command
// (`ssh host cmd`, scp) has no screen and goes through ./byte-copy.ts instead.
import type { Logger, TerminalRecorder } from '../../../core/index.ts';
import type { TargetStream } from '../../connectors/types.ts';
import { TerminalMux } from '../../mux/terminal-mux.ts';
import type { OperatorChannel } from '../types.ts';
import { startByteCopy } from './byte-copy.ts';
import { FlowControl } from './flow-control.ts';
import { RecordedOutputGate } from './recorded-output.ts';
import type { DataPath, PathContext } from './types.ts';

export interface ShellPathOptions {
  ctx: PathContext;
  channel: OperatorChannel;
  target: TargetStream;
  recorder: TerminalRecorder;
  strict: boolean;
  cols: number;
  rows: number;
  /** How the multiplexer names the session in its log lines. */
  sessionId: string;
  logger: Logger;
}

export function startShellPath(o: ShellPathOptions): DataPath {
  const { ctx, channel, target, recorder } = o;
  // Strict: the operator gets target output only once the recording holds it.
  const gate = o.strict && recorder.id !== null ? new RecordedOutputGate(recorder) : undefined;
  const toOperator = (chunk: Buffer) => channel.write(chunk);
  /** True while the mux fans out target output (as opposed to the gateway's own notices). */
  let targetOutput = false;
  let bytesIn = 0;
  let bytesOut = 0;
  let endReason = 'session ended';
  const mux: TerminalMux = new TerminalMux({
    sessionId: o.sessionId,
    cols: o.cols,
    rows: o.rows,
    client: (chunk) => {
      if (!gate) channel.write(chunk);
      else if (targetOutput) gate.output(chunk, toOperator);
      else gate.notice(() => channel.write(chunk));
    },
    publish: (chunk) => ctx.live.publish(chunk),
    toTarget: (chunk) => {
      if (!target.stdin.write(chunk)) flow.holdOperator();
    },
    recorder,
    onTerminate: (why) => {
      endReason = why;
      target.close();
    },
    logger: o.logger,
  });
  const flow = new FlowControl(channel, target, recorder, mux);
  const fromTarget = (chunk: Buffer) => {
    bytesOut += chunk.length;
    ctx.traffic(bytesIn, bytesOut);
    targetOutput = true;
    try {
      mux.output(chunk);
    } finally {
      targetOutput = false;
    }
  };
  target.stdout.on('data', (chunk: Buffer) => {
    fromTarget(chunk);
    flow.holdTarget();
  });
  target.stderr?.on('data', fromTarget);
  const cleanups = [
    channel.onData((chunk) => {
      bytesIn += chunk.length;
      ctx.traffic(bytesIn, bytesOut);
      mux.input(chunk);
    }),
    channel.onEnd(() => target.close()),
    channel.onResize((cols, rows) => {
      target.resize(cols, rows);
      mux.resize(cols, rows);
    }),
  ];
  void target.done.then(async (end) => {
    for (const c of cleanups) c();
    flow.releaseOperator();
    mux.end(endReason);
    // Output still waiting for the recording is delivered (or dropped) before the channel closes.
    await gate?.idle();
    ctx.ended(end);
  });

  return {
    // The mux tells the operator (and viewers, and the recording) why, then closes the target.
    stop: (reason) => mux.terminate(reason),
    warn: (text) => channel.writeStderr(text),
    screen: () => mux.screen(),
    size: () => ({ cols: mux.cols, rows: mux.rows }),
    get bytesIn() {
      return bytesIn;
    },
    get bytesOut() {
      return bytesOut;
    },
  };
}

export interface ExecPathOptions {
  ctx: PathContext;
  channel: OperatorChannel;
  target: TargetStream;
  recorder: TerminalRecorder;
  strict: boolean;
}

/** A command: recorded output and input, no screen. */
export function startExecPath(o: ExecPathOptions): DataPath {
  return startByteCopy({ ...o, label: 'exec' });
}
