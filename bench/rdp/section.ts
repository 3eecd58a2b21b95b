/**
 * One part of `npm run bench:rdp`. Each section measures one thing (decoder speed, sessions a
 * core holds, recording bytes…) in its own file and returns its figures; run.ts lists them.
 */
export interface RdpBenchSection {
  name: string;
  /** `log` prints progress lines; the figures returned are printed as JSON at the end. */
  run(log: (line: string) => void): Promise<Record<string, unknown>>;
}
