/**
 * What the sessions benchmark does to a test desktop (test/support/rdp-servers.ts) besides the
 * RDP sessions themselves: where the xterm sits, a continuous window drag run by a shell process
 * of its own (so the xdotool calls cost the benchmark's process nothing), and the CPU
 * the RDP server's process has used.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { eventually, type RdpTestServer } from '../../test/support/rdp-servers.ts';
import { cpuSecondsOf } from '../gateway/lib.ts';

export interface ScreenArea {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The xterm's window on the desktop (where typed characters are echoed). */
export function xtermArea(server: RdpTestServer): ScreenArea {
  return areaOf(server, probeXterm(server));
}

/**
 * The desktop's own xterm, found by its class before the dragged one exists: its title does
 * not do (on xrdp the user's shell retitles it `user@host: ~`).
 */
function probeXterm(server: RdpTestServer): string {
  const id = server.onDisplay('xdotool', ['search', '--class', 'xterm']).trim().split('\n')[0];
  if (!id) throw new Error(`no xterm on the ${server.kind} desktop`);
  return id;
}

function windowArea(server: RdpTestServer, title: string): ScreenArea {
  return areaOf(server, server.onDisplay('xdotool', ['search', '--name', title]).trim().split('\n')[0]!);
}

function areaOf(server: RdpTestServer, id: string): ScreenArea {
  const shell = server.onDisplay('xdotool', ['getwindowgeometry', '--shell', id]);
  const v = (k: string) => Number(new RegExp(`^${k}=(\\d+)$`, 'm').exec(shell)?.[1] ?? NaN);
  return { x: v('X'), y: v('Y'), width: v('WIDTH'), height: v('HEIGHT') };
}

export function intersects(a: ScreenArea, r: { left: number; top: number; right: number; bottom: number }) {
  return r.left < a.x + a.width && r.right >= a.x && r.top < a.y + a.height && r.bottom >= a.y;
}

/**
 * Opens a second xterm full of text (a directory listing, 80×10) and drags it back and forth
 * across the desktop BELOW the probe xterm, about 20 moves a second (each move is one xdotool
 * call), until `stop()`: every move repaints the window at its new place and what it uncovered,
 * and none of it touches the probe xterm, so an update over that one is the echo of a typed key.
 */
export async function startWindowDrag(
  server: RdpTestServer,
  below: number,
  desktopWidth: number,
  desktopHeight: number,
) {
  const top = below + 20;
  const window = spawnOnDisplay(server, 'xterm', [
    '-geometry',
    `80x10+0+${top}`,
    '-title',
    'custody-drag',
    '-e',
    'sh',
    '-c',
    'ls -l /usr/bin; exec sleep 3600',
  ]);
  const children: ChildProcess[] = [window];
  const stop = async () => {
    for (const child of children) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // Its own process group (ours, started here): the program under runuser goes too.
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    }
  };
  try {
    await eventually(() => {
      try {
        return server.onDisplay('xdotool', ['search', '--name', 'custody-drag']).trim() !== '';
      } catch {
        return false;
      }
    }, 'the window to drag on the test desktop');
  } catch (e) {
    await stop();
    throw e;
  }
  const { height } = windowArea(server, 'custody-drag');
  const span = Math.max(1, desktopHeight - height - top);
  const across = Math.max(1, desktopWidth - 500);
  const script = [
    'W=$(xdotool search --name custody-drag | head -1)',
    'i=0',
    'while :; do',
    `  x=$(( (i * 14) % (2 * ${across}) )); [ $x -gt ${across} ] && x=$(( 2 * ${across} - x ))`,
    `  y=$(( ${top} + (i * 5) % ${span} ))`,
    // Ends with the desktop, should the benchmark die before stopping it.
    '  xdotool windowmove "$W" "$x" "$y" || exit 0',
    '  i=$((i + 1))',
    '  sleep 0.02',
    'done',
  ].join('\n');
  children.unshift(spawnOnDisplay(server, 'bash', ['-c', script]));
  return { stop };
}

/**
 * A long-running program on the server's desktop, in a process group of its own. FreeRDP's
 * shadow desktop belongs to root; an xrdp desktop to its user, whose X authority only the user
 * holds, so it runs as the user there (as `onDisplay` does).
 */
function spawnOnDisplay(server: RdpTestServer, cmd: string, args: string[]): ChildProcess {
  const display = server.display();
  if (!display) throw new Error(`the ${server.kind} desktop has no display yet`);
  const [file, argv] =
    server.kind === 'xrdp'
      ? [
          'runuser',
          [
            '-u',
            server.user.name,
            '--',
            'env',
            `DISPLAY=${display}`,
            `HOME=${server.user.home}`,
            cmd,
            ...args,
          ],
        ]
      : [cmd, args];
  return spawn(file, argv, {
    env: { ...process.env, DISPLAY: display },
    stdio: 'ignore',
    cwd: '/tmp',
    detached: true,
  });
}

/** Puts the xterm at the top left at 80×24 characters' size, so every desktop leaves room below it. */
export function placeXterm(server: RdpTestServer): void {
  const id = probeXterm(server);
  server.onDisplay('xdotool', ['windowsize', id, '484', '316', 'windowmove', id, '40', '40']);
}

/**
 * FreeRDP's shadow server process (found by its port and address on the command line: other
 * runs may have one on the same port in another namespace), for its CPU; undefined for xrdp,
 * whose work is split between xrdp and the user's Xorg.
 */
export function serverPid(server: RdpTestServer): number | undefined {
  if (server.kind !== 'freerdp-shadow') return undefined;
  try {
    const out = execFileSync(
      'pgrep',
      ['-f', `^/usr/bin/freerdp-shadow-cli /port:${server.port} /bind-address:${server.host} `],
      { encoding: 'utf8' },
    );
    const pid = Number(out.trim().split('\n')[0]);
    return Number.isInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export { cpuSecondsOf };
