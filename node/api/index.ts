/**
 * The local API: JSON over HTTP on loopback for the node's own operator, tools and CLI.
 *
 * - routes/index.ts — THE route table, one file per route group; its header says how to add
 *   a route (define it once with `defineRoute` in its group's file: schemas, docs, handler).
 * - route.ts — what a route definition holds; dispatch.ts — matching and validation of
 *   path, query and body against a route's schemas before its handler runs.
 * - schemas.ts — the shared zod schemas, `named()` ones become OpenAPI components.
 * - server.ts — ApiServer (auth, body limits, error answers); client.ts — ApiClient, the
 *   LiaisonService over HTTP that the CLI uses.
 * - openapi.ts — `/openapi.json`, generated from the table (loaded on first request by
 *   openapi-route.ts; import it directly only where the document is wanted).
 *
 * @module
 */
export { ApiServer, type ApiComponents, type ApiInit } from './server.ts'
export { ApiClient } from './client.ts'
export { ROUTES } from './routes/index.ts'
export { defineRoute, type Route, type RouteSpec, type RouteContext, type ErrorStatus, type Method } from './route.ts'
export type { ValidationIssue } from './dispatch.ts'
export { lazyOpenApiRoute } from './openapi-route.ts'
