import { Box, Text, useStdout } from 'ink';
import React, { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  printable,
  WEB_LINK_TTL_MS,
  type ConsoleSession,
  type ConsoleTerminal,
  type Operation,
} from '../core/index.ts';
import {
  ConsoleProvider,
  NavigationProvider,
  type ConsoleSettings,
  type ConsoleState,
  type ConsoleTimers,
  type Flash,
  type Route,
} from './console-context.tsx';
import { HelpOverlay } from './components/help-overlay.tsx';
import { makeWebLink, WEB_LINK_ROWS, WebLinkPanel, type ShownLink } from './components/web-link.tsx';
import { Command, commandOf, type Scope } from './keys.ts';
import { AccessScreen } from './screens/access.tsx';
import { AccountDetailScreen } from './screens/account-detail.tsx';
import { AdminScreen } from './screens/admin.tsx';
import { AuditScreen } from './screens/audit.tsx';
import { ExplorerScreen } from './screens/explorer.tsx';
import { LiveSessionsScreen } from './screens/live-sessions.tsx';
import { PlayerScreen } from './screens/player.tsx';
import { RecordingsScreen } from './screens/recordings.tsx';
import type { Theme } from './theme.ts';
import { useKeys } from './components/use-keys.ts';

/** The console's screens, in Tab order, each shown only to roles whose core operation allows it. */
const TABS: { name: string; op: Operation; scopes: Scope[] }[] = [
  { name: 'Passwords', op: 'account.view', scopes: ['explorer', 'list'] },
  { name: 'Access', op: 'access.list', scopes: ['access', 'inbox', 'list', 'keys'] },
  { name: 'Live', op: 'session.list-live', scopes: ['live', 'list', 'keys'] },
  { name: 'Recordings', op: 'recording.list', scopes: ['recordings', 'list', 'keys'] },
  { name: 'Audit', op: 'audit.read', scopes: ['list', 'keys'] },
  { name: 'Admin', op: 'user.list', scopes: ['list', 'keys'] },
];

const ROUTE_SCOPES: Record<Route['screen'], Scope[]> = {
  detail: ['detail', 'keys'],
  player: ['player', 'keys'],
};

export interface AppProps {
  session: ConsoleSession;
  theme: Theme;
  timers: ConsoleTimers;
  settings: ConsoleSettings;
  aside<T>(fn: (terminal: ConsoleTerminal) => Promise<T>): Promise<T>;
  writeRaw(data: string): void;
  onQuit(): void;
}

/** The frame: title and screen tabs, the current screen, a status line; global keys only. */
export function App(props: AppProps) {
  const { stdout } = useStdout();
  const [size, setSize] = useState({ cols: stdout.columns, rows: stdout.rows });
  const [tab, setTab] = useState(0);
  const [routes, setRoutes] = useState<Route[]>([]);
  const [help, setHelp] = useState(false);
  const helpOpen = useRef(false);
  const promptOpening = useRef(false);
  const [flash, setFlash] = useState<Flash | null>(null);
  const [typing, setTypingState] = useState<boolean | 'search'>(false);
  const [asideActive, setAsideActive] = useState(false);
  const flashTimer = useRef<unknown>(undefined);
  const { session, timers } = props;

  useEffect(() => {
    const onResize = () => setSize({ cols: stdout.columns, rows: stdout.rows });
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout]);

  // The only place the console touches the core itself: from here on it acts as the operator.
  const me = useMemo(() => session.core.as(session.actor), [session]);
  const tabs = useMemo(() => TABS.filter((t) => me.can(t.op)), [me]);

  const showFlash = useCallback(
    (text: string, kind: Flash['kind'] = 'info') => {
      setFlash({ text, kind });
      timers.clearTimeout(flashTimer.current);
      // A refusal stays until the operator presses a key; other messages fade after 8 s.
      if (kind !== 'error') flashTimer.current = timers.setTimeout(() => setFlash(null), 8000);
    },
    [timers],
  );
  const [link, setLink] = useState<ShownLink | null>(null);
  const linkTimer = useRef<unknown>(undefined);
  useEffect(() => () => timers.clearTimeout(linkTimer.current), [timers]);
  const showWebLink = useCallback(
    async (landingPath: string, what: string) => {
      const url = await makeWebLink({ session, me, flash: showFlash }, landingPath);
      if (!url) return;
      timers.clearTimeout(linkTimer.current);
      setLink({ url, what });
      // Past its validity the link is of no use: it leaves the screen when it expires.
      linkTimer.current = timers.setTimeout(() => setLink(null), WEB_LINK_TTL_MS);
    },
    [session, me, showFlash, timers],
  );
  const setTyping = useCallback((on: boolean | 'search') => setTypingState(on), []);
  const dropRefusal = useCallback(() => setFlash((f) => (f?.kind === 'error' ? null : f)), []);
  const aside = useCallback(
    async <T,>(fn: (terminal: ConsoleTerminal) => Promise<T>): Promise<T> => {
      setAsideActive(true);
      try {
        return await props.aside(fn);
      } finally {
        setAsideActive(false);
      }
    },
    [props.aside],
  );

  const state: ConsoleState = useMemo(
    () => ({
      session,
      me,
      theme: props.theme,
      timers,
      settings: props.settings,
      cols: size.cols,
      rows: size.rows,
      aside,
      writeRaw: props.writeRaw,
      flash: showFlash,
      showWebLink,
      setTyping,
      promptOpening,
    }),
    [
      session,
      me,
      props.theme,
      timers,
      props.settings,
      size,
      aside,
      props.writeRaw,
      showFlash,
      showWebLink,
      setTyping,
    ],
  );
  const nav = useMemo(
    () => ({
      open: (r: Route) => setRoutes((rs) => [...rs, r]),
      back: () => setRoutes((rs) => rs.slice(0, -1)),
    }),
    [],
  );

  const route = routes[routes.length - 1];
  const current = tabs[Math.min(tab, tabs.length - 1)];
  const scopes: Scope[] = route ? ROUTE_SCOPES[route.screen] : (current?.scopes ?? []);
  const lettersAreCommands = !typing && scopes.includes('keys');

  useKeys(
    (input, key) => {
      // A ref, not the drawn state: '?' and the next key may arrive before the help is drawn.
      if (helpOpen.current) {
        helpOpen.current = false;
        return setHelp(false);
      }
      const cmd = commandOf(lettersAreCommands ? ['global', 'keys'] : ['global'], input, key);
      const tabKey = cmd === Command.NextTab || cmd === Command.PrevTab;
      if (typing === 'search' && tabKey && !promptOpening.current && !route && tabs.length) {
        // Tab is no text: it moves screens while the search line has text too.
        return setTab((t) => (t + (cmd === Command.NextTab ? 1 : tabs.length - 1)) % tabs.length);
      }
      if (typing || promptOpening.current) {
        // Letters are text while a prompt is open or opening; only Ctrl-C still leaves.
        if (cmd === Command.Quit && key.ctrl) props.onQuit();
        return;
      }
      if (cmd === Command.Quit) return props.onQuit();
      if (cmd === Command.Help) {
        helpOpen.current = true;
        return setHelp(true);
      }
      if ((cmd === Command.NextTab || cmd === Command.PrevTab) && !route && tabs.length) {
        setTab((t) => (t + (cmd === Command.NextTab ? 1 : tabs.length - 1)) % tabs.length);
      }
    },
    { isActive: !asideActive },
  );

  const cols = size.cols;
  const rows = size.rows;
  // A one-time link, while shown, takes its rows from the screen above it.
  const bodyHeight = Math.max(1, rows - 2 - (link ? WEB_LINK_ROWS : 0));
  const active = !help && !asideActive;
  // The tab's screen stays mounted under a pushed screen (detail, player), so going back finds
  // its search, filter and cursor as they were.
  const tabActive = active && !route;
  let tabScreen: React.ReactNode;
  if (current?.name === 'Passwords') tabScreen = <ExplorerScreen height={bodyHeight} active={tabActive} />;
  else if (current?.name === 'Access') tabScreen = <AccessScreen height={bodyHeight} active={tabActive} />;
  else if (current?.name === 'Live')
    tabScreen = <LiveSessionsScreen height={bodyHeight} active={tabActive} />;
  else if (current?.name === 'Recordings')
    tabScreen = <RecordingsScreen height={bodyHeight} active={tabActive} />;
  else if (current?.name === 'Audit') tabScreen = <AuditScreen height={bodyHeight} active={tabActive} />;
  else if (current?.name === 'Admin') tabScreen = <AdminScreen height={bodyHeight} active={tabActive} />;
  else tabScreen = <Text>Your role has no console screens.</Text>;
  let pushed: React.ReactNode = null;
  if (route?.screen === 'detail')
    pushed = <AccountDetailScreen key={route.ref} ref_={route.ref} height={bodyHeight} active={active} />;
  else if (route?.screen === 'player')
    pushed = (
      <PlayerScreen
        key={`${route.recordingId}@${route.at ?? 0}`}
        recordingId={route.recordingId}
        title={route.title}
        {...(route.at !== undefined ? { at: route.at } : {})}
        height={bodyHeight}
        active={active}
      />
    );
  const body = (
    <>
      {help ? <HelpOverlay scopes={scopes} height={bodyHeight} /> : null}
      {!help && pushed}
      <Box display={help || pushed ? 'none' : 'flex'} flexDirection="column" height={bodyHeight}>
        {tabScreen}
      </Box>
    </>
  );

  const t = props.theme;
  const who = printable(session.actor.name, 40);
  const fullTitle = `Custody · ${who} (${session.actor.user.role}) `;
  // Too narrow for every tab name: show the current one (the others are a Tab away), no role.
  const narrow = fullTitle.length + tabs.reduce((n, tb) => n + tb.name.length + 2, 0) > cols;
  const title = narrow ? `Custody · ${who} ` : fullTitle;
  const flashColour = flash?.kind === 'error' ? t.danger : flash?.kind === 'success' ? t.success : t.accent;
  return (
    <ConsoleProvider value={state}>
      <NavigationProvider value={nav}>
        <Box flexDirection="column" width={cols} height={rows} overflow="hidden">
          <OnEveryKey run={dropRefusal} active={!asideActive} />
          <Box height={1} overflow="hidden">
            <Text bold color={t.accent} wrap="truncate-end">
              {title}
            </Text>
            {(narrow ? tabs.filter((_, i) => i === tab) : tabs).map((tb) => {
              const on = tb === current;
              return (
                <Text
                  key={tb.name}
                  wrap="truncate-end"
                  bold={on && !route}
                  inverse={on}
                  color={on ? undefined : t.muted}
                >
                  {` ${tb.name} `}
                </Text>
              );
            })}
            {narrow && tabs.length > 1 ? <Text color={t.muted}> Tab ›</Text> : null}
          </Box>
          <Box height={bodyHeight} flexDirection="column" overflow="hidden">
            {body}
          </Box>
          {link ? <WebLinkPanel link={link} user={session.actor.user.username} /> : null}
          <Box height={1} overflow="hidden">
            {flash ? (
              <Text color={flashColour} wrap="truncate-end">
                {printable(flash.text, 1000)}
              </Text>
            ) : (
              <Text color={t.muted} wrap="truncate-end">
                {`? help · ${lettersAreCommands ? 'q' : 'Ctrl-C'} quit · Tab next screen${route ? ' · Esc back' : ''}`}
              </Text>
            )}
          </Box>
        </Box>
      </NavigationProvider>
    </ConsoleProvider>
  );
}

/**
 * Runs `run` on every key before any screen sees it (the first child subscribes first): a refusal
 * stays on the status line until the operator's next key, and a refusal that key causes is kept.
 */
function OnEveryKey(props: { run: () => void; active: boolean }) {
  useKeys(() => props.run(), { isActive: props.active });
  return null;
}
