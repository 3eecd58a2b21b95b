// Stale X display locks. An X server killed with SIGKILL (how a test's teardown ends an xrdp
// session) leaves /tmp/.X<n>-lock and /tmp/.X11-unix/X<n> behind; xrdp's session manager treats
// both as "display in use", so after enough killed runs on one machine it finds no free display
// (its range is 10–60) and every later xrdp login fails. The files are machine-wide (/tmp is not
// per network namespace), so the testbed sweep each test process starts with (netns.ts) removes
// the ones whose server is gone (the lock holds its pid), and an xrdp fixture removes its own.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { processAlive } from './process-alive.ts';

const LOCK = /^\.X(\d+)-lock$/;

/** Removes the lock and socket of display `n` if the server that held it is no longer running. */
export function removeDeadXDisplay(n: number): boolean {
  const lock = `/tmp/.X${n}-lock`;
  let pid: number;
  try {
    pid = Number(readFileSync(lock, 'utf8').trim());
  } catch {
    return false;
  }
  if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) return false;
  rmSync(lock, { force: true });
  rmSync(`/tmp/.X11-unix/X${n}`, { force: true });
  return true;
}

/** Removes every dead display's lock and socket; returns how many were removed. */
export function sweepDeadXDisplays(): number {
  let removed = 0;
  for (const name of readdirSync('/tmp')) {
    const m = LOCK.exec(name);
    if (m && removeDeadXDisplay(Number(m[1]))) removed++;
  }
  return removed;
}
