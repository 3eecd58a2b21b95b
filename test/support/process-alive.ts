// Whether a pid names a running process: what the testbed sweeps ask before removing what a
// process left behind (EPERM means it runs but is not ours to signal).
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
