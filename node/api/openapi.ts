/**
 * The OpenAPI 3.1 document of the local API, served at `GET /openapi.json` and generated
 * from the route table (routes/index.ts) and its zod schemas — nothing here lists a route or
 * a field, so the document cannot drift from what the server accepts and answers. Request
 * schemas are the validators themselves (`z.toJSONSchema`, input side: what a client sends);
 * schemas made with `named()` in schemas.ts become `components.schemas`.
 *
 * Built on the first request for it (openapi-route.ts), not at start-up.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import { z } from 'zod'
import { ROUTES, type Route } from './routes/index.ts'
import type { ErrorStatus } from './route.ts'
import { httpStatus, type ErrorCode, type HttpStatus } from '../errors.ts'
import { API_MAX_BODY_BYTES } from '../defaults.ts'
import { API_ERROR_CODES, apiComponents, apiError, validationIssue } from './schemas.ts'

export { API_ERROR_CODES }

type Schema = Record<string, unknown>

/** Paths served by ApiServer's `extra` handler rather than the route table. */
export const EXTRA_PATHS: readonly string[] = ['/metrics', '/openapi.json']

const TAGS = [
  { name: 'node', description: 'health, metrics, this document' },
  { name: 'messages', description: 'send, inbox, outbox' },
  { name: 'trust', description: 'the trust list and trust cards' },
  { name: 'policy', description: 'the node policy and decisions' },
  { name: 'forwarding', description: 'forwarding and release requests' },
  { name: 'keys', description: 'identity key rotation' },
  { name: 'audit', description: 'witnessing of audit-log checkpoints by peers' },
  { name: 'report', description: 'the cooperation report and feedback on received messages' },
  { name: 'taxii', description: 'TAXII 2.1 collections and clients (docs/taxii.md)' },
  { name: 'queries', description: 'hit/no-hit queries (PROTOCOL.md §19)' },
  { name: 'taskforces', description: 'joint task forces: charters signed by their members (PROTOCOL.md §21)' }
]

/** The codes the API answers with `status`, in catalogue order (node/errors.ts, then protocol/errors.ts). */
function codesWith (status: HttpStatus): string[] {
  return API_ERROR_CODES.filter(code => httpStatus(code as ErrorCode) === status)
}

/** What an error status means; the codes in front come from the catalogue (all but 422's, which are most of them). */
const ERROR_MEANING: Record<ErrorStatus | 401 | 500, string> = {
  400: 'the request is malformed (BAD_ARGUMENT from request validation: `details` lists each offending field as a ValidationIssue); nothing was done.',
  401: 'the bearer token is missing or wrong; nothing was done.',
  404: 'no such message, peer, release request or route.',
  409: 'the peer is already on the trust list, or the command needs a running node.',
  413: `the request body (${API_MAX_BODY_BYTES / 2 ** 20} MiB) or the message exceeds its limit.`,
  422: 'A refusal with a stable reason code (RECIPIENT_REFUSED, FORWARD_NOT_PERMITTED, PEER_REVOKED, CONFIG_INVALID…).',
  500: 'an unexpected error; logged by the node.',
  503: 'the node is busy reopening its store; retry.',
  504: '`wait` ran out before every recipient answered (PEER_UNREACHABLE: a recipient could not be dialled; the message names the addresses tried and ' +
    '`details` lists them); the message stays queued.',
  507: 'the node cannot store; nothing was done.'
}

const errorText = (status: ErrorStatus | 401 | 500): string => status === 422 ? ERROR_MEANING[422] : `${codesWith(status).join(', ')}: ${ERROR_MEANING[status]}`

/** "400 A, B; 401 C; …; 422 every other code." from the catalogue. */
function statusByCode (): string {
  const statuses = [...new Set(API_ERROR_CODES.map(code => httpStatus(code as ErrorCode)))].filter(s => s !== 422).sort((a, b) => a - b)
  return statuses.map(s => `${s} ${codesWith(s).join(', ')}`).join('; ') + '; 422 every other code.'
}

/** zod → JSON Schema 2020-12 with named schemas as `$ref`s into `components`. */
function converter (components: Record<string, Schema>): (schema: z.ZodType) => Schema {
  return schema => {
    const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', metadata: apiComponents, reused: 'inline', cycles: 'ref' }) as Schema
    const defs = (out.$defs ?? {}) as Record<string, Schema>
    delete out.$defs
    delete out.$schema
    for (const [name, def] of Object.entries(defs)) components[name] ??= relink(def)
    const id = apiComponents.get(schema)?.id
    if (id != null) {
      components[id] ??= relink(out)
      return { $ref: `#/components/schemas/${id}` }
    }
    return relink(out)
  }
}

function relink (schema: Schema): Schema {
  const copy = JSON.parse(JSON.stringify(schema).replaceAll('"#/$defs/', '"#/components/schemas/')) as Schema
  delete copy.id
  return copy
}

function unwrapOptional (schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodOptional ? schema.unwrap() as z.ZodType : schema
}

function parameters (route: Route, where: 'path' | 'query', toSchema: (s: z.ZodType) => Schema): Schema[] {
  const schema = where === 'path' ? route.params : route.query
  if (schema == null) return []
  const json = toSchema(schema) as { properties?: Record<string, Schema>, required?: string[] }
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType & { unwrap?: () => z.ZodType }> }).shape ?? {}
  return Object.entries(json.properties ?? {}).map(([name, s]) => {
    const { description: own, ...rest } = s
    const description = own ?? shape[name]?.description ?? shape[name]?.unwrap?.().description
    return {
      name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      ...(description != null ? { description } : {}),
      schema: rest
    }
  })
}

function operation (route: Route, toSchema: (s: z.ZodType) => Schema): Schema {
  const json = (schema: Schema, description: string): Schema => ({ description, content: { 'application/json': { schema } } })
  const errorRef = toSchema(apiError)
  const ok = json(toSchema(route.response), route.summary)
  for (const type of route.produces ?? []) (ok.content as Record<string, Schema>)[type] = { schema: { type: 'string' } }
  const responses: Record<string, Schema> = { 200: ok, 401: json(errorRef, errorText(401)), 500: json(errorRef, errorText(500)) }
  for (const status of route.errors ?? []) responses[status] = json(errorRef, errorText(status))
  const params = [...parameters(route, 'path', toSchema), ...parameters(route, 'query', toSchema)]
  let requestBody: Schema | undefined
  if (route.body != null) {
    const optional = route.body.safeParse(undefined).success
    requestBody = { required: !optional, content: { 'application/json': { schema: toSchema(unwrapOptional(route.body)) } } }
  }
  return {
    summary: route.summary,
    operationId: route.operationId,
    tags: [...route.tags],
    ...(route.description != null ? { description: route.description } : {}),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(requestBody != null ? { requestBody } : {}),
    responses
  }
}

/** The OpenAPI 3.1 document of the local API (a fresh, JSON-able object). */
export function openApiDocument (version = '0.1.0', routes: readonly Route[] = ROUTES): Record<string, unknown> {
  const components: Record<string, Schema> = {}
  const toSchema = converter(components)
  const paths: Record<string, Record<string, Schema>> = {}
  for (const route of routes) {
    paths[route.path] ??= {}
    paths[route.path][route.method.toLowerCase()] = operation(route, toSchema)
  }
  const errorRef = toSchema(apiError)
  toSchema(validationIssue)
  paths['/metrics'] = {
    get: {
      summary: 'Prometheus metrics (text exposition format 0.0.4)',
      description: 'Every metric is documented in docs/metrics.md.',
      operationId: 'metrics',
      tags: ['node'],
      responses: {
        200: { description: 'metrics', content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } } },
        401: { description: errorText(401), content: { 'application/json': { schema: errorRef } } }
      }
    }
  }
  paths['/openapi.json'] = {
    get: {
      summary: 'This document',
      operationId: 'openapi',
      tags: ['node'],
      responses: {
        200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } },
        401: { description: errorText(401), content: { 'application/json': { schema: errorRef } } }
      }
    }
  }
  return structuredClone({
    openapi: '3.1.0',
    info: {
      title: 'Liaison local API',
      version,
      description: [
        'The API a Liaison node offers its own operator, tools and the `liaison` CLI. It listens on loopback only',
        '(127.0.0.1) unless the config sets `api.host` and `api.allowNonLoopback`; every request, on any address,',
        'needs `Authorization: Bearer <token>` with the token from DIR/api-token.',
        '',
        'Every request is validated against the schemas below before anything is done: unknown fields and query',
        'parameters are rejected. A request that fails is answered 400 `{ "error": { "code": "BAD_ARGUMENT", "message",',
        '"details": [ValidationIssue…] } }`, each issue naming the part (`path`, `query`, `body`), a JSON Pointer to the',
        'field and whether it is `missing`, `unknown` or `invalid`.',
        '',
        'Errors are `{ "error": { "code", "message", "details"? } }`. The code is stable and is the one the CLI prints',
        '(`error CODE: message`). HTTP status by code:',
        statusByCode()
      ].join('\n')
    },
    servers: [{
      url: 'http://127.0.0.1:{port}',
      description: "the node's local API (its URL is in DIR/node.json while it runs)",
      variables: { port: { default: '0' } }
    }],
    security: [{ bearerToken: [] }],
    tags: TAGS,
    paths,
    components: {
      securitySchemes: { bearerToken: { type: 'http', scheme: 'bearer', description: 'the contents of DIR/api-token (mode 0600)' } },
      schemas: components
    }
  })
}

/** A route for ApiServer's `extra`: `GET /openapi.json`. */
export function openApiRoute (version?: string): (req: IncomingMessage, url: URL) => Promise<{ status: number, type: string, body: string } | undefined> {
  const body = JSON.stringify(openApiDocument(version), null, 2)
  return async (req, url) => {
    if (url.pathname !== '/openapi.json' || req.method !== 'GET') return undefined
    return { status: 200, type: 'application/json', body }
  }
}
