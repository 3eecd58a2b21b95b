// Calls the REST API the way a client would: a method, a path with its query, an optional key
// and JSON body, over HTTPS to the real listener.
import https from 'node:https';

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
  /** Extra request headers (HTTPS transport only); `body` given as a string is sent as is. */
  headers?: Record<string, string>;
}

export type Transport = (method: string, pathAndQuery: string, o?: CallOptions) => Promise<ApiAnswer>;

/**
 * The real thing: node's https client against a listener, trusting only its certificate `ca`,
 * over one keep-alive agent (as an application would hold one).
 */
export function httpsTransport(
  baseUrl: string,
  ca: string,
  agent = new https.Agent({ keepAlive: true, ca }),
): Transport {
  return (method, pathAndQuery, o = {}) =>
    new Promise<ApiAnswer>((resolve, reject) => {
      const payload =
        o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
      const auth = o.authorization ?? (o.key ? `Bearer ${o.key}` : undefined);
      const req = https.request(
        new URL(pathAndQuery, baseUrl),
        {
          method,
          agent,
          headers: {
            accept: 'application/json',
            ...(auth ? { authorization: auth } : {}),
            ...(payload !== undefined
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
              : {}),
            ...o.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            try {
              body = JSON.parse(text);
            } catch {
              // Not JSON: the test looks at the text.
            }
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = String(v);
            resolve({ status: res.statusCode ?? 0, body, headers, text });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
}
