/**
 * The desktop (RDP) recording player on the web listener: its page, its script (the decoder and
 * the player, bundled from the repository's TypeScript: assets/rdp-codec-bundle.ts) and the
 * segments it plays (protocols/rdp/desktop-segment.ts). Segments are decrypted here and passed on
 * still deflated; the browser decodes. Reading goes through core (`recordings.openDesktopReader`)
 * with the terminal player's permission; opening the page and a seek are audited as
 * `recording.export` (format `desktop`); what the page then fetches (the stretches playback reads
 * on, the timeline, the keyframes' thumbnails) is authorised again but not audited anew.
 */
import { NotFoundError, thumbnailPng, UsageError, type Core } from '../../core/index.ts';
import { encodeDesktopSegment } from '../../protocols/rdp/desktop-segment.ts';
import { desktopPlayerBundle } from './assets/rdp-codec-bundle.ts';
import { esc, page } from './html.ts';
import { html, json } from './reply.ts';
import type { WebRequest, WebRouteModule } from './router.ts';

const ID = /^[A-Za-z0-9._:-]{1,200}$/;
const SPEEDS = ['0.5', '1', '2', '4', '8'];

export const desktopPlayerPath = (id: string): string => `/recordings/${encodeURIComponent(id)}/desktop`;

export function desktopPlayerRoutes(o: { core: Core }): WebRouteModule {
  const idOf = (raw: string) => {
    if (!ID.test(raw)) throw new NotFoundError('recording', raw.slice(0, 100));
    return raw;
  };
  return (router) => {
    router.add({
      method: 'GET',
      path: '/assets/rdp/player.js',
      auth: 'public',
      handler: async () => ({
        status: 200,
        body: await desktopPlayerBundle(),
        contentType: 'text/javascript; charset=utf-8',
      }),
    });
    router.add({
      method: 'GET',
      path: '/recordings/:id/desktop',
      auth: 'session',
      handler: async (req) => {
        const id = idOf(req.params.id!);
        // Opening it checks the permission and that it is a desktop recording (audited).
        const reader = await o.core.as(req.actor!).recordings.openDesktopReader(id);
        const duration = reader.duration;
        await reader.close();
        const speeds = SPEEDS.map(
          (s) => `<option value="${s}"${s === '1' ? ' selected' : ''}>${s}×</option>`,
        ).join('');
        const body =
          `<h1>Recording ${esc(id)}</h1>` +
          `<div id="desktop-player" tabindex="0" data-segments="${esc(desktopPlayerPath(id))}/segment" data-timeline-url="${esc(desktopPlayerPath(id))}/timeline" data-thumbnail-url="${esc(desktopPlayerPath(id))}/thumbnail" data-duration="${duration.toFixed(3)}">` +
          '<canvas width="640" height="400"></canvas>' +
          '<div class="controls"><button type="button" data-act="play">Play</button> ' +
          `<input type="range" data-act="seek" min="0" max="${duration.toFixed(3)}" step="0.1" value="0" aria-label="Position"> ` +
          `<select data-act="speed" aria-label="Speed">${speeds}</select> ` +
          '<label><input type="checkbox" data-act="skip-idle"> Skip idle</label> ' +
          '<span data-role="time"></span></div>' +
          // Filled from the timeline once it arrives: the activity track (click to seek), the
          // keyframes' thumbnails and the markers.
          '<div class="desktop-timeline"><canvas data-role="activity" width="800" height="36" aria-label="Activity: screen, keyboard, mouse"></canvas>' +
          '<div data-role="thumbnails"></div><ol data-role="markers"></ol></div>' +
          '<p data-role="status"></p></div>';
        return html(
          page({
            title: `Recording ${id}`,
            body,
            user: { name: req.actor!.name, csrfToken: req.csrfToken! },
            scripts: ['/assets/rdp/player.js'],
          }),
        );
      },
    });
    const quietReader = (req: WebRequest, id: string) =>
      o.core.as(req.actor!).recordings.openDesktopReader(id, undefined, { audit: false });
    router.add({
      method: 'GET',
      path: '/recordings/:id/desktop/timeline',
      auth: 'session',
      handler: async (req) => {
        return json(await o.core.as(req.actor!).recordings.desktopTimeline(idOf(req.params.id!)));
      },
    });
    router.add({
      method: 'GET',
      path: '/recordings/:id/desktop/thumbnail',
      auth: 'session',
      handler: async (req) => {
        const id = idOf(req.params.id!);
        const n = Number(req.query.get('chunk'));
        if (!Number.isInteger(n) || n < 0) throw new UsageError('chunk must be a whole number');
        const reader = await quietReader(req, id);
        try {
          if (n >= reader.chunks || !(await reader.chunk(n)).keyframe)
            throw new NotFoundError('keyframe', `${id} chunk ${n}`);
          const k = await reader.keyframeImage(n);
          return { status: 200, body: thumbnailPng(k.rgba, k.width, k.height), contentType: 'image/png' };
        } finally {
          await reader.close();
        }
      },
    });
    router.add({
      method: 'GET',
      path: '/recordings/:id/desktop/segment',
      auth: 'session',
      handler: async (req) => {
        const id = idOf(req.params.id!);
        const at = req.query.get('at');
        const chunk = req.query.get('chunk');
        if ((at === null) === (chunk === null)) throw new UsageError('give one of at=SECONDS or chunk=N');
        const seconds = at === null ? undefined : Number(at);
        const n = chunk === null ? undefined : Number(chunk);
        if (seconds !== undefined && !(Number.isFinite(seconds) && seconds >= 0))
          throw new UsageError('at must be a number of seconds from 0');
        if (n !== undefined && !(Number.isInteger(n) && n >= 0))
          throw new UsageError('chunk must be a whole number');
        const reader = await o.core
          .as(req.actor!)
          .recordings.openDesktopReader(id, undefined, { audit: seconds !== undefined });
        try {
          const seg = await reader.segment(seconds !== undefined ? { at: seconds } : { chunk: n! });
          return {
            status: 200,
            body: Buffer.from(encodeDesktopSegment(seg)),
            contentType: 'application/octet-stream',
          };
        } finally {
          await reader.close();
        }
      },
    });
  };
}
