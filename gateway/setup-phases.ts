// Timestamps of the set-up phases of a session (accepted, key exchange, operator authenticated, …,
// the target's channel open, the recording open), so the gateway benchmark can tell where set-up
// time goes. Published on a diagnostics channel: with no subscriber, which is always the case
// outside the benchmark, a call is one property read and publishes nothing. The messages carry no
// identity, so a subscriber reads them for one session at a time.
import diagnosticsChannel from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';

/** The diagnostics channel's name (subscribe with `diagnostics_channel.subscribe`). */
export const SETUP_PHASE_CHANNEL = 'custody:gateway:setup-phase';

export type SetupPhase =
  | 'accepted'
  | 'key-exchange'
  | 'operator-authenticated'
  | 'channel-request'
  | 'authorized'
  | 'landing-authenticated'
  | 'target-forwarded'
  | 'target-authenticated'
  | 'target-channel'
  | 'recording-open'
  | 'session-started'
  | 'target-exited'
  | 'session-finished';

export interface SetupPhaseMessage {
  phase: SetupPhase;
  /** performance.now() of the gateway's process when the phase completed. */
  at: number;
}

const channel = diagnosticsChannel.channel(SETUP_PHASE_CHANNEL);

/** Whether anyone listens (so callers skip even adding an event listener when not). */
export const setupPhasesWatched = (): boolean => channel.hasSubscribers;

export function setupPhase(phase: SetupPhase): void {
  if (channel.hasSubscribers) channel.publish({ phase, at: performance.now() } satisfies SetupPhaseMessage);
}
