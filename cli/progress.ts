import cliProgress from 'cli-progress';
import { plural } from '../core/index.ts';
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
  // `unit` is the plural ("accounts"); one of them is said without the s.
  const one = unit.endsWith('s') ? unit.slice(0, -1) : unit;
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
      // The line says how far it is (1 of 7 is 14%, not the tenth's 10%).
      const percent = total ? Math.floor((done / total) * 100) : 100;
      if (tenth !== last) out.note(`${label}: ${done}/${plural(total, one, unit)} (${percent}%)`);
      last = tenth;
    },
    stop: () => undefined,
  };
}
