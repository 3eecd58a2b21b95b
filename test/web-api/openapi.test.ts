// The OpenAPI 3.1 document served at /api/v1/openapi.json, checked against the routes the
// listener really has: every route documented, every documented route answering, and methods,
// path and query parameters the same on both sides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allApiRoutes } from '../../gateway/web/api/openapi.ts';
import { pathParams, type ApiRoute } from '../../gateway/web/api/route.ts';
import { apiTransport, type ApiFixture } from '../support/api-fixture.ts';

interface DocOperation {
  operationId: string;
  parameters?: { name: string; in: string; required: boolean }[];
  responses: Record<string, unknown>;
  requestBody?: unknown;
}
type Doc = { openapi: string; paths: Record<string, Record<string, DocOperation>> };

/** `METHOD path` with its path and query parameter names, from either side. */
function fromDoc(doc: Doc): Map<string, { path: string[]; query: string[]; body: boolean }> {
  const out = new Map<string, { path: string[]; query: string[]; body: boolean }>();
  for (const [p, ops] of Object.entries(doc.paths))
    for (const [m, op] of Object.entries(ops))
      out.set(`${m.toUpperCase()} ${p}`, {
        path: (op.parameters ?? []).filter((x) => x.in === 'path').map((x) => x.name),
        query: (op.parameters ?? []).filter((x) => x.in === 'query').map((x) => x.name),
        body: op.requestBody !== undefined,
      });
  return out;
}

function fromRoutes(
  routes: readonly ApiRoute[],
): Map<string, { path: string[]; query: string[]; body: boolean }> {
  return new Map(
    routes.map((r) => [
      `${r.method} ${r.path}`,
      { path: pathParams(r.path), query: (r.query ?? []).map((q) => q.name), body: r.body !== undefined },
    ]),
  );
}

describe('the OpenAPI document', () => {
  let f: ApiFixture;
  let doc: Doc;
  beforeAll(async () => {
    f = await apiTransport();
    const r = await f.api('GET', '/api/v1/openapi.json');
    expect(r.status).toBe(200);
    doc = r.body as Doc;
  }, 60_000);
  afterAll(async () => f?.close());

  it('is OpenAPI 3.1 and describes exactly the registered routes, with the same parameters', () => {
    expect(doc.openapi).toBe('3.1.0');
    const documented = fromDoc(doc);
    const registered = fromRoutes(allApiRoutes('test'));
    // What the listener's router really holds under /api/v1, in OpenAPI's path syntax.
    const onListener = f
      .registered()
      .filter((r) => r.path.startsWith('/api/v1/'))
      .map((r) => `${r.method} ${r.path.replace(/:([a-z]+)/g, '{$1}')}`);
    expect([...documented.keys()].sort()).toEqual([...onListener].sort());
    expect([...documented.keys()].sort()).toEqual([...registered.keys()].sort());
    for (const [k, v] of registered) expect(documented.get(k), k).toEqual(v);
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    for (const ops of Object.values(doc.paths))
      for (const op of Object.values(ops))
        expect(Object.keys(op.responses).some((s) => /^2\d\d$/.test(s))).toBe(true);
  });

  it('probe: a route missing from the document, or a parameter renamed, fails the comparison', () => {
    const registered = fromRoutes(allApiRoutes('test'));
    const documented = fromDoc(doc);
    const first = [...documented.keys()][0]!;
    documented.delete(first);
    expect([...documented.keys()].sort()).not.toEqual([...registered.keys()].sort());
    const renamed = fromDoc(doc);
    const withParams = [...renamed.entries()].find(([, v]) => v.path.length > 0)!;
    renamed.set(withParams[0], { ...withParams[1], path: ['renamed'] });
    expect(renamed.get(withParams[0])).not.toEqual(registered.get(withParams[0]));
  });

  it('every documented method and path answers on the listener; an undocumented one does not', async () => {
    for (const [p, ops] of Object.entries(doc.paths))
      for (const [m, op] of Object.entries(ops)) {
        const path = p.replace(/\{[a-z]+\}/g, 'probe');
        const r = await f.api(m.toUpperCase(), path, m === 'post' ? { body: {} } : {});
        // Without a key: the route is there and asks for one (or, the document itself, answers).
        const secured = (op as { security?: unknown[] }).security?.length;
        expect(r.status, `${m} ${path}`).toBe(secured ? 401 : 200);
      }
    const r = await f.api('GET', '/api/v1/passwords', {});
    expect(r).toMatchObject({ status: 404, body: { error: { code: 'E_NOT_FOUND' } } });
    const wrongMethod = await f.api('DELETE', '/api/v1/resources', {});
    expect(wrongMethod).toMatchObject({ status: 400, body: { error: { code: 'E_USAGE' } } });
  }, 60_000);
});
