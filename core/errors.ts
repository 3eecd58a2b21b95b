// Every rejection Custody makes is one of these: a class, a stable code, a one-line message.
// Codes are part of the CLI contract: scripts match on them, so never rename one.

export const ERROR_CODES = [
  'E_CONFIG',
  'E_USAGE',
  'E_VALIDATION',
  'E_NOT_FOUND',
  'E_FORBIDDEN',
  'E_CONFLICT',
  'E_AUTH',
  'E_POLICY',
  'E_KEY',
  'E_CRYPTO',
  'E_STORAGE',
  'E_IMPORT',
  'E_AUDIT_BROKEN',
  'E_LIMIT',
  'E_TARGET',
  'E_HOST_KEY',
  'E_LOCKED',
  'E_ELSEWHERE',
  'E_INTERNAL',
] as const;

/** Each code's HTTP status is in core/http-status.ts: a new code here must get one there. */
export type ErrorCode = (typeof ERROR_CODES)[number];

export class CustodyError extends Error {
  readonly code: ErrorCode;
  /** Machine-readable extras (field names, line numbers) — never secret values. */
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export class ConfigError extends CustodyError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('E_CONFIG', message, details);
  }
}

export class UsageError extends CustodyError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('E_USAGE', message, details);
  }
}

export class ValidationError extends CustodyError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('E_VALIDATION', message, details);
  }
}

/**
 * Unknown and invisible objects get this same answer (deny by default: the caller learns
 * nothing about objects it may not see).
 */
export class NotFoundError extends CustodyError {
  constructor(kind: string, name: string) {
    super('E_NOT_FOUND', `${kind} '${name}' not found`, { kind, name });
  }
}

/** The caller can see the object (or the operation is not object-bound) but may not do this. */
export class ForbiddenError extends CustodyError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('E_FORBIDDEN', message, details);
  }
}

export class ConflictError extends CustodyError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('E_CONFLICT', message, details);
  }
}

export class AuthError extends CustodyError {
  constructor(message = 'authentication failed', details: Record<string, unknown> = {}) {
    super('E_AUTH', message, details);
  }
}

export class PolicyError extends CustodyError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('E_POLICY', message, details);
  }
}

export class KeyError extends CustodyError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('E_KEY', message, details);
  }
}

export class CryptoError extends CustodyError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('E_CRYPTO', message, details);
  }
}

export class StorageError extends CustodyError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('E_STORAGE', message, details);
  }
}

/**
 * What is asked for lives on another cluster node's own disk (a recording made there, with no
 * shared recordings directory): this node cannot serve it, and retrying here will not help.
 */
export class ElsewhereError extends CustodyError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('E_ELSEWHERE', message, details);
  }
}

export class LimitError extends CustodyError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('E_LIMIT', message, details);
  }
}

export class AuditBrokenError extends CustodyError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('E_AUDIT_BROKEN', message, details);
  }
}

export function isCustodyError(e: unknown): e is CustodyError {
  return e instanceof CustodyError;
}

/** A target or landing server refused, could not be reached, or misbehaved. */
export class TargetError extends CustodyError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('E_TARGET', message, details);
  }
}

/** A target's host key differs from the one pinned at first use. */
export class HostKeyError extends CustodyError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('E_HOST_KEY', message, details);
  }
}

/** Too many failed logins for this user name or source address. */
export class LockedError extends CustodyError {
  constructor(message = 'too many failed logins: try again later', details: Record<string, unknown> = {}) {
    super('E_LOCKED', message, details);
  }
}

/**
 * The first line of whatever was thrown, at most `max` characters: for audit details, logs and
 * one-line refusals (a driver's multi-line message or a stack never spills into them).
 */
export function firstLine(e: unknown, max?: number): string {
  const line = String((e as Error)?.message ?? e).split('\n')[0]!;
  return max === undefined ? line : line.slice(0, max);
}
