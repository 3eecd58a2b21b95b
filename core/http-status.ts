import { CustodyError, type ErrorCode } from './errors.ts';

/**
 * The HTTP status of every error code, for the web listener and its REST API. `satisfies` makes
 * a code added to ERROR_CODES without a status here a type error.
 *
 * Unknown and forbidden objects: core already gives them one answer. An object the caller may
 * not see is refused as E_NOT_FOUND, exactly like one that does not exist, so both are 404 and
 * the status tells nothing the caller may not know. E_FORBIDDEN is raised only when the caller
 * can see the object (or the operation names none) and lacks the role or the privilege, so its
 * 403 reveals nothing either.
 */
export const HTTP_STATUS = {
  // The request itself is wrong: malformed, fails a rule on its values, or a file it names is bad.
  E_USAGE: 400,
  E_VALIDATION: 400,
  E_IMPORT: 400,
  // Who is asking is not established (bad password, key or code).
  E_AUTH: 401,
  E_FORBIDDEN: 403,
  E_NOT_FOUND: 404,
  // The vault's state says no: a name taken, a check-out held, a count cap reached (E_LIMIT is
  // "at most 20 custom fields", not a rate: retrying the same request cannot succeed).
  E_CONFLICT: 409,
  E_LIMIT: 409,
  // Held by another cluster node (its own disk): this node cannot serve it without configuration.
  E_ELSEWHERE: 409,
  // Well-formed, but the password breaks the policy that applies to it.
  E_POLICY: 422,
  // Too many failed logins: a rate limit on this name or address, lifted by time (or an unlock).
  E_LOCKED: 429,
  // The server's own state is at fault; the message is for the operator of the server.
  E_CONFIG: 500,
  E_KEY: 500,
  E_CRYPTO: 500,
  E_STORAGE: 500,
  E_AUDIT_BROKEN: 500,
  E_INTERNAL: 500,
  // A target or landing server refused, was unreachable, or showed another host key.
  E_TARGET: 502,
  E_HOST_KEY: 502,
} as const satisfies Record<ErrorCode, number>;

export type HttpStatus = (typeof HTTP_STATUS)[ErrorCode];

/** The status for anything thrown: a Custody error by its code, anything else 500. */
export function httpStatusOf(e: unknown): HttpStatus {
  return e instanceof CustodyError ? HTTP_STATUS[e.code] : HTTP_STATUS.E_INTERNAL;
}
