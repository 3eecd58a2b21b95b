import { ERROR_CODES, HTTP_STATUS } from '../../../core/index.ts';
import { pathParams, type ApiRoute } from './route.ts';
import { API_ROUTES } from './routes.ts';

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/** The statuses an error may carry, each with the core codes that map to it. */
function errorStatuses(): Map<number, string[]> {
  const by = new Map<number, string[]>();
  for (const code of ERROR_CODES) by.set(HTTP_STATUS[code], [...(by.get(HTTP_STATUS[code]) ?? []), code]);
  return by;
}

function operationOf(route: ApiRoute): Record<string, unknown> {
  const parameters = [
    ...route.params.map((p) => ({
      name: p.name,
      in: 'path',
      required: true,
      description: p.description,
      schema: { type: 'string' },
    })),
    ...(route.query ?? []).map((q) => ({
      name: q.name,
      in: 'query',
      required: !!q.required,
      description: q.description,
      schema: { type: q.type ?? 'string' },
    })),
  ];
  const responses: Record<string, unknown> = {
    [String(route.success.status)]: {
      description: route.success.description,
      content: { 'application/json': { schema: route.success.schema } },
    },
  };
  if (route.auth === 'apikey') {
    for (const [status, codes] of errorStatuses())
      responses[String(status)] = errorResponse(`error: ${codes.join(', ')}`);
    responses['401'] = errorResponse(
      'no key, or a bad, revoked or expired key, or one used from outside its ranges (E_AUTH)',
    );
    responses['404'] = errorResponse(
      'unknown, or not visible to the key’s user: the same answer (E_NOT_FOUND)',
    );
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(parameters.length ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: route.body.some((f) => f.required),
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  additionalProperties: false,
                  properties: Object.fromEntries(
                    route.body.map((f) => [
                      f.name,
                      { type: 'string', maxLength: f.maxLength, description: f.description },
                    ]),
                  ),
                  required: route.body.filter((f) => f.required).map((f) => f.name),
                },
              },
            },
          },
        }
      : {}),
    responses,
    security: route.auth === 'apikey' ? [{ apiKey: [] }] : [],
  };
}

/** The OpenAPI 3.1 document of `routes`, built from the very table the router mounts. */
export function openApiDocument(routes: readonly ApiRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const names = pathParams(r.path);
    if (names.join() !== r.params.map((p) => p.name).join())
      throw new Error(`route ${r.operationId}: path parameters and declared parameters differ`);
    (paths[r.path] ??= {})[r.method.toLowerCase()] = operationOf(r);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Custody REST API',
      version,
      description:
        'Application-to-application password retrieval and the access-control workflow. Every call acts as the API key’s user, with that user’s role and shares.',
      license: { name: 'AGPL-3.0-or-later', identifier: 'AGPL-3.0-or-later' },
    },
    paths,
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'Authorization: Bearer KEY, the key `custody apikey add` wrote to its key file',
        },
      },
      schemas: {
        Error: {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              properties: { code: { type: 'string', enum: [...ERROR_CODES] }, message: { type: 'string' } },
              required: ['code', 'message'],
            },
          },
          required: ['error'],
        },
      },
    },
  };
}

/** The document's own route: public, as it holds no secret and clients fetch it before a key. */
export function openApiRoute(version: string): ApiRoute {
  let doc: Record<string, unknown> | undefined;
  const route: ApiRoute = {
    method: 'GET',
    path: '/api/v1/openapi.json',
    operationId: 'getOpenApi',
    summary: 'This document',
    operations: [],
    params: [],
    success: { status: 200, description: 'the OpenAPI 3.1 document', schema: { type: 'object' } },
    auth: 'public',
    handle: async () => ({ status: 200, body: (doc ??= openApiDocument(allApiRoutes(version), version)) }),
  };
  return route;
}

/** Everything the API mounts: the routes and the document describing them. */
export function allApiRoutes(version: string): readonly ApiRoute[] {
  return [...API_ROUTES, openApiRoute(version)];
}
