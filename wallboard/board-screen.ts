// The board's blessed screen over an SSH channel (or any ConsoleTerminal): the panels, their
// layout for the terminal's size, and drawing a snapshot. blessed never sees the client's keys
// (board-keys.ts reads them), so no widget can act on input: the board is read-only by build.
// blessed binds process-wide handlers (uncaughtException, SIGINT/SIGTERM/SIGQUIT) while a screen
// exists; each only acts when it is the process's sole listener, and the server registers its
// own signal handlers, so a board never decides when the node stops.
import { PassThrough, Writable } from 'node:stream';
import blessed from 'blessed';
import contrib from 'blessed-contrib';
import { clampTerminalSize, type BoardSnapshot, type ConsoleTerminal } from '../core/index.ts';
import {
  auditLines,
  chartSeries,
  diskLines,
  liveLines,
  nodeLines,
  overnightLines,
  requestLines,
} from './format.ts';

/** The smallest terminal the layout is drawn for; a smaller one is asked to grow instead. */
export const MIN_COLS = 80;
export const MIN_ROWS = 24;

export const PANELS = ['live', 'requests', 'chart', 'disk', 'overnight', 'nodes', 'audit'] as const;
export type PanelName = (typeof PANELS)[number];

const TITLES: Record<PanelName, string> = {
  live: 'Live sessions',
  requests: 'Approvals and check-outs',
  chart: 'Sessions / min (last hour)',
  disk: 'Recording disk',
  overnight: 'Last 24 h: resets, verifications',
  nodes: 'Nodes',
  audit: 'Audit tail',
};

/** Where each panel sits, in rows and columns of a 12×12 grid (the research sketch's layout). */
const GRID: Record<PanelName, { row: number; col: number; rows: number; cols: number }> = {
  live: { row: 0, col: 0, rows: 5, cols: 7 },
  requests: { row: 0, col: 7, rows: 5, cols: 5 },
  chart: { row: 5, col: 0, rows: 4, cols: 6 },
  disk: { row: 5, col: 6, rows: 2, cols: 6 },
  overnight: { row: 7, col: 6, rows: 2, cols: 6 },
  nodes: { row: 9, col: 0, rows: 3, cols: 4 },
  audit: { row: 9, col: 4, rows: 3, cols: 8 },
};

type Output = Writable & { isTTY: boolean; columns: number; rows: number };
type Widget = blessed.Widgets.BoxElement;

export class BoardScreen {
  readonly #output: Output;
  readonly #input = new PassThrough();
  readonly #screen: blessed.Widgets.Screen;
  #panels = new Map<PanelName, Widget>();
  #chart: contrib.Widgets.LineElement | undefined;
  #problem: Widget | undefined;
  /** Shown instead of the panels on a terminal smaller than MIN_COLS × MIN_ROWS. */
  #tooSmall: Widget | undefined;
  #focus = 0;
  #last: BoardSnapshot | undefined;

  constructor(
    terminal: ConsoleTerminal,
    private readonly noColor: boolean,
  ) {
    const size = clampTerminalSize(terminal.cols, terminal.rows);
    const output = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        terminal.write(chunk);
        done();
      },
    }) as Output;
    output.isTTY = true;
    output.columns = size.cols;
    output.rows = size.rows;
    this.#output = output;
    this.#screen = blessed.screen({
      input: this.#input,
      output,
      terminal: 'xterm-256color',
      // The board's own size handling (resize below); blessed's would read a real tty.
      resizeTimeout: 0,
      warnings: false,
      fullUnicode: true,
      autoPadding: true,
    } as unknown as blessed.Widgets.IScreenOptions);
    this.#layout();
  }

  get focused(): PanelName {
    return PANELS[this.#focus]!;
  }

  /** A new size from the client (already bounded by the gateway, bounded again here). */
  resize(cols: number, rows: number): void {
    const size = clampTerminalSize(cols, rows);
    this.#output.columns = size.cols;
    this.#output.rows = size.rows;
    this.#output.emit('resize');
    // The chart's canvas is sized when it is attached: rebuild the panels for the new size.
    this.#layout();
    if (this.#last) this.draw(this.#last);
  }

  focusNext(step: 1 | -1): void {
    this.#focus = (this.#focus + step + PANELS.length) % PANELS.length;
    this.#labels();
    this.#screen.render();
  }

  /** A read failed: one line over the top until the next good read (the last data stays shown). */
  problem(text: string): void {
    this.#problem?.destroy();
    this.#problem = blessed.box({
      parent: this.#screen,
      top: 0,
      left: 1,
      width: Math.min(this.#output.columns - 2, text.length + 2),
      height: 1,
      content: ` ${text} `,
      style: { fg: this.#colour('black'), bg: this.#colour('red') },
    });
    this.#screen.render();
  }

  draw(s: BoardSnapshot): void {
    this.#problem?.destroy();
    this.#problem = undefined;
    this.#last = s;
    const inner = (p: PanelName) => Math.max(1, Number(this.#panels.get(p)?.width ?? 10) - 2);
    const innerRows = (p: PanelName) => Math.max(1, Number(this.#panels.get(p)?.height ?? 3) - 2);
    this.#set('live', liveLines(s, inner('live')));
    this.#set('requests', requestLines(s, inner('requests')));
    this.#set('disk', diskLines(s));
    this.#set('overnight', overnightLines(s));
    this.#set('nodes', nodeLines(s, inner('nodes')));
    this.#set('audit', auditLines(s, inner('audit'), innerRows('audit')));
    const series = chartSeries(s);
    const total = series.y.reduce((a, b) => a + b, 0);
    const chart = this.#chart;
    if (chart) {
      // blessed-contrib divides by the highest value: an hour of zeros still needs a scale.
      (chart as unknown as { options: { maxY: number } }).options.maxY = Math.max(4, ...series.y) + 1;
      chart.setData([{ title: 'starts', x: series.x, y: series.y, style: { line: this.#colour('cyan') } }]);
      chart.setLabel(` ${this.#marker('chart')}${TITLES.chart}: ${total} `);
    }
    this.#screen.render();
  }

  destroy(): void {
    this.#screen.destroy();
    this.#input.destroy();
  }

  #set(p: PanelName, lines: string[]): void {
    this.#panels.get(p)?.setContent(lines.join('\n'));
  }

  #colour(c: string): string {
    return this.noColor ? 'default' : c;
  }

  #marker(p: PanelName): string {
    return this.focused === p ? '» ' : '';
  }

  #labels(): void {
    for (const [name, w] of this.#panels) {
      if (name === 'chart') continue;
      w.setLabel(` ${this.#marker(name)}${TITLES[name]} `);
      w.style.border = { fg: this.#colour(this.focused === name ? 'yellow' : 'blue') };
    }
    if (this.#chart) {
      const total = this.#last ? this.#last.startsPerMinute.reduce((a, b) => a + b, 0) : 0;
      this.#chart.setLabel(` ${this.#marker('chart')}${TITLES.chart}: ${total} `);
      (this.#chart as unknown as Widget).style.border = {
        fg: this.#colour(this.focused === 'chart' ? 'yellow' : 'blue'),
      };
    }
  }

  #layout(): void {
    for (const w of this.#panels.values()) w.destroy();
    this.#panels = new Map();
    this.#chart = undefined;
    this.#tooSmall?.destroy();
    this.#tooSmall = undefined;
    const cols = this.#output.columns;
    const rows = this.#output.rows;
    if (cols < MIN_COLS || rows < MIN_ROWS) {
      // Seven panels in less than 80×24 would each show a word or two: say what is needed instead.
      this.#tooSmall = blessed.box({
        parent: this.#screen,
        top: 0,
        left: 0,
        width: cols,
        height: rows,
        content: `The wallboard needs at least ${MIN_COLS}×${MIN_ROWS} (this terminal is ${cols}×${rows}). q quits.`,
        wrap: true,
      });
      return;
    }
    const at = (p: PanelName) => {
      const g = GRID[p];
      const left = Math.floor((g.col * cols) / 12);
      const top = Math.floor((g.row * rows) / 12);
      return {
        left,
        top,
        width: Math.floor(((g.col + g.cols) * cols) / 12) - left,
        height: Math.floor(((g.row + g.rows) * rows) / 12) - top,
      };
    };
    const style = { fg: this.#colour('white'), border: { fg: this.#colour('blue') } };
    for (const p of PANELS) {
      if (p === 'chart') continue;
      const w = blessed.box({
        parent: this.#screen,
        ...at(p),
        border: { type: 'line' },
        label: ` ${TITLES[p]} `,
        tags: false,
        wrap: false,
        style,
      });
      this.#panels.set(p, w);
    }
    this.#chart = contrib.line({
      ...at('chart'),
      border: { type: 'line' },
      label: ` ${TITLES.chart} `,
      showNthLabel: 15,
      wholeNumbersOnly: true,
      xLabelPadding: 3,
      xPadding: 5,
      numYLabels: 3,
      style: { line: this.#colour('cyan'), text: this.#colour('white'), baseline: this.#colour('white') },
    } as unknown as contrib.Widgets.LineOptions);
    this.#screen.append(this.#chart as unknown as blessed.Widgets.Node);
    this.#panels.set('chart', this.#chart as unknown as Widget);
    this.#labels();
  }
}
