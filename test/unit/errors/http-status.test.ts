// Every error code has exactly one HTTP status (the web listener answers with it), and an object
// the caller may not see gets the same status as one that does not exist.
import { describe, expect, it } from 'vitest';
import {
  AuthError,
  ERROR_CODES,
  ForbiddenError,
  HTTP_STATUS,
  httpStatusOf,
  LimitError,
  LockedError,
  NotFoundError,
  TargetError,
  ValidationError,
} from '../../../core/index.ts';

describe('HTTP status of error codes', () => {
  it('gives every code a status, and names no code that does not exist', () => {
    expect(Object.keys(HTTP_STATUS).sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      const status = HTTP_STATUS[code];
      expect(Number.isInteger(status) && status >= 400 && status <= 599, code).toBe(true);
    }
  });

  it('maps the codes a client acts on to their usual statuses', () => {
    expect(httpStatusOf(new ValidationError('bad'))).toBe(400);
    expect(httpStatusOf(new AuthError())).toBe(401);
    expect(httpStatusOf(new ForbiddenError('no'))).toBe(403);
    expect(httpStatusOf(new NotFoundError('account', 'a/b'))).toBe(404);
    expect(httpStatusOf(new LimitError('at most 20'))).toBe(409);
    expect(httpStatusOf(new LockedError())).toBe(429);
    expect(httpStatusOf(new TargetError('refused'))).toBe(502);
    expect(HTTP_STATUS.E_HOST_KEY).toBe(502);
  });

  it('answers anything that is not a Custody error with 500, never its message', () => {
    expect(httpStatusOf(new Error('driver exploded'))).toBe(500);
    expect(httpStatusOf('a string')).toBe(500);
    expect(httpStatusOf(undefined)).toBe(500);
  });

  it('refuses an object the caller may not see with the status of a missing one', () => {
    // Core reports an invisible object as E_NOT_FOUND: the status cannot tell the two apart.
    expect(httpStatusOf(new NotFoundError('account', 'hidden/root'))).toBe(
      httpStatusOf(new NotFoundError('account', 'nosuch/root')),
    );
  });
});
