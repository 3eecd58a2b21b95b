/**
 * How a reset listener's command is run (the process side lives in reset/listener-runner.ts, the
 * composition root wires it). `args` are the non-secret arguments only; `stdin` carries the
 * passwords, so they never reach a command line (`ps`, /proc/PID/cmdline are world-readable).
 */
export interface ListenerRun {
  command: string;
  args: readonly string[];
  stdin: string;
  timeoutMs: number;
}

export interface ListenerOutcome {
  /** Exit status, or null when the process was killed or could not start. */
  exitCode: number | null;
  timedOut: boolean;
  /** stdout and stderr, interleaved and truncated; the caller scrubs passwords from it. */
  output: string;
  /** Why it could not start (ENOENT, EACCES…), if it did not. */
  startError?: string;
  ms: number;
}

export interface ListenerRunner {
  run(r: ListenerRun): Promise<ListenerOutcome>;
}
