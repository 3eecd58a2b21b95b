import { CustodyError, httpStatusOf, type ErrorCode } from '../../core/index.ts';

/** What a handler returns; the listener adds the security headers and writes it. */
export interface WebReply {
  status: number;
  headers?: Record<string, string | string[]>;
  body: string | Buffer;
  /** Written as the response's Content-Type. */
  contentType: string;
}

export function json(value: unknown, status = 200, headers?: Record<string, string | string[]>): WebReply {
  return { status, headers, body: JSON.stringify(value), contentType: 'application/json; charset=utf-8' };
}

export function html(page: string, status = 200, headers?: Record<string, string | string[]>): WebReply {
  return { status, headers, body: page, contentType: 'text/html; charset=utf-8' };
}

export function text(body: string, contentType = 'text/plain; charset=utf-8', status = 200): WebReply {
  return { status, body, contentType };
}

/** A 303 to a local path only: an absolute or scheme-relative URL here would be an open redirect. */
export function redirect(localPath: string, headers?: Record<string, string | string[]>): WebReply {
  if (!isLocalPath(localPath)) throw new Error(`redirect target is not a local path`);
  return { status: 303, headers: { ...headers, location: localPath }, body: '', contentType: 'text/plain' };
}

/** `/x…`, not `//host` nor `/\\host`, and no control characters (no header injection). */
export function isLocalPath(p: string): boolean {
  return /^\/(?![/\\])[\x21-\x7e]*$/.test(p) && !p.includes('\\');
}

/**
 * The one error body: `{"error":{"code","message"}}` with the status from core's mapping table.
 * Anything that is not a Custody error is an internal error whose message stays in the log.
 */
export function errorReply(e: unknown): WebReply {
  const code: ErrorCode = e instanceof CustodyError ? e.code : 'E_INTERNAL';
  const message = e instanceof CustodyError ? e.message : 'internal error';
  return json({ error: { code, message } }, httpStatusOf(e));
}
