/**
 * A finished desktop recording's player timeline, kept beside it as `<id>.rec.timeline` so the
 * one pass over the whole recording that builds it (seconds for an hour of a busy desktop) runs
 * once. Sealed with the recording's data key like the screen index (sealed-blob.ts, role
 * `timeline`): it holds marker labels and activity counts, which are the recording's content.
 * Its JSON names the manifest it was built from (`lastHash`, `chunks`); one built from anything
 * else, or that does not open, is ignored and built again.
 */
import type { DesktopTimeline } from '../../protocols/rdp/desktop-timeline.ts';
import { openBlob, sealBlob } from './sealed-blob.ts';

export const TIMELINE_SUFFIX = '.timeline';
const ROLE = 'timeline';

/** The finished recording a timeline belongs to: its manifest's last chunk hash and chunk count. */
export interface TimelineIdentity {
  lastHash: string;
  chunks: number;
}

export function sealTimeline(key: Buffer, id: string, of: TimelineIdentity, t: DesktopTimeline): Buffer {
  return sealBlob(key, id, ROLE, Buffer.from(JSON.stringify({ ...of, timeline: t }), 'utf8'));
}

export function openTimeline(
  key: Buffer,
  id: string,
  of: TimelineIdentity,
  sealed: Buffer,
): DesktopTimeline | undefined {
  const plain = openBlob(key, id, ROLE, sealed);
  if (!plain) return undefined;
  try {
    const j = JSON.parse(plain.toString('utf8')) as Partial<TimelineIdentity> & {
      timeline?: DesktopTimeline;
    };
    return j.lastHash === of.lastHash && j.chunks === of.chunks ? j.timeline : undefined;
  } catch {
    return undefined;
  }
}
