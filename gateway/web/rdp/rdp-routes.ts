// The RDP viewer on the web listener: the page at /rdp/RESOURCE/ACCOUNT (reached through a
// one-time link or a signed-in browser), its WebSocket, and the viewer's script. The socket is
// where the session is authorised, exactly as an SSH session to that account is (core's
// `sessions.authorize`: the access rule, the check-out where one is required; an unknown and a
// forbidden account get the same answer), then dialled and run by the desktop session. Nothing
// of the account's credential ever reaches the browser: the gateway logs in itself.
import type { WebSocket } from 'ws';
import { type Core } from '../../../core/index.ts';
import type { DesktopSize } from '../../../protocols/rdp/types.ts';
import { boundedSize } from '../../session/desktop/desktop-size.ts';
import { runDesktopSession, type DesktopRuntime } from '../../session/desktop/session.ts';
import { operatorMessage } from '../../session/types.ts';
import { esc, page } from '../html.ts';
import { html } from '../reply.ts';
import type { WebRouteModule } from '../router.ts';
import { OperatorSocket, DEFAULT_VIEWER_LIMITS, type ViewerLimits } from './operator-socket.ts';
import { viewerScript } from './viewer-bundle.ts';

/** Resource and account names as the vault allows them; anything else is not an account. */
const NAME = /^[A-Za-z0-9._@-]{1,200}$/;

/** How long a browser has, once its socket is open, to say which desktop size it wants. */
const HELLO_TIMEOUT_MS = 10_000;

export interface RdpRoutesOptions {
  core: Core;
  runtime: DesktopRuntime;
  limits?: ViewerLimits;
}

export function rdpRoutes(o: RdpRoutesOptions): WebRouteModule {
  return (router) => {
    router.add({
      method: 'GET',
      path: '/assets/rdp/viewer.js',
      auth: 'public',
      handler: async () => ({
        status: 200,
        body: await viewerScript(),
        contentType: 'text/javascript; charset=utf-8',
      }),
    });
    router.add({
      method: 'GET',
      path: '/rdp/:resource/:account',
      auth: 'session',
      handler: (req) => {
        const ref = refOf(req.params);
        const socket = `/rdp/${encodeURIComponent(req.params.resource!)}/${encodeURIComponent(req.params.account!)}/socket`;
        return html(
          page({
            title: `Desktop ${ref ?? ''}`,
            body: desktopBody(`${ref ?? 'Unknown account'}`, socket, 'operator'),
            user: { name: req.actor!.name, csrfToken: req.csrfToken! },
            scripts: ['/assets/rdp/viewer.js'],
          }),
        );
      },
    });
    router.upgrade({
      path: '/rdp/:resource/:account/socket',
      auth: 'session',
      handler: async (ws: WebSocket, req) => {
        const operator = new OperatorSocket(ws, o.runtime.timers, o.limits ?? DEFAULT_VIEWER_LIMITS);
        let size: DesktopSize;
        try {
          size = boundedSize((await operator.hello(HELLO_TIMEOUT_MS)).size);
        } catch {
          operator.end('the viewer did not say which desktop size it wants');
          return;
        }
        const ref = refOf(req.params);
        let grant;
        try {
          // A malformed name is looked up like any other, so it is refused with the same answer.
          grant = await o.core
            .as(req.actor!)
            .sessions.authorize(ref ?? `${req.params.resource}/${req.params.account}`);
        } catch (e) {
          operator.end(operatorMessage(e));
          return;
        }
        await runDesktopSession({ ...o.runtime, grant, operator, size, source: req.source });
      },
    });
  };
}

/** The canvas and its status line; the shared viewer script reads `data-socket` and `data-mode`. */
export function desktopBody(heading: string, socket: string, mode: 'operator' | 'shadow'): string {
  return (
    `<h1>${esc(heading)}</h1><p id="rdp-status" role="status">Connecting…</p>` +
    `<div id="rdp" class="rdp" data-socket="${esc(socket)}" data-mode="${mode}" data-state="connecting">` +
    '<canvas id="rdp-canvas" width="1" height="1"></canvas></div>'
  );
}

function refOf(params: Readonly<Record<string, string>>): string | undefined {
  const { resource, account } = params;
  return resource && account && NAME.test(resource) && NAME.test(account)
    ? `${resource}/${account}`
    : undefined;
}
