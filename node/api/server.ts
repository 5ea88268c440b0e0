/**
 * The local API: JSON over HTTP, bound to loopback unless the config explicitly allows
 * otherwise, every request authenticated with the bearer token from DIR/api-token. Errors are
 * `{ "error": { "code", "message" } }` with the same stable codes as the CLI.
 *
 * @module
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { timingSafeEqual } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import { NodeError, errorCode, type ErrorCode } from '../errors.ts'
import type { LiaisonService, SendInput } from '../service.ts'

// Not `import … from 'node:http'`: an ES module import of node:http evaluates every export of
// it, and its lazy WebSocket/CloseEvent/MessageEvent exports load undici and with it http2 —
// about 3 MB of resident memory per node for code the node never runs.
const { createServer } = process.getBuiltinModule('node:http')

const MAX_BODY_BYTES = 2 * 1024 * 1024

export interface ApiInit {
  host: string
  port: number
  token: string
  allowNonLoopback?: boolean
}

export interface ApiComponents {
  service: LiaisonService
  logger: Logger
  /** Extra routes (metrics, OpenAPI) added by other components. */
  extra?: (req: IncomingMessage, url: URL) => Promise<{ status: number, type: string, body: string } | undefined>
}

type Handler = (ctx: { req: IncomingMessage, url: URL, params: string[], body: () => Promise<unknown> }) => Promise<unknown>

const STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_ARGUMENT: 400,
  SCHEMA_INVALID: 400,
  TOO_LARGE: 413,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  PEER_EXISTS: 409,
  RECIPIENT_REFUSED: 422,
  BAD_PEER_ID: 400,
  BAD_KEY: 400,
  NODE_NOT_RUNNING: 409,
  UNAVAILABLE: 503,
  STORAGE_FULL: 507,
  TIMEOUT: 504
}

export function isLoopback (host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

export class ApiServer {
  private readonly c: ApiComponents
  private readonly init: ApiInit
  private server: Server | undefined
  private readonly table: Array<{ method: string, pattern: RegExp, handler: Handler }> = []

  constructor (components: ApiComponents, init: ApiInit) {
    if (!isLoopback(init.host) && init.allowNonLoopback !== true) {
      throw new NodeError('CONFIG_INVALID', `api.host ${init.host} is not a loopback address; set api.allowNonLoopback to bind it`)
    }
    this.c = components
    this.init = init
    const s = components.service
    this.route('GET', /^\/health$/, async () => await s.health())
    this.route('GET', /^\/v1\/health$/, async () => await s.health())
    this.route('POST', /^\/v1\/messages$/, async ({ url, body }) => {
      const input = await body() as SendInput
      const wait = url.searchParams.get('wait') === 'true'
      const timeout = url.searchParams.get('timeoutMs')
      return await s.send(input, { wait, ...(timeout != null ? { timeoutMs: Number(timeout) } : {}) })
    })
    this.route('GET', /^\/v1\/inbox$/, async ({ url }) => await s.inbox(query(url)))
    this.route('GET', /^\/v1\/sent$/, async ({ url }) => await s.sent(query(url)))
    this.route('GET', /^\/v1\/outbox$/, async () => await s.outbox())
    this.route('GET', /^\/v1\/messages\/([^/]+)$/, async ({ url, params }) => await s.message(params[0], { envelope: url.searchParams.get('envelope') === 'true' }))
    this.route('GET', /^\/v1\/peers$/, async () => await s.peers())
    this.route('POST', /^\/v1\/peers$/, async ({ body }) => await s.addPeer(await body() as never))
    this.route('POST', /^\/v1\/peers\/from-card$/, async ({ body }) => {
      const b = await body() as { card: string, fields?: never, fingerprint?: string }
      return await s.addPeerFromCard(b.card, b.fields ?? {}, b.fingerprint)
    })
    this.route('GET', /^\/v1\/peers\/([^/]+)$/, async ({ params }) => await s.peer(params[0]))
    this.route('PATCH', /^\/v1\/peers\/([^/]+)$/, async ({ params, body }) => await s.updatePeer(params[0], await body() as never))
    this.route('POST', /^\/v1\/peers\/([^/]+)\/status$/, async ({ params, body }) => await s.setPeerStatus(params[0], (await body() as { status: never }).status))
    this.route('DELETE', /^\/v1\/peers\/([^/]+)$/, async ({ params }) => { await s.removePeer(params[0]); return { removed: params[0] } })
    this.route('GET', /^\/v1\/policy$/, async () => await s.policy())
    this.route('POST', /^\/v1\/policy\/reload$/, async () => await s.reloadPolicy())
    this.route('POST', /^\/v1\/policy\/check$/, async ({ body }) => await s.checkPolicy(await body() as never))
    this.route('GET', /^\/v1\/card$/, async () => await s.card())
    this.route('POST', /^\/v1\/messages\/([^/]+)\/forward$/, async ({ params, body }) => {
      const b = await body() as { to: string[], legalBasis?: string }
      return await s.forward(params[0], b.to, b.legalBasis)
    })
    this.route('POST', /^\/v1\/keys\/rotate$/, async () => await s.rotateKey())
    this.route('GET', /^\/v1\/keys$/, async () => await s.keyStatus())
    this.route('POST', /^\/v1\/peers\/([^/]+)\/approve-rotation$/, async ({ params }) => await s.approveRotation(params[0]))
    this.route('POST', /^\/v1\/revocations$/, async ({ body }) => await s.applyRevocation((await body() as { certificate: string }).certificate))
    this.route('POST', /^\/v1\/witness$/, async () => await s.witness())
    this.route('GET', /^\/v1\/witnesses$/, async () => await s.witnesses())
    this.route('GET', /^\/v1\/releases$/, async () => await s.releases())
    this.route('POST', /^\/v1\/releases$/, async ({ body }) => {
      const b = await body() as { message: string, recipient: string, reason: string }
      return await s.requestRelease(b.message, b.recipient, b.reason)
    })
    this.route('POST', /^\/v1\/releases\/([^/]+)\/(grant|deny)$/, async ({ params, body }) => {
      const b = await body() as { validMs?: number, reason?: string }
      return await s.answerRelease(params[0], params[1] === 'grant' ? 'granted' : 'denied', b)
    })
  }

  route (method: string, pattern: RegExp, handler: Handler): void {
    this.table.push({ method, pattern, handler })
  }

  /** Method and path pattern of every route, in match order (the OpenAPI test reads them). */
  get routes (): ReadonlyArray<{ method: string, pattern: RegExp }> {
    return this.table.map(({ method, pattern }) => ({ method, pattern }))
  }

  get url (): string {
    const address = this.server?.address() as AddressInfo | null
    if (address == null) throw new Error('API server is not listening')
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
    return `http://${host}:${address.port}`
  }

  async start (): Promise<void> {
    const server = createServer((req, res) => { void this.handle(req, res) })
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.init.port, this.init.host, () => { server.off('error', reject); resolve() })
    })
  }

  async stop (): Promise<void> {
    const server = this.server
    if (server == null) return
    this.server = undefined
    server.closeIdleConnections()
    await new Promise<void>(resolve => { server.close(() => { resolve() }); server.closeAllConnections() })
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
    const url = new URL(req.url ?? '/', 'http://localhost')
    try {
      if (!this.authorised(req)) throw new NodeError('UNAUTHORIZED', 'missing or wrong bearer token (see DIR/api-token)')
      const extra = await this.c.extra?.(req, url)
      if (extra != null) {
        res.writeHead(extra.status, { 'content-type': extra.type })
        res.end(extra.body)
        return
      }
      for (const r of this.table) {
        const m = r.pattern.exec(url.pathname)
        if (m == null || r.method !== req.method) continue
        const result = await r.handler({ req, url, params: m.slice(1).map(decodeURIComponent), body: async () => await readJson(req) })
        send(res, 200, result)
        return
      }
      throw new NodeError('NOT_FOUND', `no route ${req.method ?? ''} ${url.pathname}`)
    } catch (err) {
      const code = errorCode(err)
      const status = STATUS[code] ?? (code === 'INTERNAL' ? 500 : 422)
      if (status >= 500) this.c.logger.error({ err, path: url.pathname }, 'API request failed')
      else this.c.logger.info({ code, path: url.pathname, method: req.method }, 'API request refused')
      send(res, status, { error: { code, message: (err as Error).message, ...(err instanceof NodeError && err.details != null ? { details: err.details } : {}) } })
    }
  }
}

function query (url: URL): { since?: number, from?: string, limit?: number } {
  const q: { since?: number, from?: string, limit?: number } = {}
  const since = url.searchParams.get('since')
  if (since != null) {
    const t = Date.parse(since)
    if (Number.isNaN(t)) throw new NodeError('BAD_ARGUMENT', `since: ${since} is not a date`)
    q.since = t
  }
  const from = url.searchParams.get('from')
  if (from != null) q.from = from
  const limit = url.searchParams.get('limit')
  if (limit != null) q.limit = Number(limit)
  return q
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
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch (err) {
    throw new NodeError('BAD_ARGUMENT', 'request body is not JSON', { cause: err })
  }
}
