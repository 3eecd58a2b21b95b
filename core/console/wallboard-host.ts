import type { Actor } from '../authz/actor.ts';
import type { Core } from '../core.ts';
import type { ConsoleTerminal } from './console-host.ts';

/**
 * How the gateway hosts the operations wallboard without importing it (the same contract as the
 * console's): the gateway adapts its SSH channel to a `ConsoleTerminal`, the composition root
 * hands it a `StartWallboard` (wallboard/), and the board reads the bastion only through
 * `core.as(actor)`.
 */
export interface WallboardSession {
  core: Core;
  actor: Actor;
  /** Where the viewer connects from (the board's open and close audit rows name it). */
  source: string;
}

/** Runs the board until the viewer quits (resolves with the exit status) or the client goes. */
export type StartWallboard = (session: WallboardSession, terminal: ConsoleTerminal) => Promise<number>;
