// The xrdp fixture's clean-up of X display locks left by killed servers: a dead server's lock
// and socket go, a live one's stay (removing a live display's lock would let two servers share it).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDeadXDisplay, sweepDeadXDisplays } from '../support/x-locks.ts';

// Display numbers far above any real server's, unique to this run.
const BASE = 9000 + (process.pid % 900);
const made: number[] = [];

function plant(n: number, pid: number): void {
  mkdirSync('/tmp/.X11-unix', { recursive: true });
  writeFileSync(`/tmp/.X${n}-lock`, `${String(pid).padStart(10)}\n`);
  writeFileSync(`/tmp/.X11-unix/X${n}`, '');
  made.push(n);
}

afterEach(() => {
  for (const n of made.splice(0)) {
    rmSync(`/tmp/.X${n}-lock`, { force: true });
    rmSync(`/tmp/.X11-unix/X${n}`, { force: true });
  }
});

describe('stale X display locks', () => {
  it('removes a dead server’s lock and socket and keeps a live one’s', () => {
    const dead = spawnSync('true').pid;
    expect(dead).toBeGreaterThan(0);
    plant(BASE, dead!);
    plant(BASE + 1, process.pid);
    expect(removeDeadXDisplay(BASE + 1)).toBe(false);
    expect(sweepDeadXDisplays()).toBeGreaterThanOrEqual(1);
    expect(existsSync(`/tmp/.X${BASE}-lock`)).toBe(false);
    expect(existsSync(`/tmp/.X11-unix/X${BASE}`)).toBe(false);
    expect(existsSync(`/tmp/.X${BASE + 1}-lock`)).toBe(true);
    expect(existsSync(`/tmp/.X11-unix/X${BASE + 1}`)).toBe(true);
  });
});
