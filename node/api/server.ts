/**
 * The local API: JSON over HTTP, bound to loopback unless the config explicitly allows
 * otherwise, every request authenticated with the bearer token from DIR/api-token. Routes come
 * from the one table (routes/index.ts); each request is matched and its path parameters,
 * query and body validated against the route's schemas (dispatch.ts) before its handler
 * runs. Errors are `{ "error": { "code", "message", "details"? } }` with the same stable codes
 * as the CLI; a request that fails validation is 400 BAD_ARGUMENT with the offending fields.
 *
 * @module
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { timingSafeEqual } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import { NODE_ERROR_CODES, NodeError, errorCode, httpStatus, type ErrorCode, type HttpStatus } from '../errors.ts'
import { REASON_CODES } from '../../protocol/errors.ts'
import type { LiaisonService } from '../service/index.ts'
import { ROUTES } from './routes/index.ts'
import { RawBody, type Route, type RouteContext } from './route.ts'
import type { TaxiiStore } from '../taxii/taxii-store.ts'
import type { QueryExchange } from '../query/exchange.ts'
import type { AuditView } from './console-routes.ts'
import type { TaskForces } from '../taskforce/index.ts'
import { RouteMatcher, queryObject, validateInput } from './dispatch.ts'
import { API_MAX_BODY_BYTES } from '../defaults.ts'
import { isLoopback } from '../addresses/loopback.ts'

// Not `import … from 'node:http'`: an ES module import of node:http evaluates every export of
// it, and its lazy WebSocket/CloseEvent/MessageEvent exports load undici and with it http2 —
// about 3 MB of resident memory per node for code the node never runs.
const { createServer } = process.getBuiltinModule('node:http')

const MAX_BODY_BYTES = API_MAX_BODY_BYTES

export interface ApiInit {
  host: string
  port: number
  token: string
  allowNonLoopback?: boolean
}

export interface ApiComponents {
  service: LiaisonService
  logger: Logger
  /** The TAXII server's collections and clients, for the routes that administer them. */
  taxii?: TaxiiStore
  /** Hit/no-hit queries, for the routes that ask and answer them. */
  queries?: QueryExchange
  /** Joint task forces, for routes/taskforce.ts. */
  taskForces?: TaskForces
  /** The audit view behind the console's audit routes. */
  auditView?: AuditView
  /** Routes instead of the table (tests). */
  routes?: readonly Route[]
  /** Extra routes (metrics, OpenAPI) added by other components. */
  extra?: (req: IncomingMessage, url: URL) => Promise<{ status: number, type: string, body: string } | undefined>
  /** Routes served without the token (the console's static files), tried before any other. */
  open?: (req: IncomingMessage, url: URL) => Promise<{ status: number, headers: Record<string, string>, body: string | Uint8Array } | undefined>
}

/**
 * The HTTP status of each code the API does not answer 422, as the catalogues give it
 * (node/errors.ts, protocol/errors.ts: `httpStatus`); docs/api.md lists them, a test checks it.
 */
export const STATUS_BY_CODE: Readonly<Partial<Record<ErrorCode, HttpStatus>>> = Object.fromEntries(
  [...Object.keys(NODE_ERROR_CODES), ...Object.keys(REASON_CODES)].map(code => [code, httpStatus(code as ErrorCode)]).filter(([, status]) => status !== 422)
)

export class ApiServer {
  private readonly components: ApiComponents
  private readonly init: ApiInit
  private server: Server | undefined
  /** The routes served, from the table (routes/index.ts) unless the components give others. */
  readonly routes: readonly Route[]
  private readonly matcher: RouteMatcher

  constructor (components: ApiComponents, init: ApiInit) {
    if (!isLoopback(init.host) && init.allowNonLoopback !== true) {
      throw new NodeError('CONFIG_INVALID', `api.host ${init.host} is not a loopback address; set api.allowNonLoopback to bind it`)
    }
    this.components = components
    this.init = init
    this.routes = components.routes ?? ROUTES
    this.matcher = new RouteMatcher(this.routes)
  }

  get url (): string {
    const address = this.server?.address() as AddressInfo | null
    if (address == null) throw new Error('API server is not listening')
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
    return `http://${host}:${address.port}`
  }

  async start (): Promise<void> {
    const server = createServer((req, res) => {
      void this.handle(req, res)
    })
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.init.port, this.init.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  }

  async stop (): Promise<void> {
    const server = this.server
    if (server == null) return
    this.server = undefined
    server.closeIdleConnections()
    await new Promise<void>(resolve => {
      server.close(() => {
        resolve()
      })
      server.closeAllConnections()
    })
  }

  private authorised (req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? ''
    const match = /^Bearer (.+)$/.exec(header)
    if (match == null) return false
    const given = Buffer.from(match[1])
    const expected = Buffer.from(this.init.token)
    return given.length === expected.length && timingSafeEqual(given, expected)
  }

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req.url)
    try {
      const open = await this.components.open?.(req, url)
      if (open != null) {
        res.writeHead(open.status, open.headers)
        res.end(open.body)
        return
      }
      if (!this.authorised(req)) throw new NodeError('UNAUTHORIZED', 'missing or wrong bearer token (see DIR/api-token)')
      const extra = await this.components.extra?.(req, url)
      if (extra != null) {
        res.writeHead(extra.status, { 'content-type': extra.type })
        res.end(extra.body)
        return
      }
      const matched = this.matcher.match(req.method ?? '', url.pathname)
      if (matched == null) throw new NodeError('NOT_FOUND', `no route ${req.method ?? ''} ${url.pathname}`)
      const raw = { params: matched.params, query: queryObject(url.searchParams), body: await readJson(req) }
      const input = validateInput(matched.route, raw)
      const result = await matched.route.handler(
        {
          ...input,
          service: this.components.service,
          ...(this.components.taxii != null ? { taxii: this.components.taxii } : {}),
          ...(this.components.queries != null ? { queries: this.components.queries } : {}),
          ...(this.components.auditView != null ? { auditView: this.components.auditView } : {}),
          ...(this.components.taskForces != null ? { taskForces: this.components.taskForces } : {})
        } as RouteContext<unknown, unknown, unknown>
      )
      if (result instanceof RawBody) {
        res.writeHead(200, { 'content-type': result.type, 'content-length': Buffer.byteLength(result.body) })
        res.end(result.body)
      } else {
        send(res, 200, result)
      }
    } catch (err) {
      const code = errorCode(err)
      const status = httpStatus(code)
      if (status >= 500) this.components.logger.error({ err, path: url.pathname }, 'API request failed')
      else this.components.logger.info({ code, path: url.pathname, method: req.method }, 'API request refused')
      send(res, status, {
        error: { code, message: (err as Error).message, ...(err instanceof NodeError && err.details != null ? { details: err.details } : {}) }
      })
    }
  }
}

/** The request's URL; a request target that is no URL path is answered as an unknown route. */
function requestUrl (target: string | undefined): URL {
  try {
    return new URL(target ?? '/', 'http://localhost')
  } catch {
    return new URL('http://localhost/%00')
  }
}

function send (res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value ?? null)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

async function readJson (req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw new NodeError('TOO_LARGE', `request body exceeds ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk as Buffer)
  }
  if (size === 0) return undefined
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch (err) {
    throw new NodeError('BAD_ARGUMENT', 'request body is not JSON', { cause: err })
  }
}
