import type { Actor } from '../authz/actor.ts';
import type { Core } from '../core.ts';

/**
 * How the gateway hosts the operator console without the two rooms importing each other
 * (gateway/ and tui/ never import each other, a lint rule): the gateway adapts its SSH channel to a `ConsoleTerminal`, the
 * composition root hands it a `StartConsole` (the Ink console in tui/), and the console talks to
 * the rest of the product only through core and the `ConsoleSession` below. The console acts as
 * `actor` through `core.as(actor)` (lint keeps it off the Core's services).
 */
export interface ConsoleTerminal {
  /** The pty size when the console starts (later sizes arrive through `onResize`). */
  readonly cols: number;
  readonly rows: number;
  /** Whether the client asked for colours to be off (`NO_COLOR` sent with SendEnv, or a dumb term). */
  readonly noColor?: boolean;
  write(data: string | Buffer): void;
  onData(cb: (chunk: Buffer) => void): () => void;
  onResize(cb: (cols: number, rows: number) => void): () => void;
  /** The client went away. */
  onEnd(cb: () => void): () => void;
}

export interface ConsoleSession {
  core: Core;
  actor: Actor;
  /** Where the operator connects from (for the audit rows the console's actions write). */
  source: string;
  /**
   * Opens an interactive session to `ref` ("RESOURCE/ACCOUNT") on the same terminal and resolves
   * with its exit code when it ends; the console has stepped aside (no input, no drawing) until then.
   */
  launch(ref: string): Promise<number>;
  /**
   * Where browsers reach the web listener (`https://HOST:PORT`) for the one-time links the
   * console shows; undefined (or absent) while no listener runs on this node.
   */
  webAddress?: () => string | undefined;
}

/** Runs the console until the operator leaves (resolves with the exit status) or the client goes. */
export type StartConsole = (session: ConsoleSession, terminal: ConsoleTerminal) => Promise<number>;
