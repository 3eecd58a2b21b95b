// Calls the REST API the way a client would: a method, a path with its query, an optional key
// and JSON body. `adapterTransport` goes through the API's own handler in-process (no sockets);
// the HTTPS transport goes through the real listener.
import type { ApiResponse } from '../../gateway/web/api/api-handler.ts';
import type { ApiCall } from '../../gateway/web/api/api-handler.ts';

export interface ApiAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  /** The raw response text, for "appears nowhere" checks. */
  text: string;
}

export interface CallOptions {
  key?: string;
  body?: unknown;
  /** Sent instead of the Bearer header built from `key`. */
  authorization?: string;
}

export type Transport = (method: string, pathAndQuery: string, o?: CallOptions) => Promise<ApiAnswer>;

export function adapterTransport(
  handle: (c: ApiCall) => Promise<ApiResponse>,
  address = '127.0.0.1',
): Transport {
  return async (method, pathAndQuery, o = {}) => {
    const url = new URL(pathAndQuery, 'https://adapter.invalid');
    const r = await handle({
      method,
      path: url.pathname,
      query: url.searchParams,
      authorization: o.authorization ?? (o.key ? `Bearer ${o.key}` : undefined),
      address,
      body: o.body,
    });
    const text = JSON.stringify(r.body);
    return { status: r.status, body: JSON.parse(text) as unknown, headers: r.headers, text };
  };
}
