// The named moments of a session, written to its recording as markers (asciicast `m` events) so
// players list them and jump to them: the start, shadows joining and leaving, and how the gateway
// ended it (terminated, and by whom; the check-out ending; idle or maximum duration). Commands the
// operator typed are marked by the indexing recorder (core's withSearchIndex).
import type { SessionGrant, SessionRecorder, ViewerChange } from '../../core/index.ts';
import type { StopCause } from './events.ts';

export interface SessionMarkers {
  started(): void;
  viewer(change: ViewerChange): void;
  stopped(cause: StopCause, reason: string, by?: string): void;
}

/** Markers for `recorder`; a recorder that keeps no markers (a file transfer's) gets none. */
export function sessionMarkers(
  grant: SessionGrant,
  recorder: () => SessionRecorder | undefined,
): SessionMarkers {
  const mark = (label: string) => {
    const r = recorder() as (SessionRecorder & { marker?: (label: string) => void }) | undefined;
    if (typeof r?.marker === 'function') r.marker(label);
  };
  return {
    started: () => mark(`session start: ${grant.actor.name} on ${grant.target.ref}`),
    viewer: (c) => mark(c.event === 'join' ? `shadow joined: ${c.by}` : `shadow left: ${c.by}`),
    stopped: (cause, reason, by) => {
      // A termination's reason names who already (`terminated by admin: …`) when core phrased it.
      if (cause === 'terminated')
        mark(/^terminated\b/i.test(reason) ? reason : `terminated by ${by ?? 'an administrator'}: ${reason}`);
      else if (cause === 'expired') mark(`check-out ended: ${reason}`);
      else mark(`ended (${cause}): ${reason}`);
    },
  };
}
