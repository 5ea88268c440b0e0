/**
 * One route of the local API, defined once: method, path template, input schemas (path
 * parameters, query, body), the response schema, the error statuses it can answer, its
 * documentation — and the handler, which runs only on input that passed every schema. The
 * server matches and validates from these definitions; `/openapi.json` is generated from the
 * same ones (openapi.ts), so the two cannot drift.
 *
 * @module
 */
import type { z } from 'zod'
import type { HttpStatus } from '../errors.ts'
import type { LiaisonService } from '../service/index.ts'
import type { TaxiiStore } from '../taxii/taxii-store.ts'
import type { QueryExchange } from '../query/exchange.ts'
import type { AuditView } from './console-routes.ts'
import type { TaskForces } from '../taskforce/index.ts'

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'

/** Error statuses a route may document (every route also documents 200, 401 and 500); the catalogue's statuses (node/errors.ts). */
export type ErrorStatus = Exclude<HttpStatus, 401 | 500>

/** What a handler gets: validated (and transformed) input, and the service it works on. */
export interface RouteContext<P, Q, B> {
  params: P
  query: Q
  body: B
  service: LiaisonService
  /** The TAXII server's collections and clients (a running node's API only). */
  taxii?: TaxiiStore
  /** Hit/no-hit queries (a running node's API only). */
  queries?: QueryExchange
  /** The audit log's checkpoints, proofs and live export (a running node's API only). */
  auditView?: AuditView
  /** Joint task forces (PROTOCOL.md §21). */
  taskForces?: TaskForces
}

/**
 * A handler's answer that is not JSON (the report as text, CSV or HTML): written as it is,
 * with its media type. Routes that may answer one list the types in `produces`.
 */
export class RawBody {
  readonly type: string
  readonly body: string
  constructor (type: string, body: string) {
    this.type = type
    this.body = body
  }
}

/** A JSON route. `params` must name exactly the `{…}` segments of `path`. */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method
  /** OpenAPI path template: `/v1/peers/{peerId}`; each `{name}` is one whole segment. */
  path: string
  operationId: string
  summary: string
  description?: string
  tags: [string, ...string[]]
  /** A z.strictObject of the path parameters (strings on the wire). */
  params?: P
  /** A z.strictObject of the query parameters (strings on the wire; transform to numbers etc.). */
  query?: Q
  /** The JSON request body. Absent: the route takes no body. */
  body?: B
  /** The 200 response body. */
  response: z.ZodType
  /** Other media types the 200 answer may have (the handler returns a RawBody for them). */
  produces?: string[]
  errors?: ErrorStatus[]
  handler: (ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<unknown>
}

/** A route as the table holds it (input types erased). */
export interface Route {
  method: Method
  path: string
  operationId: string
  summary: string
  description?: string
  tags: readonly string[]
  params?: z.ZodType
  query?: z.ZodType
  body?: z.ZodType
  response: z.ZodType
  produces?: readonly string[]
  errors?: readonly ErrorStatus[]
  handler: (ctx: RouteContext<unknown, unknown, unknown>) => Promise<unknown>
}

/** Define a route; the handler's input is typed from the schemas. */
export function defineRoute<
  P extends z.ZodType = z.ZodType<Record<string, never>>,
  Q extends z.ZodType = z.ZodType<Record<string, never>>,
  B extends z.ZodType = z.ZodType<undefined>
> (spec: RouteSpec<P, Q, B>): Route {
  return spec as unknown as Route
}
