import cliProgress from 'cli-progress';
import type { Output } from './output.ts';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/**
 * Progress for bulk work on standard error (standard output stays the result): a cli-progress bar
 * on a terminal; otherwise one line per tenth, so logs and tests see it advance. Silent with --json.
 */
export function progressOf(out: Output, json: boolean, label: string, unit: string): Progress {
  if (json) return { update: () => undefined, stop: () => undefined };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} {bar} {value}/{total} ${unit}`, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total) {
        if (!started) bar.start(total, 0);
        started = true;
        bar.update(done);
      },
      stop: () => started && bar.stop(),
    };
  }
  let last = -1;
  return {
    update(done, total) {
      const tenth = total ? Math.floor((done / total) * 10) : 10;
      if (tenth !== last) out.note(`${label}: ${done}/${total} ${unit} (${tenth * 10}%)`);
      last = tenth;
    },
    stop: () => undefined,
  };
}
