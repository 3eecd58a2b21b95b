// Bytes between the operator's channel and a target stream with no terminal screen in between:
// commands (`ssh host cmd`, scp) and file transfers (sftp). Output goes to the recorder first
// (the strict policy's gate then hands it to the operator once it is written), input to the
// target and the recorder, both ways under the flow control of ./flow-control.ts.
import type { TerminalRecorder } from '../../../core/index.ts';
import type { TargetStream } from '../../connectors/types.ts';
import type { OperatorChannel } from '../types.ts';
import { FlowControl } from './flow-control.ts';
import { RecordedOutputGate } from './recorded-output.ts';
import type { DataPath, PathContext } from './types.ts';

export interface ByteCopyOptions {
  ctx: PathContext;
  channel: OperatorChannel;
  target: TargetStream;
  recorder: TerminalRecorder;
  strict: boolean;
  /** What the Live screen shows a viewer in place of a screen (`exec`, `sftp`). */
  label: string;
}

export function startByteCopy(o: ByteCopyOptions): DataPath {
  const { ctx, channel, target, recorder } = o;
  const gate = o.strict && recorder.id !== null ? new RecordedOutputGate(recorder) : undefined;
  const flow = new FlowControl(channel, target, recorder);
  const toOperator = (chunk: Buffer) => channel.write(chunk);
  const toOperatorStderr = (chunk: Buffer) => channel.writeStderr(chunk);
  let bytesIn = 0;
  let bytesOut = 0;

  target.stdout.on('data', (chunk: Buffer) => {
    bytesOut += chunk.length;
    ctx.traffic(bytesIn, bytesOut);
    recorder.output(chunk);
    if (gate) gate.output(chunk, toOperator);
    else channel.write(chunk);
    flow.holdTarget();
  });
  target.stderr?.on('data', (chunk: Buffer) => {
    bytesOut += chunk.length;
    ctx.traffic(bytesIn, bytesOut);
    recorder.output(chunk);
    if (gate) gate.output(chunk, toOperatorStderr);
    else channel.writeStderr(chunk);
  });
  const cleanups = [
    channel.onData((chunk) => {
      bytesIn += chunk.length;
      ctx.traffic(bytesIn, bytesOut);
      if (!target.stdin.write(chunk)) flow.holdOperator();
      recorder.input(chunk);
      flow.holdOperatorForRecorder();
    }),
    // The operator's EOF is the command's EOF (`cat file | ssh host wc -c`); the target ends it.
    channel.onEnd(() => target.stdin.end()),
    channel.onResize((cols, rows) => {
      target.resize(cols, rows);
      recorder.resize(cols, rows);
    }),
  ];
  void target.done.then(async (end) => {
    for (const c of cleanups) c();
    flow.releaseOperator();
    // Output still waiting for the recording is delivered (or dropped) before the channel closes.
    await gate?.idle();
    ctx.ended(end);
  });

  let stopped = false;
  return {
    stop(reason) {
      if (stopped) return;
      stopped = true;
      channel.writeStderr(`\r\n[custody] session ended: ${reason}\r\n`);
      target.close();
    },
    warn: (text) => channel.writeStderr(text),
    screen: () => Buffer.from(`[custody] ${o.label} session: there is no terminal screen to show\r\n`),
    get bytesIn() {
      return bytesIn;
    },
    get bytesOut() {
      return bytesOut;
    },
  };
}
