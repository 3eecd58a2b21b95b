import { spawn } from 'node:child_process';
import type { QualityAnswer, QualityExit, QualityRequest } from '../core/index.ts';

const MAX_OUTPUT = 4096;

/**
 * The password-quality exit as a local command. It is run without a shell, with an
 * empty environment apart from PATH, and gets one JSON line on standard input:
 * `{"kind","subject","requester","password"}`. Exit status 0 accepts, 1 denies; the first line
 * of standard output is the message. Anything else (another status, a crash, no answer within
 * the timeout) is "unavailable", and the core's timeout policy applies.
 */
export class CommandQualityExit implements QualityExit {
  constructor(
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly timeoutMs: number,
  ) {}

  check(req: QualityRequest): Promise<QualityAnswer> {
    return new Promise((resolve) => {
      let settled = false;
      const done = (a: QualityAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(a);
      };
      const child = spawn(this.command, [...this.args], {
        shell: false,
        stdio: ['pipe', 'pipe', 'ignore'],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        done({ outcome: 'unavailable', reason: `no answer within ${this.timeoutMs} ms` });
      }, this.timeoutMs);
      let out = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (d: string) => {
        if (out.length < MAX_OUTPUT) out += d;
      });
      child.on('error', (e: NodeJS.ErrnoException) =>
        done({ outcome: 'unavailable', reason: `cannot run the quality check (${e.code ?? 'error'})` }),
      );
      child.on('close', (code) => {
        const message = (out.split('\n')[0] ?? '').trim().slice(0, 200);
        if (code === 0) done({ outcome: 'accept', message });
        else if (code === 1) done({ outcome: 'deny', message });
        else
          done({
            outcome: 'unavailable',
            reason: `the quality check exited with status ${code ?? 'signal'}`,
          });
      });
      // The child may exit without reading its input; that is its answer, not our error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(
        JSON.stringify({
          kind: req.kind,
          subject: req.subject,
          requester: req.requester,
          password: req.password.reveal(),
        }) + '\n',
      );
    });
  }
}
