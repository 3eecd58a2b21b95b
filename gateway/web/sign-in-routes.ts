import { AuthError, isLandingPath, Secret, UsageError, type Core, type User } from '../../core/index.ts';
import { parseCookies, PENDING_COOKIE, SESSION_COOKIE, setCookie } from './cookies.ts';
import { json, redirect } from './reply.ts';
import type { WebRouteModule } from './router.ts';
import type { WebSessions } from './web-sessions.ts';

/** Fields of a sign-in body, bounded: a longer one is no one's password or code. */
function field(body: unknown, name: string, max: number): string {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > max)
    throw new UsageError(`the field '${name}' is required (a string of at most ${max} characters)`, {
      field: name,
    });
  return v;
}

/**
 * Sign-in and sign-out. Every decision (password, TOTP, lockout, their audit rows) is core's
 * `system.signIn`, the same path the SSH door uses; this file only keeps the browser's cookies.
 */
export function signInRoutes(o: {
  core: Core;
  sessions: WebSessions;
  sessionMinutes: number;
}): WebRouteModule {
  const signedIn = (user: User) => {
    const { token, session } = o.sessions.start(user);
    return json({ user: user.username, role: user.role, csrfToken: session.csrfToken }, 200, {
      'set-cookie': [
        setCookie(SESSION_COOKIE, token, o.sessionMinutes * 60),
        setCookie(PENDING_COOKIE, '', 0),
      ],
    });
  };
  return (router) => {
    router.add({
      method: 'POST',
      path: '/signin',
      auth: 'public',
      maxBodyBytes: 4096,
      handler: async (req) => {
        const body = await req.body();
        const username = field(body, 'username', 200);
        const password = Secret.fromString(field(body, 'password', 1024));
        const step = await o.core.system.signIn.password(username, password, req.source);
        if (!step.needsTotp) return signedIn(step.user);
        return json({ next: 'totp' }, 200, {
          'set-cookie': setCookie(PENDING_COOKIE, o.sessions.startPending(step.user), 300),
        });
      },
    });
    router.add({
      method: 'POST',
      path: '/signin/code',
      auth: 'public',
      maxBodyBytes: 4096,
      handler: async (req) => {
        const code = field(await req.body(), 'code', 16);
        const pending = o.sessions.takePending(parseCookies(req.headers.cookie).get(PENDING_COOKIE));
        if (!pending) throw new AuthError('sign in with your password first', { reason: 'no-pending' });
        return signedIn(await o.core.system.signIn.totp(pending.username, code, req.source));
      },
    });
    // A one-time link (`custody web link PATH`): core checks and spends it; the browser gets a
    // session and lands on the link's path (a local path, checked again before it becomes a header).
    router.add({
      method: 'GET',
      path: '/link/:token',
      auth: 'public',
      handler: async (req) => {
        const { user, landingPath } = await o.core.system.redeemWebLink(req.params.token!, req.source);
        const { token } = o.sessions.start(user);
        return redirect(isLandingPath(landingPath) ? landingPath : '/', {
          'set-cookie': setCookie(SESSION_COOKIE, token, o.sessionMinutes * 60),
        });
      },
    });
    router.add({
      method: 'POST',
      path: '/signout',
      auth: 'session',
      handler: async (req) => {
        o.sessions.end(parseCookies(req.headers.cookie).get(SESSION_COOKIE));
        await o.core.as(req.actor!).webLinks.signedOut();
        // The pages' sign-out button posts a form: back to the sign-in page rather than JSON.
        if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
          return redirect('/signin', { 'set-cookie': setCookie(SESSION_COOKIE, '', 0) });
        return json({ signedOut: true }, 200, { 'set-cookie': setCookie(SESSION_COOKIE, '', 0) });
      },
    });
    router.add({
      method: 'GET',
      path: '/api/web/whoami',
      auth: 'session',
      handler: (req) => json({ user: req.actor!.name, role: req.actor!.user.role }),
    });
  };
}
