/**
 * Every key binding of the console, in one table (the help overlay is generated from it). A screen
 * asks `commandOf(scope, input, key)`; nothing else compares raw keys.
 */
export enum Command {
  Quit = 'quit',
  Help = 'help',
  NextTab = 'next-tab',
  PrevTab = 'prev-tab',
  Up = 'up',
  Down = 'down',
  PageUp = 'page-up',
  PageDown = 'page-down',
  Home = 'home',
  End = 'end',
  Open = 'open',
  Back = 'back',
  NextView = 'next-view',
  PrevView = 'prev-view',
  Refresh = 'refresh',
  Launch = 'launch',
  Reveal = 'reveal',
  Copy = 'copy',
  Favourite = 'favourite',
  Request = 'request',
  Checkout = 'checkout',
  Checkin = 'checkin',
  Approve = 'approve',
  Reject = 'reject',
  ForceCheckin = 'force-checkin',
  Shadow = 'shadow',
  Terminate = 'terminate',
  Replay = 'replay',
  Filter = 'filter',
  PlayPause = 'play-pause',
  Faster = 'faster',
  Slower = 'slower',
  SeekBack = 'seek-back',
  SeekForward = 'seek-forward',
  SeekBackMinute = 'seek-back-minute',
  SeekForwardMinute = 'seek-forward-minute',
  SkipIdle = 'skip-idle',
  Search = 'search',
  NextMarker = 'next-marker',
  PreviousMarker = 'previous-marker',
  Markers = 'markers',
  WebLink = 'web-link',
}

/** Where a binding applies. `global` works everywhere; `keys` scopes only where letters are commands. */
export type Scope =
  'global' | 'list' | 'keys' | 'explorer' | 'detail' | 'access' | 'inbox' | 'live' | 'recordings' | 'player';

/** The subset of Ink's key object the table reads. */
export interface KeyState {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  tab?: boolean;
  shift?: boolean;
  ctrl?: boolean;
  backspace?: boolean;
  delete?: boolean;
}

type KeyName = keyof KeyState;

interface Binding {
  command: Command;
  scope: Scope;
  /** What the help overlay shows. */
  label: string;
  help: string;
  /** A printable key (exact input), or a named key, optionally with ctrl/shift. */
  char?: string;
  key?: KeyName;
  ctrl?: boolean;
  shift?: boolean;
}

export const BINDINGS: readonly Binding[] = [
  {
    command: Command.Quit,
    scope: 'global',
    label: 'Ctrl-C',
    help: 'leave the console',
    char: 'c',
    ctrl: true,
  },
  { command: Command.Quit, scope: 'keys', label: 'q', help: 'leave the console', char: 'q' },
  // '?' is help everywhere except while text is being typed (a search under way, a prompt).
  { command: Command.Help, scope: 'global', label: '?', help: 'this help', char: '?' },
  { command: Command.NextTab, scope: 'global', label: 'Tab', help: 'next screen', key: 'tab' },
  {
    command: Command.PrevTab,
    scope: 'global',
    label: 'Shift-Tab',
    help: 'previous screen',
    key: 'tab',
    shift: true,
  },
  { command: Command.Up, scope: 'list', label: '↑', help: 'move up', key: 'upArrow' },
  { command: Command.Down, scope: 'list', label: '↓', help: 'move down', key: 'downArrow' },
  { command: Command.PageUp, scope: 'list', label: 'PgUp', help: 'page up', key: 'pageUp' },
  { command: Command.PageDown, scope: 'list', label: 'PgDn', help: 'page down', key: 'pageDown' },
  { command: Command.Home, scope: 'list', label: 'Home', help: 'first row', key: 'home' },
  { command: Command.End, scope: 'list', label: 'End', help: 'last row', key: 'end' },
  { command: Command.Open, scope: 'list', label: 'Enter', help: 'open the selected row', key: 'return' },
  { command: Command.Back, scope: 'global', label: 'Esc', help: 'back / clear the search', key: 'escape' },
  {
    command: Command.NextView,
    scope: 'explorer',
    label: '→',
    help: 'next view (Favourites, All, Recent, Groups)',
    key: 'rightArrow',
  },
  { command: Command.PrevView, scope: 'explorer', label: '←', help: 'previous view', key: 'leftArrow' },
  { command: Command.Refresh, scope: 'global', label: 'Ctrl-R', help: 'refresh', char: 'r', ctrl: true },
  {
    command: Command.Favourite,
    scope: 'explorer',
    label: 'Ctrl-F',
    help: 'add to / remove from favourites',
    char: 'f',
    ctrl: true,
  },
  {
    command: Command.Launch,
    scope: 'explorer',
    label: 'Ctrl-O',
    help: 'connect to the selected account',
    char: 'o',
    ctrl: true,
  },
  {
    command: Command.Launch,
    scope: 'detail',
    label: 'c',
    help: 'connect (SSH / Telnet in place; RDP: a one-time browser link)',
    char: 'c',
  },
  {
    command: Command.Reveal,
    scope: 'detail',
    label: 'r',
    help: 'reveal the password (hidden again after a while)',
    char: 'r',
  },
  {
    command: Command.Copy,
    scope: 'detail',
    label: 'y',
    help: 'copy the password to your clipboard (OSC 52)',
    char: 'y',
  },
  {
    command: Command.Favourite,
    scope: 'detail',
    label: 'f',
    help: 'add to / remove from favourites',
    char: 'f',
  },
  {
    command: Command.Request,
    scope: 'detail',
    label: 'a',
    help: 'request access (with a reason)',
    char: 'a',
  },
  { command: Command.Checkout, scope: 'detail', label: 'o', help: 'check out', char: 'o' },
  { command: Command.Checkin, scope: 'detail', label: 'i', help: 'check in', char: 'i' },
  {
    command: Command.Checkout,
    scope: 'access',
    label: 'o',
    help: 'check out the selected request',
    char: 'o',
  },
  { command: Command.Checkin, scope: 'access', label: 'i', help: 'check in the selected request', char: 'i' },
  { command: Command.Approve, scope: 'inbox', label: 'a', help: 'approve the selected request', char: 'a' },
  { command: Command.Reject, scope: 'inbox', label: 'x', help: 'reject the selected request', char: 'x' },
  { command: Command.ForceCheckin, scope: 'inbox', label: 'F', help: 'force check-in', char: 'F' },
  {
    command: Command.Shadow,
    scope: 'live',
    label: 's',
    help: 'shadow the session (read-only; Ctrl-] leaves)',
    char: 's',
  },
  {
    command: Command.Terminate,
    scope: 'live',
    label: 'k',
    help: 'terminate the session (asks for a reason)',
    char: 'k',
  },
  {
    command: Command.WebLink,
    scope: 'live',
    label: 'w',
    help: 'a one-time link to watch the session in a browser (60 s, one use)',
    char: 'w',
  },
  {
    command: Command.Replay,
    scope: 'recordings',
    label: 'Enter',
    help: 'replay the recording',
    key: 'return',
  },
  {
    command: Command.Filter,
    scope: 'recordings',
    label: '/',
    help: 'filter by resource, user or time',
    char: '/',
  },
  {
    command: Command.Search,
    scope: 'recordings',
    label: 's',
    help: 'search what sessions showed and typed (Enter on a hit replays from it)',
    char: 's',
  },
  {
    command: Command.WebLink,
    scope: 'recordings',
    label: 'w',
    help: 'a one-time link to replay the recording in a browser (60 s, one use)',
    char: 'w',
  },
  { command: Command.Filter, scope: 'keys', label: '/', help: 'filter', char: '/' },
  { command: Command.PlayPause, scope: 'player', label: 'Space', help: 'play / pause', char: ' ' },
  { command: Command.Faster, scope: 'player', label: '+', help: 'faster (up to 8×)', char: '+' },
  { command: Command.Slower, scope: 'player', label: '-', help: 'slower (down to 0.5×)', char: '-' },
  { command: Command.SeekBack, scope: 'player', label: '←', help: 'back 10 s', key: 'leftArrow' },
  { command: Command.SeekForward, scope: 'player', label: '→', help: 'forward 10 s', key: 'rightArrow' },
  { command: Command.SeekBackMinute, scope: 'player', label: '↓', help: 'back 1 min', key: 'downArrow' },
  { command: Command.SeekForwardMinute, scope: 'player', label: '↑', help: 'forward 1 min', key: 'upArrow' },
  { command: Command.SkipIdle, scope: 'player', label: 'i', help: 'skip idle time on/off', char: 'i' },
  { command: Command.NextMarker, scope: 'player', label: ']', help: 'jump to the next marker', char: ']' },
  {
    command: Command.PreviousMarker,
    scope: 'player',
    label: '[',
    help: 'jump to the previous marker',
    char: '[',
  },
  {
    command: Command.Markers,
    scope: 'player',
    label: 'm',
    help: 'show / hide the list of markers',
    char: 'm',
  },
];

/** The command bound to this key in the first of `scopes` that has one (ctrl/shift must match). */
export function commandOf(scopes: readonly Scope[], input: string, key: KeyState): Command | undefined {
  for (const scope of scopes) {
    for (const b of BINDINGS) {
      if (b.scope !== scope) continue;
      if (!!b.ctrl !== !!key.ctrl) continue;
      if (b.key) {
        if (!key[b.key] || !!b.shift !== !!key.shift) continue;
        return b.command;
      }
      if (b.char !== undefined && input === b.char) return b.command;
    }
  }
  return undefined;
}

/** Help rows for the scopes in view, without repeats. */
export function helpRows(scopes: readonly Scope[]): { label: string; help: string }[] {
  const seen = new Set<string>();
  const out: { label: string; help: string }[] = [];
  for (const scope of scopes)
    for (const b of BINDINGS)
      if (b.scope === scope && !seen.has(b.label + b.help)) {
        seen.add(b.label + b.help);
        out.push({ label: b.label, help: b.help });
      }
  return out;
}
