// Backpressure for the terminal and file-transfer paths: never read faster than the slowest
// taker, so a bulk transfer holds about a window's worth of data in the gateway, not the file.
// Three takers can fall behind: the target's stdin (the operator's input is paused), the
// operator's channel and the recorder (the target's output is paused), and the live screen
// model that parses output asynchronously (the target's output is paused too).
import type { TerminalRecorder } from '../../../core/index.ts';
import type { TargetStream } from '../../connectors/types.ts';
import type { OperatorChannel } from '../types.ts';

/** Recorded bytes allowed in memory before the target is paused until the file catches up. */
export const RECORDER_BACKLOG_LIMIT = 4 * 1024 * 1024;
/** Output characters the live screen model may have unparsed before the target is paused. */
export const SCREEN_BACKLOG_LIMIT = 1024 * 1024;

/** The live screen model, for paths that keep one. */
export interface ScreenBacklog {
  screenBacklog(): number;
  settled(): Promise<void>;
}

export class FlowControl {
  #operatorHeld = false;
  #recorderHeldOperator = false;
  #targetHeld = false;

  constructor(
    private readonly channel: OperatorChannel,
    private readonly target: TargetStream,
    private readonly recorder: TerminalRecorder,
    private readonly screen?: ScreenBacklog,
  ) {}

  /** The target's stdin refused more: stop reading the operator until it drains. */
  holdOperator(): void {
    if (this.#operatorHeld) return;
    this.#operatorHeld = true;
    this.channel.pause();
    this.target.stdin.once('drain', () => {
      this.#operatorHeld = false;
      if (!this.#recorderHeldOperator) this.channel.resume();
    });
  }

  /** Recorded input piles up (an upload): stop reading the operator until the file catches up. */
  holdOperatorForRecorder(): void {
    if (this.#recorderHeldOperator || this.recorder.backlog() <= RECORDER_BACKLOG_LIMIT) return;
    this.#recorderHeldOperator = true;
    this.channel.pause();
    void this.recorder.drained().then(() => {
      this.#recorderHeldOperator = false;
      if (!this.#operatorHeld) this.channel.resume();
    });
  }

  /** After each chunk of target output: pause the target while any taker is behind. */
  holdTarget(): void {
    if (this.#targetHeld) return;
    const operatorFull = this.channel.needsDrain();
    const recorderFull = this.recorder.backlog() > RECORDER_BACKLOG_LIMIT;
    const screenFull = (this.screen?.screenBacklog() ?? 0) > SCREEN_BACKLOG_LIMIT;
    if (!operatorFull && !recorderFull && !screenFull) return;
    this.#targetHeld = true;
    const { target } = this;
    target.stdout.pause();
    target.stderr?.pause();
    const release = () => {
      this.#targetHeld = false;
      target.stdout.resume();
      target.stderr?.resume();
    };
    // Wait for whichever side is behind; the next chunk re-checks all of them.
    if (operatorFull) this.channel.onceDrain(release);
    else if (recorderFull) void this.recorder.drained().then(release);
    else void this.screen!.settled().then(release);
  }

  /** The session is over: the console reads this channel next, so never hand it back paused. */
  releaseOperator(): void {
    if (this.#operatorHeld || this.#recorderHeldOperator) this.channel.resume();
  }
}
