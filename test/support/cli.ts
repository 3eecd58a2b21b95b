// Runs the real `custody` command in a child process, as an operator would.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { REPOSITORY_ROOT } from '../../core/index.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** True when the process was killed for running past `timeoutMs` (its output is partial). */
  timedOut: boolean;
}

export const CUSTODY_BIN = path.join(REPOSITORY_ROOT, 'bin', 'custody.mjs');

export function custody(
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.CUSTODY_HOME;
    const child = execFile(
      process.execPath,
      [CUSTODY_BIN, ...args],
      { cwd: REPOSITORY_ROOT, env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        const timedOut = !!err && (err as { killed?: boolean }).killed === true;
        resolve({ code, stdout: String(stdout), stderr: String(stderr), timedOut });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}
