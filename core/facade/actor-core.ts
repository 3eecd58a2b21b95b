import type { Actor } from '../authz/actor.ts';
import { canOn, type PermissionObject } from '../authz/can.ts';
import type { Operation } from '../authz/operations.ts';
import type { CustodyConfig } from '../config/schema.ts';
import type { CoreContext } from '../context.ts';
import type { Core } from '../core.ts';

/**
 * A core method with its leading `actor: Actor` bound, or `never` for a member that is not an
 * actor's operation (a property, a method whose first parameter is something else, or none).
 * The first parameter must be exactly `Actor`: a method taking a grant or a user name is a
 * system operation and is not offered on an actor's behalf.
 */
export type ActorBound<F> = F extends (...args: infer A) => infer R
  ? A extends [infer First, ...infer Rest]
    ? [First] extends [Actor]
      ? [Actor] extends [First]
        ? (...args: Rest) => R
        : never
      : never
    : never
  : never;

/** A service as one actor sees it: only its actor operations, each without the actor argument. */
export type BoundService<S> = {
  readonly [K in keyof S as [ActorBound<S[K]>] extends [never] ? never : K]: ActorBound<S[K]>;
};

/** The services whose operations an actor calls (the console, the CLI, later the web API). */
export const ACTOR_SERVICES = [
  'users',
  'userGroups',
  'catalog',
  'resources',
  'accounts',
  'personal',
  'groups',
  'explorer',
  'sharing',
  'policies',
  'settings',
  'audit',
  'imports',
  'recordings',
  'recordingSearch',
  'recordingRetention',
  'credentials',
  'logins',
  'landing',
  'hostKeys',
  'sessions',
  'live',
  'access',
  'selfService',
  'ticketing',
  'resets',
  'listeners',
  'sync',
  'passwordEvents',
  'verification',
  'rotation',
  'resetSettings',
  'keys',
  'webLinks',
  'board',
  'apiKeys',
] as const satisfies readonly (keyof Core)[];

export type ActorServiceName = (typeof ACTOR_SERVICES)[number];

export type ActorServices = { readonly [K in ActorServiceName]: BoundService<Core[K]> };

/**
 * What product code outside core holds for one operator: every operation that operator may
 * attempt (core still checks each call), `can` for what to offer, and the read-only configuration.
 */
export interface ActorCore extends ActorServices {
  readonly actor: Actor;
  readonly config: Readonly<CustodyConfig>;
  /**
   * Would core's authorizer let this actor run `op` — by role alone, or (with `object`) by role
   * and the privilege held on that object? Never throws and audits nothing; an object that does
   * not exist and one the actor may not see both answer false.
   */
  can(op: Operation): boolean;
  can(op: Operation, object: PermissionObject): Promise<boolean>;
}

/**
 * A service's methods with `actor` put in front of the caller's arguments. The proxy's target is
 * an empty object, so no field of the service (its context, its store) can be reached through
 * it, not even by enumerating keys. Which methods are an actor's operations is decided by the
 * type (`BoundService`): at run time every method is bound, and typecheck keeps callers to the
 * ones whose first parameter is the actor.
 */
function bindService<S extends object>(service: S, actor: Actor): BoundService<S> {
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(
    {},
    {
      get(_target, prop) {
        if (bound.has(prop)) return bound.get(prop);
        const member: unknown = Reflect.get(service, prop);
        if (typeof member !== 'function' || typeof prop !== 'string' || prop === 'constructor') {
          return undefined;
        }
        const call = (...args: unknown[]) =>
          (member as (...a: unknown[]) => unknown).apply(service, [actor, ...args]);
        bound.set(prop, call);
        return call;
      },
    },
  ) as BoundService<S>;
}

export function actorCore(services: Pick<Core, ActorServiceName>, ctx: CoreContext, actor: Actor): ActorCore {
  const bound = Object.fromEntries(
    ACTOR_SERVICES.map((name) => [name, bindService(services[name], actor)]),
  ) as unknown as ActorServices;
  function can(op: Operation): boolean;
  function can(op: Operation, object: PermissionObject): Promise<boolean>;
  function can(op: Operation, object?: PermissionObject): boolean | Promise<boolean> {
    if (!object) return ctx.authz.allows(actor, op);
    return ctx.store.read((repos) => canOn(ctx.authz, repos, actor, op, object));
  }
  return Object.freeze({ ...bound, actor, config: ctx.config, can });
}
