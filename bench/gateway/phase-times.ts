// The gateway's set-up phases, session by session: the in-process gateway publishes a timestamp
// at the end of each phase (gateway/setup-phases.ts, a diagnostics channel nobody watches outside
// the benchmark); this collects them for each sample of the set-up measure (one session at a
// time, so the messages need no identity) and gives the p50 of each phase's duration: from the
// end of the phase before it (from spawning `ssh` for the first one). Not product code.
import diagnosticsChannel from 'node:diagnostics_channel';
import { SETUP_PHASE_CHANNEL, type SetupPhase, type SetupPhaseMessage } from '../../gateway/index.ts';
import { stats } from './lib.ts';

/** In the order they happen, with what each one's duration covers. */
export const PHASES: readonly { phase: SetupPhase | 'client-exit'; covers: string }[] = [
  { phase: 'accepted', covers: 'ssh starts, TCP connect' },
  { phase: 'key-exchange', covers: 'banners, key exchange with the operator (curve25519), NEWKEYS' },
  {
    phase: 'operator-authenticated',
    covers: 'operator public-key auth (key lookup, signature, sign-in rows)',
  },
  { phase: 'channel-request', covers: 'client opens the session channel and sends exec' },
  { phase: 'authorized', covers: 'core authorises the target (grant, route)' },
  { phase: 'landing-authenticated', covers: 'landing credential, TCP, kex, host-key check, auth' },
  { phase: 'target-forwarded', covers: 'direct-tcpip channel from the landing to the target' },
  { phase: 'target-authenticated', covers: 'target credential, kex, host-key check, auth' },
  { phase: 'target-channel', covers: 'exec channel opened on the target' },
  { phase: 'recording-open', covers: 'recording created (data key, container header, row, search index)' },
  { phase: 'session-started', covers: 'live registry confirm, session.start audit row' },
  { phase: 'target-exited', covers: 'the command runs on the target (`true`)' },
  { phase: 'session-finished', covers: 'teardown: recording sealed and synced, session.end rows' },
  { phase: 'client-exit', covers: 'exit status to the client, client exits' },
];

export interface PhaseSummary {
  phase: string;
  covers: string;
  p50Ms: number;
  p90Ms: number;
  /** Samples in which the phase was seen. */
  n: number;
}

export function phaseRecorder() {
  let current: { t0: number; seen: SetupPhaseMessage[] } | undefined;
  const samples: { t0: number; end: number; seen: SetupPhaseMessage[] }[] = [];
  const onMessage = (m: unknown) => current?.seen.push(m as SetupPhaseMessage);
  diagnosticsChannel.subscribe(SETUP_PHASE_CHANNEL, onMessage);
  return {
    /** One sample starts (just before `ssh` is spawned). */
    begin(t0: number): void {
      current = { t0, seen: [] };
    },
    /** It ended (the client exited); `keep` false for a warm-up or a failure. */
    end(end: number, keep: boolean): void {
      if (current && keep) samples.push({ ...current, end });
      current = undefined;
    },
    stop(): void {
      diagnosticsChannel.unsubscribe(SETUP_PHASE_CHANNEL, onMessage);
    },
    summary(): PhaseSummary[] {
      const durations = new Map<string, number[]>();
      for (const s of samples) {
        let prev = s.t0;
        const at = new Map(s.seen.map((m) => [m.phase as string, m.at]));
        at.set('client-exit', s.end);
        for (const { phase } of PHASES) {
          const t = at.get(phase);
          if (t === undefined) continue;
          durations.set(phase, [...(durations.get(phase) ?? []), t - prev]);
          prev = t;
        }
      }
      return PHASES.map(({ phase, covers }) => {
        const st = stats(durations.get(phase) ?? []);
        return { phase, covers, p50Ms: st.p50, p90Ms: st.p90, n: st.n };
      });
    },
  };
}
