// Runs a reset listener's command: no shell, its own process group, the passwords on
// standard input only, a clean environment, a hard timeout that kills the whole group.
import { spawn } from 'node:child_process';
import type { ListenerOutcome, ListenerRun, ListenerRunner } from '../core/index.ts';

/** Output kept for the audit (the dispatcher scrubs and shortens it further). */
const CAPTURE_BYTES = 16 * 1024;

export class ProcessListenerRunner implements ListenerRunner {
  run(r: ListenerRun): Promise<ListenerOutcome> {
    const started = Date.now();
    return new Promise((resolve) => {
      let output = '';
      let timedOut = false;
      let settled = false;
      const finish = (o: Omit<ListenerOutcome, 'ms' | 'output' | 'timedOut'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...o, timedOut, output, ms: Date.now() - started });
      };
      const child = spawn(r.command, [...r.args], {
        shell: false,
        // A group of its own: the timeout kills whatever the listener started too.
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        // Nothing of Custody's environment (keys, database settings) leaks to the listener.
        env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
        cwd: '/',
      });
      const keep = (b: Buffer) => {
        if (output.length < CAPTURE_BYTES)
          output += b.toString('utf8').slice(0, CAPTURE_BYTES - output.length);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
        // A descendant that left the group may still hold the pipes open: do not wait for it.
        setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          finish({ exitCode: null });
        }, 1000).unref();
      }, r.timeoutMs);
      child.on('error', (e: NodeJS.ErrnoException) =>
        finish({ exitCode: null, startError: e.code ?? e.message }),
      );
      child.on('close', (code) => finish({ exitCode: timedOut ? null : code }));
      // A listener that never reads stdin must not break the run (EPIPE).
      child.stdin.on('error', () => undefined);
      child.stdin.end(r.stdin);
    });
  }
}
