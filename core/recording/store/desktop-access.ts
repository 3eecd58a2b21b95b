// Reading a desktop recording back: the player's reader and its timeline, with the player's
// permission. Its own file because a desktop recording is read by frames and stretches, not as
// a cast, and its timeline is kept beside it once it is finished.
import { promises as fs } from 'node:fs';
import type { Actor } from '../../authz/actor.ts';
import { ValidationError, firstLine } from '../../errors.ts';
import type { RecordingRow } from '../../storage/repos/index.ts';
import type { OpenedContainer } from '../container-reader.ts';
import { DesktopReader } from '../desktop-reader.ts';
import type { FramebufferFactory } from '../desktop-screen.ts';
import { openTimeline, sealTimeline, TIMELINE_SUFFIX } from '../desktop-timeline-file.ts';
import { writeBeside } from '../write-beside.ts';
import type { DesktopTimeline } from '../../../protocols/rdp/desktop-timeline.ts';
import { authorisedRead } from './recording-access.ts';
import type { StoreParts } from './store-parts.ts';

/**
 * A desktop recording opened for playback or stills: the same permission and the same
 * `recording.export` audit row (format `desktop`) as a download, unless `audit` is false.
 */
export async function openDesktopReader(
  store: StoreParts,
  actor: Actor,
  id: string,
  framebuffer: FramebufferFactory | undefined,
  audit: boolean,
): Promise<DesktopReader> {
  return new DesktopReader((await openDesktop(store, actor, id, audit)).c, framebuffer);
}

/**
 * The desktop player's timeline, with the player's permission and no audit row of its own. A
 * finished recording's is built once and kept beside it, sealed (desktop-timeline-file.ts).
 */
export async function desktopTimeline(store: StoreParts, actor: Actor, id: string): Promise<DesktopTimeline> {
  const { ctx } = store;
  const { row, c } = await openDesktop(store, actor, id, false);
  const reader = new DesktopReader(c);
  try {
    const m = c.scan.manifest?.manifest;
    const of = row.status !== 'recording' && m ? { lastHash: m.lastHash, chunks: m.chunks } : undefined;
    const file = store.pathOf(row) + TIMELINE_SUFFIX;
    const key = of && (await store.dataKeyOf(row.id));
    if (of && key) {
      const sealed = await fs.readFile(file).catch(() => undefined);
      const kept = sealed && openTimeline(key, row.id, of, sealed);
      if (kept) return kept;
    }
    const timeline = await reader.timeline();
    if (of && key)
      await writeBeside(file, sealTimeline(key, row.id, of, timeline), ctx.ids.next()).catch((e: unknown) =>
        // Not kept is only slower next time.
        ctx.deps.logger.log('warn', 'cannot keep the timeline of a recording', {
          recording: row.id,
          error: firstLine(e),
        }),
      );
    return timeline;
  } finally {
    await reader.close();
  }
}

/** The row and opened container of a desktop recording; any other kind is refused. */
async function openDesktop(
  store: StoreParts,
  actor: Actor,
  id: string,
  audit: boolean,
): Promise<{ row: RecordingRow; c: OpenedContainer }> {
  const { row } = await store.ctx.run(actor, 'recording.export', { kind: 'recording', name: id }, (s) =>
    authorisedRead(store, actor, id, 'desktop', s, audit),
  );
  const c = await store.openContainer(row);
  if (!c) throw new ValidationError(`recording '${id}' is a terminal recording, not a desktop one`);
  if (c.scan.header.kind !== 'desktop') {
    await c.close();
    throw new ValidationError(`recording '${id}' is a ${c.scan.header.kind} recording, not a desktop one`);
  }
  return { row, c };
}
