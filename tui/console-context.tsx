import React, { createContext, useContext } from 'react';
import { firstLine, type ActorCore, type ConsoleSession, type ConsoleTerminal } from '../core/index.ts';
import type { Theme } from './theme.ts';

/** Timers the console uses (reveal, clipboard clear, playback): injected so tests never sleep. */
export interface ConsoleTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: ConsoleTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface ConsoleSettings {
  /** How long a revealed password stays on screen before it is hidden again (default 10 s). */
  revealSeconds: number;
  /** How long after a copy the clipboard is overwritten (default 30 s). */
  clipboardClearSeconds: number;
}

export const DEFAULT_CONSOLE_SETTINGS: ConsoleSettings = { revealSeconds: 10, clipboardClearSeconds: 30 };

export type Flash = { text: string; kind: 'info' | 'error' | 'success' };

/** What every screen may use: the session, the terminal hand-over, timers, theme, messages. */
export interface ConsoleState {
  session: ConsoleSession;
  /**
   * The operator's core: every call the console makes goes through it, so it runs as the
   * operator; `me.can(op)` is how a screen decides what to show (core refuses the rest anyway).
   */
  me: ActorCore;
  theme: Theme;
  timers: ConsoleTimers;
  settings: ConsoleSettings;
  cols: number;
  rows: number;
  /** The terminal goes to `fn` (a target session, a shadow); the console redraws when it returns. */
  aside<T>(fn: (terminal: ConsoleTerminal) => Promise<T>): Promise<T>;
  /** Bytes written around the UI (OSC 52). */
  writeRaw(data: string): void;
  flash(text: string, kind?: Flash['kind']): void;
  /**
   * Makes a one-time link to the web listener's `landingPath` for the operator and shows it above
   * the status line for as long as it can be used (60 s); without a listener, or refused, the
   * status line says why.
   */
  showWebLink(landingPath: string, what: string): Promise<void>;
  /**
   * Keyboard focus is in a text field: letters are text, not commands. 'search' is the explorer's
   * search line, which is no prompt: Tab still moves between screens while it has text.
   */
  setTyping(on: boolean | 'search'): void;
  /**
   * The same, set at once by the key that opens a prompt: the frame's own keys (q, ?) read it
   * for keys that arrive before the prompt is drawn.
   */
  promptOpening: { current: boolean };
}

const ConsoleContext = createContext<ConsoleState | null>(null);

export function ConsoleProvider(props: { value: ConsoleState; children: React.ReactNode }) {
  return <ConsoleContext.Provider value={props.value}>{props.children}</ConsoleContext.Provider>;
}

export function useConsole(): ConsoleState {
  const v = useContext(ConsoleContext);
  if (!v) throw new Error('useConsole outside ConsoleProvider');
  return v;
}

/** Screens pushed over a tab (account detail, player): `open` pushes, `back` pops. */
export type Route =
  | { screen: 'detail'; ref: string }
  /** `at`: open the player paused at this many seconds in (a search hit). */
  | { screen: 'player'; recordingId: string; title: string; at?: number };

export interface Navigation {
  open(route: Route): void;
  back(): void;
}

const NavigationContext = createContext<Navigation | null>(null);

export function NavigationProvider(props: { value: Navigation; children: React.ReactNode }) {
  return <NavigationContext.Provider value={props.value}>{props.children}</NavigationContext.Provider>;
}

export function useNavigation(): Navigation {
  const v = useContext(NavigationContext);
  if (!v) throw new Error('useNavigation outside NavigationProvider');
  return v;
}

/** One-line text for a refusal: the core's message (never a stack trace), with its code. */
export function refusal(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  const msg = firstLine(e, 200);
  return typeof err?.code === 'string' ? `${msg} (${err.code})` : msg;
}
