import type { WebSocket } from 'ws';
import {
  NotFoundError,
  UsageError,
  systemTimers,
  type Clock,
  type Core,
  type LiveScreenSize,
  type Timers,
} from '../../core/index.ts';
import { esc, page } from './html.ts';
import { html, redirect } from './reply.ts';
import type { WebRouteModule } from './router.ts';
import { desktopBody } from './rdp/rdp-routes.ts';
import { shadowDesktop } from './rdp/shadow-socket.ts';

const ID = /^[A-Za-z0-9._:-]{1,200}$/;

/** The terminal a live view starts with when the registry does not say the session's own. */
const DEFAULT_LIVE_SIZE: LiveScreenSize = { cols: 80, rows: 24 };

/**
 * Live sessions for administrators: the list, a read-only view, and terminate with a reason. The
 * view is a WebSocket speaking asciinema-player's `v2.asciicast` protocol (a header, then one
 * event array per frame), fed by core's `live.shadow`: its first event is the current screen, so a
 * late joiner sees what the operator sees before the live output follows. Shadow join and leave
 * are audited by core; terminating goes through core (audited, and works on any node).
 */
export function livePages(o: { core: Core; clock: Clock; timers?: Timers }): WebRouteModule {
  return (router) => {
    router.add({
      method: 'GET',
      path: '/live',
      auth: 'session-admin',
      handler: async (req) => {
        const rows = await o.core.as(req.actor!).live.list();
        const tr = rows
          .map(
            (s) =>
              `<tr><td><a href="/live/${encodeURIComponent(s.id)}">${esc(s.id)}</a></td><td>${esc(s.user)}</td>` +
              `<td>${esc(s.target)}</td><td>${esc(s.protocol)}</td><td>${esc(s.state)}</td><td>${esc(s.startedAt)}</td></tr>`,
          )
          .join('');
        const body =
          '<h1>Live sessions</h1>' +
          (rows.length
            ? `<table><thead><tr><th>ID</th><th>User</th><th>Target</th><th>Protocol</th><th>State</th><th>Started</th></tr></thead><tbody>${tr}</tbody></table>`
            : '<p>No live sessions.</p>');
        return html(
          page({ title: 'Live sessions', body, user: { name: req.actor!.name, csrfToken: req.csrfToken! } }),
        );
      },
    });
    router.add({
      method: 'GET',
      path: '/live/:id',
      auth: 'session-admin',
      handler: async (req) => {
        const id = req.params.id!;
        if (!ID.test(id)) throw new NotFoundError('live session', id.slice(0, 100));
        const s = await o.core.as(req.actor!).live.get(id);
        const terminate =
          `<form method="post" action="/live/${encodeURIComponent(id)}/terminate">` +
          `<input type="hidden" name="csrf" value="${esc(req.csrfToken!)}">` +
          '<label>Reason <input name="reason" required maxlength="200"></label> <button type="submit">Terminate</button></form>';
        // A desktop is watched on the RDP viewer's canvas, read-only (it sends nothing back).
        if (s.kind === 'desktop')
          return html(
            page({
              title: `Live ${id}`,
              body:
                desktopBody(`${s.user} on ${s.target}`, `/live/${encodeURIComponent(id)}/desktop`, 'shadow') +
                terminate,
              user: { name: req.actor!.name, csrfToken: req.csrfToken! },
              scripts: ['/assets/rdp/viewer.js'],
            }),
          );
        const body =
          `<h1>${esc(s.user)} on ${esc(s.target)}</h1>` +
          `<div id="player" data-live="/live/${encodeURIComponent(id)}/stream"></div>` +
          terminate;
        return html(
          page({
            title: `Live ${id}`,
            body,
            user: { name: req.actor!.name, csrfToken: req.csrfToken! },
            styles: ['/assets/asciinema-player.css'],
            scripts: ['/assets/asciinema-player.min.js', '/assets/player.js'],
          }),
        );
      },
    });
    router.add({
      method: 'POST',
      path: '/live/:id/terminate',
      auth: 'session-admin',
      maxBodyBytes: 4096,
      handler: async (req) => {
        const b = (await req.body()) as Record<string, unknown> | undefined;
        const reason = typeof b?.reason === 'string' ? b.reason.trim() : '';
        if (!reason) throw new UsageError('a reason is required to terminate a session', { field: 'reason' });
        await o.core.as(req.actor!).live.terminate(req.params.id!, reason);
        return redirect('/live');
      },
    });
    router.upgrade({
      path: '/live/:id/stream',
      auth: 'session-admin',
      protocols: ['v2.asciicast'],
      handler: async (ws: WebSocket, req) => {
        ws.on('error', () => undefined);
        const shadow = await o.core.as(req.actor!).live.shadow(req.params.id!);
        const started = o.clock.now().getTime();
        const at = () => ((o.clock.now().getTime() - started) / 1000).toFixed(3);
        ws.on('close', () => void shadow.leave());
        // The header takes the session's terminal size from the first picture (a session that
        // has no terminal size to tell leaves the classic 80×24); a later picture of
        // another size is a resize event, so the view follows the operator's window.
        let shown: LiveScreenSize | undefined;
        for await (const e of shadow) {
          if (ws.readyState !== ws.OPEN) break;
          if (!shown) {
            shown = (e.type === 'screen' && e.size) || DEFAULT_LIVE_SIZE;
            ws.send(JSON.stringify({ version: 2, width: shown.cols, height: shown.rows }));
          } else if (
            e.type === 'screen' &&
            e.size &&
            (e.size.cols !== shown.cols || e.size.rows !== shown.rows)
          ) {
            shown = e.size;
            ws.send(JSON.stringify([Number(at()), 'r', `${shown.cols}x${shown.rows}`]));
          }
          if (e.type === 'end') {
            ws.send(JSON.stringify([Number(at()), 'x', e.reason]));
            break;
          }
          // A resynchronised screen redraws from a clear screen; the first one starts the view.
          const data =
            e.type === 'screen' && e.resync
              ? `\x1b[2J\x1b[H${e.data.toString('utf8')}`
              : e.data.toString('utf8');
          ws.send(JSON.stringify([Number(at()), 'o', data]));
        }
        await shadow.leave();
        ws.close(1000, 'session ended');
      },
    });
    // A desktop session's shadow: the live events already are viewer-protocol frames.
    router.upgrade({
      path: '/live/:id/desktop',
      auth: 'session-admin',
      handler: (ws: WebSocket, req) =>
        shadowDesktop(ws, o.core, req.actor!, req.params.id!, o.timers ?? systemTimers),
    });
  };
}
