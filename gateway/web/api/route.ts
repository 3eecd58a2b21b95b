import type { ActorCore, Operation } from '../../../core/index.ts';

/**
 * The REST API's own small contract with whatever HTTP router mounts it: a route is a method, an
 * OpenAPI-style path (`/api/v1/passwords/{resource}/{account}`), what the OpenAPI document says
 * about it, and a handler that gets the key's actor core and already-decoded inputs. The router
 * owns the socket, body limits, Content-Type and JSON parsing, and turning a thrown CustodyError
 * into `{error:{code,message}}` with the HTTP status of core/http-status.ts; the routes own what
 * the API means. Keeping the two apart lets the routes be tested and documented without a
 * listener and mounted on it in one place (mount.ts).
 */
export type ApiMethod = 'GET' | 'POST';

export interface ApiParam {
  name: string;
  description: string;
}

export interface ApiQueryParam extends ApiParam {
  required?: boolean;
  /** `boolean`: given as `true` or `false`. */
  type?: 'string' | 'boolean';
}

/** A JSON request body's fields: all strings, the only kind the API takes. */
export interface ApiBodyField {
  name: string;
  description: string;
  required: boolean;
  maxLength: number;
}

/** What a handler gets: inputs checked against the route's declaration, and the key's actor core. */
export interface ApiRequest {
  /** Path parameters, percent-decoded, by name. */
  params: Readonly<Record<string, string>>;
  /** Declared query parameters only (an undeclared one was refused), booleans parsed. */
  query: Readonly<Record<string, string | boolean | undefined>>;
  /** Declared body fields only, each a bounded string (absent: undefined). */
  body: Readonly<Record<string, string | undefined>>;
  /** The API key's user, as core sees it: every call is authorised and audited there. */
  me: ActorCore;
}

/** What the router hands over, before any check. */
export interface RawApiRequest {
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** The parsed JSON body, or undefined when the request had none. */
  body: unknown;
  /** The key's actor core; absent on a public route. */
  me?: ActorCore;
}

export interface ApiResult {
  status: number;
  body: unknown;
}

export interface ApiRoute {
  method: ApiMethod;
  path: string;
  /** Unique, stable: the OpenAPI operationId and the authorisation matrix's row key. */
  operationId: string;
  summary: string;
  /** The core operations the handler may reach (documented; each has its matrix row in core). */
  operations: readonly Operation[];
  params: readonly ApiParam[];
  query?: readonly ApiQueryParam[];
  body?: readonly ApiBodyField[];
  /** The success status and what its JSON holds (for the document). */
  success: { status: 200 | 201; description: string; schema: Record<string, unknown> };
  /** `public`: no key (the OpenAPI document itself). */
  auth: 'apikey' | 'public';
  handle(req: ApiRequest): Promise<ApiResult>;
}

/** The path's parameter names, in order (`{resource}` → `resource`). */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{([a-z]+)\}/g)].map((m) => m[1]!);
}
