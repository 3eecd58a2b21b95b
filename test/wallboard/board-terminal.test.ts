// The board drawn into a real terminal emulator (xterm headless) through the same ConsoleTerminal
// contract the gateway uses, on manual timers: it lays itself out at 80×24 and larger, redraws
// on resize, bounds an absurd size, honours NO_COLOR, ignores every key but quit and focus, and
// audits its opening and closing.
import { EventEmitter } from 'node:events';
import headless from '@xterm/headless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ManualTimers,
  MAX_TERMINAL_COLS,
  MAX_TERMINAL_ROWS,
  type Actor,
  type ConsoleTerminal,
} from '../../core/index.ts';
import { startWallboard } from '../../wallboard/index.ts';
import { BoardScreen } from '../../wallboard/board-screen.ts';
import { registerFake } from '../support/live.ts';
import { createTestVault, type TestVault } from '../support/vault.ts';

const { Terminal } = headless;

/** SGR foreground/background colours: 30–37, 40–47, 90–97, 38;5;N / 48;5;N. */
const COLOUR_SGR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*(?:3[0-7]|4[0-7]|9[0-7]|[34]8;5;\\d+)m`);

function boardTerminal(cols: number, rows: number, noColor = false) {
  const events = new EventEmitter();
  const xterm = new Terminal({ cols, rows, allowProposedApi: true });
  let raw = '';
  let size = { cols, rows };
  const terminal: ConsoleTerminal = {
    cols,
    rows,
    noColor,
    write: (d) => {
      const s = typeof d === 'string' ? d : d.toString('utf8');
      raw += s;
      xterm.write(s);
    },
    onData: (cb) => (events.on('data', cb), () => events.off('data', cb)),
    onResize: (cb) => (events.on('resize', cb), () => events.off('resize', cb)),
    onEnd: (cb) => (events.on('end', cb), () => events.off('end', cb)),
  };
  return {
    terminal,
    raw: () => raw,
    clearRaw: () => (raw = ''),
    size: () => size,
    async screen(): Promise<string> {
      // blessed writes on the next tick, xterm parses asynchronously: let both finish.
      await new Promise((r) => setImmediate(r));
      await new Promise<void>((r) => xterm.write('', r));
      const b = xterm.buffer.active;
      const lines: string[] = [];
      for (let i = 0; i < xterm.rows; i++) lines.push(b.getLine(i)?.translateToString(true) ?? '');
      return lines.join('\n');
    },
    send: (s: string) => events.emit('data', Buffer.from(s, 'latin1')),
    resize(c: number, r: number) {
      size = { cols: Math.min(c, MAX_TERMINAL_COLS), rows: Math.min(r, MAX_TERMINAL_ROWS) };
      xterm.resize(size.cols, size.rows);
      events.emit('resize', c, r);
    },
    end: () => events.emit('end'),
  };
}

describe('the wallboard in a terminal emulator', () => {
  let v: TestVault;
  let auditor: Actor;
  const timers = new ManualTimers(new Date());

  beforeAll(async () => {
    v = await createTestVault({ clock: timers });
    auditor = await v.addUser('audrey', 'auditor');
    await registerFake(v.core.system.liveRegistry, {
      id: 's-1',
      user: 'alice',
      target: 'web01/root',
      protocol: 'ssh',
      node: 'node-1',
      startedAt: new Date(timers.now().getTime() - 3_723_000).toISOString(),
    });
  });
  afterAll(async () => v?.close());

  async function open(cols: number, rows: number, noColor = false) {
    const t = boardTerminal(cols, rows, noColor);
    const exit = startWallboard({ core: v.core, actor: auditor, source: 'test' }, t.terminal, {
      timers,
      refreshMs: 5_000,
    });
    for (let i = 0; i < 50 && !(await t.screen()).includes('alice'); i++)
      await new Promise((r) => setTimeout(r, 20));
    return { ...t, exit };
  }

  it('at 80×24 every panel is on screen, with the session and its duration', async () => {
    const b = await open(80, 24);
    const s = await b.screen();
    for (const title of [
      'Live sessions',
      'Approvals',
      'Sessions / min',
      'Recording disk',
      'Last 24 h',
      'Nodes',
      'Audit tail',
    ])
      expect(s, title).toContain(title);
    expect(s).toMatch(/alice → web01\/root\s+ssh\s+node-1\s+01:02:03/);
    expect(s).toContain('single node: no cluster');
    // Durations move with the clock.
    timers.advance(5_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(await b.screen()).toMatch(/01:02:08/);
    b.end();
    expect(await b.exit).toBe(0);
  });

  it('redraws on resize, and bounds a size no screen has', async () => {
    const b = await open(80, 24);
    b.resize(160, 50);
    const wide = await b.screen();
    expect(wide.split('\n')[0]!.trimEnd().length).toBeGreaterThan(150);
    b.resize(100_000, 100_000);
    const huge = await b.screen();
    expect(huge.split('\n')[0]!.trimEnd().length).toBeLessThanOrEqual(MAX_TERMINAL_COLS);
    expect(huge).toContain('Audit tail');
    b.end();
    await b.exit;
  });

  it('asks a terminal smaller than 80×24 to grow, and lays out the panels once it has', async () => {
    const t = boardTerminal(60, 20);
    const exit = startWallboard({ core: v.core, actor: auditor, source: 'test' }, t.terminal, {
      timers,
      refreshMs: 5_000,
    });
    let s = '';
    for (let i = 0; i < 50 && !s.includes('needs at least'); i++) {
      await new Promise((r) => setTimeout(r, 20));
      s = await t.screen();
    }
    expect(s).toMatch(/The wallboard needs at least 80×24 \(this terminal is\s+60×20\)/);
    expect(s).not.toContain('Live sessions');
    t.resize(80, 24);
    s = await t.screen();
    expect(s).toContain('Live sessions');
    expect(s).toMatch(/alice → web01\/root/);
    t.end();
    await exit;
  });

  it('a failed read is one line over the board until the next good read', async () => {
    const t = boardTerminal(80, 24);
    const screen = new BoardScreen(t.terminal, false);
    const s = await v.core.as(auditor).board.snapshot();
    screen.draw(s);
    screen.problem('the board could not be read: storage unreachable');
    expect(await t.screen()).toContain('the board could not be read: storage unreachable');
    screen.draw(s);
    const after = await t.screen();
    expect(after).not.toContain('could not be read');
    expect(after).toContain('Live sessions');
    screen.destroy();
  });

  it('NO_COLOR draws without colours; otherwise the borders are coloured', async () => {
    const plain = await open(80, 24, true);
    expect(plain.raw()).not.toMatch(COLOUR_SGR);
    plain.end();
    await plain.exit;
    const coloured = await open(80, 24, false);
    expect(coloured.raw()).toMatch(COLOUR_SGR);
    coloured.end();
    await coloured.exit;
  });

  it('keys other than quit and focus change nothing; Tab moves the focus; q quits and is audited', async () => {
    const b = await open(80, 24);
    const before = await b.screen();
    b.send('x\r\x1b[A\x1b[Bt');
    expect(await b.screen()).toBe(before);
    b.send('\t');
    expect(await b.screen()).toContain('» Approvals');
    b.send('\x1b[Z');
    expect(await b.screen()).toContain('» Live sessions');
    b.send('q');
    expect(await b.exit).toBe(0);
    const rows = await v.core.audit.query(v.host, { type: 'wallboard.' });
    expect(rows.map((r) => r.type)).toEqual(expect.arrayContaining(['wallboard.open', 'wallboard.close']));
    expect(rows.every((r) => r.actor === 'audrey')).toBe(true);
  });

  it('refuses a password user with one line and audits the refusal', async () => {
    const alice = await v.addUser('alicia', 'password-user');
    const t = boardTerminal(80, 24);
    const code = await startWallboard({ core: v.core, actor: alice, source: 'test' }, t.terminal, { timers });
    expect(code).toBe(1);
    expect(t.raw()).toBe('custody: the wallboard is for auditors and administrators\r\n');
    const denied = await v.core.audit.query(v.host, { type: 'authz.denied', actor: 'alicia' });
    expect(denied).toHaveLength(1);
  });
});
