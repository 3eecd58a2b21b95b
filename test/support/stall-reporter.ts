// A test whose worker is stuck in a synchronous call (an X client waiting on a frozen display, a
// child process that never exits) blocks that worker's event loop, so no vitest time-out fires
// and CI waits until its wall-clock limit with nothing to say. So can a file whose every test and
// hook runs into its time-out (minutes each) when a daemon it needs is gone. This reporter watches
// for both: after STALL_MS with no test or file finishing anywhere, or a file running longer than
// FILE_BUDGET_MS (the slowest file takes about 2 minutes here), it prints what is running and the
// process tree under vitest; a stall that lasts another STALL_MS, or a file over its budget, has
// its worker killed, so the run ends as failed, naming the file, instead of hanging.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import { killPids, processTree } from './netns.ts';

const STALL_MS = Number(process.env.CUSTODY_TEST_STALL_MS ?? 10 * 60_000);
const FILE_BUDGET_MS = Number(process.env.CUSTODY_TEST_FILE_BUDGET_MS ?? 15 * 60_000);
const CHECK_MS = Math.min(30_000, STALL_MS / 4, FILE_BUDGET_MS / 4);

interface Running {
  label: string;
  since: number;
  /** The test file it belongs to. */
  moduleId: string;
}

interface Proc {
  pid: number;
  ppid: number;
  seconds: number;
  args: string;
}

export default class StallReporter implements Reporter {
  readonly #files = new Map<string, Running>();
  readonly #tests = new Map<string, Running>();
  #lastProgress = Date.now();
  #reported = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #killed = new Set<number>();

  onInit(): void {
    this.#timer = setInterval(() => this.#check(), CHECK_MS);
    this.#timer.unref();
  }

  onTestModuleStart(module: TestModule): void {
    this.#files.set(module.moduleId, {
      label: relative(module.moduleId),
      since: Date.now(),
      moduleId: module.moduleId,
    });
  }

  onTestModuleEnd(module: TestModule): void {
    this.#files.delete(module.moduleId);
    for (const [id, t] of this.#tests) if (t.moduleId === module.moduleId) this.#tests.delete(id);
    this.#progress();
  }

  onTestCaseReady(test: TestCase): void {
    this.#tests.set(test.id, {
      label: `${relative(test.module.moduleId)} > ${test.fullName}`,
      since: Date.now(),
      moduleId: test.module.moduleId,
    });
  }

  onTestCaseResult(test: TestCase): void {
    this.#tests.delete(test.id);
    this.#progress();
  }

  onTestRunEnd(): void {
    clearInterval(this.#timer);
  }

  #progress(): void {
    this.#lastProgress = Date.now();
    this.#reported = false;
  }

  #check(): void {
    this.#checkBudgets();
    const stalled = Date.now() - this.#lastProgress;
    if (stalled < STALL_MS) return;
    if (!this.#reported) {
      this.#reported = true;
      this.#report(stalled);
      return;
    }
    if (stalled < 2 * STALL_MS) return;
    const stuck = workers();
    process.stderr.write(
      `\n[stall] still no progress after ${Math.round(stalled / 1000)} s: killing workers ${stuck.map((w) => w.pid).join(', ') || '(none)'}\n`,
    );
    for (const w of stuck) killTree(w.pid);
    this.#progress();
  }

  /** A file over its budget: report, then kill the worker that started with it (isolated files each get a fresh one). */
  #checkBudgets(): void {
    const now = Date.now();
    for (const [id, f] of this.#files) {
      const age = now - f.since;
      if (age < FILE_BUDGET_MS) continue;
      this.#report(
        now - this.#lastProgress,
        `${f.label} has run for ${Math.round(age / 1000)} s, over its budget`,
      );
      const own = workers()
        .filter((w) => !this.#killed.has(w.pid) && w.seconds * 1000 >= age - 5000)
        .sort((a, b) => a.seconds - b.seconds)[0];
      process.stderr.write(`[stall] killing the worker of ${f.label}: ${own?.pid ?? '(not found)'}\n`);
      if (own) {
        this.#killed.add(own.pid);
        killTree(own.pid);
      }
      this.#files.delete(id);
    }
  }

  #report(stalled: number, why?: string): void {
    const now = Date.now();
    const lines = [
      `\n[stall] ${why ?? `no test has finished for ${Math.round(stalled / 1000)} s`}. Running:`,
    ];
    for (const f of this.#files.values())
      lines.push(`  file ${f.label} (for ${Math.round((now - f.since) / 1000)} s)`);
    for (const t of this.#tests.values())
      lines.push(`  test ${t.label} (for ${Math.round((now - t.since) / 1000)} s)`);
    lines.push('[stall] processes under vitest (pid, age in s, command):');
    const all = processes();
    const walk = (pid: number, depth: number) => {
      for (const p of all.filter((q) => q.ppid === pid)) {
        lines.push(`  ${'  '.repeat(depth)}${p.pid} ${p.seconds}s ${p.args.slice(0, 200)}`);
        walk(p.pid, depth + 1);
      }
    };
    walk(process.pid, 0);
    process.stderr.write(`${lines.join('\n')}\n`);
  }
}

function relative(file: string): string {
  return path.relative(process.cwd(), file);
}

function processes(): Proc[] {
  try {
    return execFileSync('ps', ['-e', '-o', 'pid=,ppid=,etimes=,args='], { encoding: 'utf8', timeout: 10_000 })
      .split('\n')
      .map((line) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), seconds: Number(m[3]), args: m[4] ?? '' }));
  } catch {
    return [];
  }
}

/** Vitest's worker processes (isolated files each get a fresh one). */
function workers(): Proc[] {
  return processes().filter((p) => p.ppid === process.pid && /\(vitest \d+\)/.test(p.args));
}

/** Kills a worker and everything it started that is still in its tree (daemons it owned included). */
function killTree(pid: number): void {
  killPids(processTree(pid));
}
