/** Escapes text for HTML element content and double-quoted attributes. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The frame of every page: only this origin's stylesheet and scripts (the CSP allows nothing
 * inline), a sign-out form carrying the session's CSRF token, and the footer's link to the source
 * of the running version (the project is AGPL-3.0: network users can get the source).
 */
export function page(o: {
  title: string;
  body: string;
  user?: { name: string; csrfToken: string };
  scripts?: readonly string[];
  styles?: readonly string[];
}): string {
  const head = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(o.title)} · Custody</title>`,
    '<link rel="stylesheet" href="/assets/custody.css">',
    ...(o.styles ?? []).map((s) => `<link rel="stylesheet" href="${esc(s)}">`),
    '</head><body>',
  ];
  const nav = o.user
    ? `<header><nav><a href="/recordings">Recordings</a> <a href="/live">Live</a></nav>` +
      `<form method="post" action="/signout" class="signout"><input type="hidden" name="csrf" value="${esc(o.user.csrfToken)}">` +
      `<span>${esc(o.user.name)}</span> <button type="submit">Sign out</button></form></header>`
    : '<header><span>Custody</span></header>';
  return [
    ...head,
    nav,
    `<main>${o.body}</main>`,
    '<footer><a href="/source">Source code of this version (AGPL-3.0)</a></footer>',
    ...(o.scripts ?? []).map((s) => `<script src="${esc(s)}"></script>`),
    '</body></html>',
  ].join('\n');
}
