import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  AuthError,
  NotFoundError,
  recordingPagePath,
  REPOSITORY_ROOT,
  Secret,
  UsageError,
  type Core,
  type RecordingRow,
  type User,
} from '../../core/index.ts';
import { parseCookies, PENDING_COOKIE, SESSION_COOKIE, setCookie } from './cookies.ts';
import { esc, page } from './html.ts';
import { html, redirect, type WebReply } from './reply.ts';
import type { WebRequest, WebRouteModule } from './router.ts';
import type { WebSessions } from './web-sessions.ts';

/** The files under /assets: the project's own (web/) and asciinema-player's dist, read once. */
function assetFiles(): Record<string, { file: string; type: string }> {
  // Served straight from the installed package (no CDN): the CSP allows only this origin.
  const playerDist = path.join(REPOSITORY_ROOT, 'node_modules', 'asciinema-player', 'dist', 'bundle');
  const web = path.join(REPOSITORY_ROOT, 'web');
  return {
    'asciinema-player.min.js': {
      file: path.join(playerDist, 'asciinema-player.min.js'),
      type: 'text/javascript',
    },
    'asciinema-player.css': { file: path.join(playerDist, 'asciinema-player.css'), type: 'text/css' },
    'player.js': { file: path.join(web, 'player.js'), type: 'text/javascript' },
    'custody.css': { file: path.join(web, 'custody.css'), type: 'text/css' },
  };
}

const ID = /^[A-Za-z0-9._:-]{1,200}$/;

function signInPage(message = '', status = 200): WebReply {
  const body =
    `<h1>Sign in</h1>${message ? `<p class="error">${esc(message)}</p>` : ''}` +
    '<form method="post" action="/signin/form"><label>User <input name="username" autocomplete="username" required></label> ' +
    '<label>Password <input name="password" type="password" autocomplete="current-password" required></label> ' +
    '<button type="submit">Sign in</button></form>';
  return html(page({ title: 'Sign in', body }), status);
}

function codePage(message = '', status = 200): WebReply {
  const body =
    `<h1>Verification code</h1>${message ? `<p class="error">${esc(message)}</p>` : ''}` +
    '<form method="post" action="/signin/code/form"><label>Code <input name="code" inputmode="numeric" autocomplete="one-time-code" required></label> ' +
    '<button type="submit">Continue</button></form>';
  return html(page({ title: 'Verification code', body }), status);
}

/**
 * The browser pages: sign-in by form (the JSON sign-in in sign-in-routes.ts is for scripts),
 * the recordings list with the console's filters, and the player. Recordings are read only
 * through core (`recordings.list`, `recordings.export`), which authorises and audits each replay
 * exactly as the console's player does.
 */
export function pageRoutes(o: { core: Core; sessions: WebSessions; sessionMinutes: number }): WebRouteModule {
  const assets = assetFiles();
  const cache = new Map<string, Buffer>();
  const user = (req: WebRequest) => ({ name: req.actor!.name, csrfToken: req.csrfToken! });
  const signedIn = (u: User): WebReply =>
    redirect('/recordings', {
      'set-cookie': [
        setCookie(SESSION_COOKIE, o.sessions.start(u).token, o.sessionMinutes * 60),
        setCookie(PENDING_COOKIE, '', 0),
      ],
    });
  const form = async (req: WebRequest): Promise<Record<string, string>> => {
    const b = await req.body();
    return b && typeof b === 'object' ? (b as Record<string, string>) : {};
  };

  return (router) => {
    router.add({
      method: 'GET',
      path: '/',
      auth: 'public',
      handler: (req) =>
        o.sessions.find(parseCookies(req.headers.cookie).get(SESSION_COOKIE))
          ? redirect('/recordings')
          : signInPage(),
    });
    router.add({ method: 'GET', path: '/signin', auth: 'public', handler: () => signInPage() });
    router.add({ method: 'GET', path: '/signin/code', auth: 'public', handler: () => codePage() });
    router.add({
      method: 'POST',
      path: '/signin/form',
      auth: 'public',
      maxBodyBytes: 4096,
      handler: async (req) => {
        const f = await form(req);
        try {
          const step = await o.core.system.signIn.password(
            String(f.username ?? '').slice(0, 200),
            Secret.fromString(String(f.password ?? '').slice(0, 1024)),
            req.source,
          );
          if (!step.needsTotp) return signedIn(step.user);
          return redirect('/signin/code', {
            'set-cookie': setCookie(PENDING_COOKIE, o.sessions.startPending(step.user), 300),
          });
        } catch (e) {
          if (e instanceof AuthError) return signInPage('Wrong user name or password.', 401);
          throw e;
        }
      },
    });
    router.add({
      method: 'POST',
      path: '/signin/code/form',
      auth: 'public',
      maxBodyBytes: 4096,
      handler: async (req) => {
        const f = await form(req);
        const pending = o.sessions.takePending(parseCookies(req.headers.cookie).get(PENDING_COOKIE));
        if (!pending) return signInPage('Sign in with your password first.', 401);
        try {
          return signedIn(
            await o.core.system.signIn.totp(pending.username, String(f.code ?? '').slice(0, 16), req.source),
          );
        } catch (e) {
          if (e instanceof AuthError) return signInPage('That code was not accepted; sign in again.', 401);
          throw e;
        }
      },
    });
    router.add({
      method: 'GET',
      path: '/assets/:name',
      auth: 'public',
      handler: async (req) => {
        const a = assets[req.params.name!];
        if (!a) throw new NotFoundError('asset', req.params.name!);
        let body = cache.get(a.file);
        if (!body) cache.set(a.file, (body = await fs.readFile(a.file)));
        return { status: 200, body, contentType: `${a.type}; charset=utf-8` };
      },
    });
    router.add({
      method: 'GET',
      path: '/recordings',
      auth: 'session',
      handler: async (req) => {
        const q = (k: string) => (req.query.get(k) ?? '').trim().slice(0, 200);
        const iso = (k: string) => {
          const v = q(k);
          if (!v) return undefined;
          const t = Date.parse(v);
          if (Number.isNaN(t)) throw new UsageError(`${k} must be a date or time`);
          return new Date(t).toISOString();
        };
        const rows = await o.core.as(req.actor!).recordings.list({
          ...(q('user') ? { user: q('user') } : {}),
          ...(q('target') ? { resource: q('target') } : {}),
          ...(iso('since') ? { since: iso('since') } : {}),
          ...(iso('until') ? { until: iso('until') } : {}),
          limit: 200,
        });
        const field = (k: string, label: string) =>
          `<label>${label} <input name="${k}" value="${esc(q(k))}"></label>`;
        const body =
          '<h1>Recordings</h1><form class="filters" method="get" action="/recordings">' +
          field('user', 'User') +
          field('target', 'Target') +
          field('since', 'Since') +
          field('until', 'Until') +
          '<button type="submit">Filter</button></form>' +
          (rows.length ? recordingsTable(rows) : '<p>No recordings.</p>');
        return html(page({ title: 'Recordings', body, user: user(req) }));
      },
    });
    router.add({
      method: 'GET',
      path: '/recordings/:id',
      auth: 'session',
      handler: async (req) => {
        const id = req.params.id!;
        if (!ID.test(id)) throw new NotFoundError('recording', id.slice(0, 100));
        const body =
          `<h1>Recording ${esc(id)}</h1>` +
          `<div id="player" data-cast="/recordings/${encodeURIComponent(id)}/cast"></div>`;
        return html(
          page({
            title: `Recording ${id}`,
            body,
            user: user(req),
            styles: ['/assets/asciinema-player.css'],
            scripts: ['/assets/asciinema-player.min.js', '/assets/player.js'],
          }),
        );
      },
    });
    router.add({
      method: 'GET',
      path: '/recordings/:id/cast',
      auth: 'session',
      handler: async (req) => {
        const id = req.params.id!;
        if (!ID.test(id)) throw new NotFoundError('recording', id.slice(0, 100));
        // Core authorises and audits the replay (`recording.export`), as for the console's player.
        const exp = await o.core.as(req.actor!).recordings.export(id, 'asciicast');
        const chunks: Buffer[] = [];
        for await (const c of exp.open() as AsyncIterable<Buffer>) chunks.push(c);
        return { status: 200, body: Buffer.concat(chunks), contentType: 'application/x-asciicast' };
      },
    });
    router.add({
      method: 'GET',
      path: '/source',
      auth: 'public',
      handler: async () => {
        const pkg = JSON.parse(await fs.readFile(path.join(REPOSITORY_ROOT, 'package.json'), 'utf8')) as {
          version?: string;
          repository?: string | { url?: string };
        };
        const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
        const body =
          `<h1>Source code</h1><p>This is Custody ${esc(pkg.version ?? '')}, free software under the GNU Affero General Public License 3.0.</p>` +
          (repo
            ? `<p>Its source: <a href="${esc(repo)}">${esc(repo)}</a></p>`
            : '<p>Ask the operator of this server for the source of the running version; they must provide it.</p>');
        return html(page({ title: 'Source code', body }));
      },
    });
  };
}

function recordingsTable(rows: RecordingRow[]): string {
  // A desktop (RDP) session plays in the desktop player; everything else in asciinema-player.
  const tr = (r: RecordingRow) =>
    `<tr><td><a href="${esc(recordingPagePath(r))}">${esc(r.id)}</a></td><td>${esc(r.startedAt)}</td>` +
    `<td>${esc(r.user)}</td><td>${esc(r.target)}</td><td>${esc(r.protocol)}</td><td>${esc(r.status)}</td></tr>`;
  return (
    '<table><thead><tr><th>ID</th><th>Started</th><th>User</th><th>Target</th><th>Protocol</th><th>Status</th></tr></thead>' +
    `<tbody>${rows.map(tr).join('')}</tbody></table>`
  );
}
