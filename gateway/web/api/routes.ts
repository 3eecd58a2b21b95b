import { ACCESS_ROUTES } from './access-routes.ts';
import type { ApiRoute } from './route.ts';
import { SESSION_ROUTES } from './session-routes.ts';
import { VAULT_ROUTES } from './vault-routes.ts';

/**
 * Every route of the REST API. Each handler calls core through the key's actor core only, so the
 * authorisation, the access-control workflow, ticket and reason rules and the audit trail are the
 * ones every other door has; the API adds no decision of its own.
 */
export const API_ROUTES: readonly ApiRoute[] = [...VAULT_ROUTES, ...ACCESS_ROUTES, ...SESSION_ROUTES];
