import { ForbiddenError, NotFoundError } from '../errors.ts';
import { isSuperAdmin, type Actor } from './actor.ts';
import { OPERATIONS, type Operation, type OperationRule } from './operations.ts';
import { atLeast, type Level } from './privilege.ts';

/** Reading what happened (audit trail, session recordings): password admins only by config. */
const AUDIT_READ_OPS: ReadonlySet<Operation> = new Set<Operation>([
  'audit.read',
  'audit.verify',
  'recording.list',
  'recording.export',
  'recording.search',
]);

export interface AuthorizerOptions {
  passwordAdminsReadAudit: boolean;
}

/**
 * The single gate. Deny by default: an operation not in OPERATIONS cannot be named, a role not
 * listed is refused, and an object the actor cannot see is reported exactly as a missing one.
 */
export class Authorizer {
  constructor(private readonly options: AuthorizerOptions) {}

  private rule(op: Operation): OperationRule {
    return OPERATIONS[op];
  }

  private roleAllows(actor: Actor, op: Operation): boolean {
    const rule = this.rule(op);
    if (!rule.roles.includes(actor.user.role)) return false;
    if (rule.superAdminOnly && actor.kind !== 'host' && !isSuperAdmin(actor)) return false;
    if (AUDIT_READ_OPS.has(op) && actor.user.role === 'password-admin') {
      return this.options.passwordAdminsReadAudit || actor.kind === 'host';
    }
    return true;
  }

  /** For operations not bound to one shared object. */
  require(actor: Actor, op: Operation): void {
    if (actor.user.status !== 'active') throw new ForbiddenError(`user '${actor.name}' is inactive`);
    if (!this.roleAllows(actor, op))
      throw new ForbiddenError(`${actor.name} may not ${op}`, { operation: op });
  }

  /** For operations on an object the actor holds `level` on. */
  requireOn(actor: Actor, op: Operation, level: Level, object: { kind: string; name: string }): void {
    if (level === 'none') throw new NotFoundError(object.kind, object.name);
    this.require(actor, op);
    const needed = this.rule(op).privilege ?? 'view';
    if (!atLeast(level, needed)) {
      throw new ForbiddenError(
        `${actor.name} may not ${op} on ${object.kind} '${object.name}' (needs ${needed})`,
        {
          operation: op,
          needed,
        },
      );
    }
  }

  allows(actor: Actor, op: Operation, level?: Level): boolean {
    try {
      if (level === undefined) this.require(actor, op);
      else this.requireOn(actor, op, level, { kind: 'object', name: '' });
      return true;
    } catch {
      return false;
    }
  }
}
