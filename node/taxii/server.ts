/**
 * The TAXII 2.1 server (OASIS TAXII 2.1, sections 3–5): its own listener, loopback by default
 * and TLS (configured certificate and key) for any other address; HTTP Basic (`NAME:secret`)
 * or Bearer (`secret`) authentication of per-client credentials; discovery, one API root,
 * collections, objects, object, versions, manifest and status. Errors are TAXII error
 * resources with the status codes of §3.6.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import { auditEvents } from '../audit/events.ts'
import { isLoopback } from '../addresses/loopback.ts'
import { NodeError } from '../errors.ts'
import type { LocalService } from '../service/index.ts'
import type { Store } from '../store/index.ts'
import { loadObjects, selectPage } from './collection-view.ts'
import { parseFilter, queryKey, type Filter } from './filters.ts'
import { TaxiiIndexer } from './indexer.ts'
import { posOf, type IndexEntry } from './object-index.ts'
import { ingest, statusResource } from './ingest.ts'
import { accepts, isObjectsContent, STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE } from './media.ts'
import { PageTokens } from './paging.ts'
import type { TaxiiClient, TaxiiCollection, StatusRecord } from './records.ts'
import { TaxiiError } from './taxii-error.ts'
import type { TaxiiStore } from './taxii-store.ts'

const { createServer } = process.getBuiltinModule('node:http')
const { createServer: createTlsServer } = process.getBuiltinModule('node:https')

export const API_ROOT = 'api1'

export interface TaxiiInit {
  host: string
  port: number
  tls?: { cert: string, key: string }
  maxContentLength: number
  defaultPageSize: number
  maxPageSize: number
  title: string
}

export interface TaxiiComponents {
  store: Store
  taxii: TaxiiStore
  service: LocalService
  self: string
  logger: Logger
  maxMessageBytes: () => number
  /** Subscribes to "a received message was stored" (the receiver's `accepted`); returns the unsubscribe. */
  onStored?: (listener: () => void) => () => void
}

interface Ctx {
  req: IncomingMessage
  url: URL
  client: TaxiiClient
  parts: string[]
}

export class TaxiiServer {
  private readonly components: TaxiiComponents
  private readonly init: TaxiiInit
  private readonly tokens = new PageTokens()
  private server: Server | undefined
  private indexer: TaxiiIndexer | undefined
  private unsubscribe: (() => void) | undefined

  constructor (components: TaxiiComponents, init: TaxiiInit) {
    if (!isLoopback(init.host) && init.tls == null) {
      throw new NodeError('CONFIG_INVALID', `taxii.listen ${init.host} is not a loopback address; a non-loopback TAXII listener needs taxii.tls (cert and key)`)
    }
    this.components = components
    this.init = init
  }

  get url (): string {
    const address = this.server?.address() as AddressInfo | null
    if (address == null) throw new Error('TAXII server is not listening')
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
    return `${this.init.tls != null ? 'https' : 'http'}://${host}:${address.port}/taxii2/`
  }

  async start (): Promise<void> {
    this.indexer = new TaxiiIndexer(this.components.store, this.components.taxii, this.components.logger)
    this.indexer.start()
    const indexer = this.indexer
    this.unsubscribe = this.components.onStored?.(() => {
      indexer.notify()
    })
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      void this.handle(req, res)
    }
    const server = this.init.tls != null
      ? createTlsServer({ cert: readFileSync(this.init.tls.cert), key: readFileSync(this.init.tls.key) }, handler) as unknown as Server
      : createServer(handler)
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
    await new Promise<void>(resolve => {
      server.close(() => {
        resolve()
      })
      server.closeAllConnections()
    })
    this.unsubscribe?.()
    this.unsubscribe = undefined
    await this.indexer?.stop()
  }

  private async authenticate (req: IncomingMessage): Promise<TaxiiClient | undefined> {
    // The scheme is case-insensitive (RFC 9110 §11.1): MISP sends `basic …`.
    const header = (req.headers.authorization ?? '').trim()
    const basic = /^Basic +([A-Za-z0-9+/=]+)$/i.exec(header)
    if (basic != null) {
      const text = Buffer.from(basic[1], 'base64').toString('utf8')
      const colon = text.indexOf(':')
      if (colon < 1) return undefined
      return await this.components.taxii.authenticate(text.slice(colon + 1), text.slice(0, colon))
    }
    const bearer = /^Bearer +([A-Za-z0-9_-]{1,256})$/i.exec(header)
    return bearer != null ? await this.components.taxii.authenticate(bearer[1]) : undefined
  }

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    try {
      const client = await this.authenticate(req)
      if (client == null) {
        res.setHeader('www-authenticate', 'Basic realm="liaison-taxii", Bearer realm="liaison-taxii"')
        throw new TaxiiError(401, 'Unauthorized', 'missing or wrong credentials (HTTP Basic NAME:secret, or Bearer secret)')
      }
      if (!accepts(req.headers.accept, TAXII_MEDIA_TYPE)) throw new TaxiiError(406, 'Not acceptable', `this server answers ${TAXII_MEDIA_TYPE}`)
      const parts = url.pathname.split('/').filter(p => p !== '').map(decodeURIComponent)
      await this.route({ req, url, client, parts }, res)
    } catch (err) {
      const e = err instanceof TaxiiError ? err : new TaxiiError(500, 'Internal error', 'the request failed; see the node log')
      if (!(err instanceof TaxiiError)) this.components.logger.error({ err, path: url.pathname }, 'TAXII request failed')
      else this.components.logger.info({ status: e.status, path: url.pathname, method: req.method, code: e.code }, 'TAXII request refused')
      this.reply(res, e.status, e.resource())
    }
  }

  private reply (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body)
    res.writeHead(status, { 'content-type': TAXII_MEDIA_TYPE, 'content-length': String(Buffer.byteLength(text)), ...headers })
    res.end(text)
  }

  private async route (ctx: Ctx, res: ServerResponse): Promise<void> {
    const { parts, req } = ctx
    const method = req.method ?? 'GET'
    const only = (...methods: string[]): void => {
      if (!methods.includes(method)) {
        res.setHeader('allow', methods.join(', '))
        throw new TaxiiError(405, 'Method not allowed', `${method} is not allowed here`)
      }
    }
    if (parts.length === 1 && parts[0] === 'taxii2') {
      only('GET')
      this.reply(res, 200, this.discovery())
      return
    }
    if (parts[0] !== API_ROOT) throw new TaxiiError(404, 'Not found', `no resource ${ctx.url.pathname}`)
    if (parts.length === 1) {
      only('GET')
      this.reply(res, 200, {
        title: this.init.title,
        description: 'Liaison node: STIX 2.1 over the signed exchange',
        versions: [TAXII_MEDIA_TYPE],
        max_content_length: this.init.maxContentLength
      })
      return
    }
    if (parts[1] === 'status' && parts.length === 3) {
      only('GET')
      const record: StatusRecord | undefined = await this.components.taxii.statuses.get(parts[2])
      if (record == null || record.client !== ctx.client.name) throw new TaxiiError(404, 'Not found', `no status ${parts[2]}`)
      this.reply(res, 200, await statusResource(this.components.store, record))
      return
    }
    if (parts[1] !== 'collections') throw new TaxiiError(404, 'Not found', `no resource ${ctx.url.pathname}`)
    if (parts.length === 2) {
      only('GET')
      const visible = (await this.components.taxii.listCollections()).filter(col => ctx.client.collections[col.id] != null)
      this.reply(res, 200, visible.length > 0 ? { collections: visible.map(col => this.collectionResource(col, ctx.client)) } : {})
      return
    }
    const collection = await this.components.taxii.getCollection(parts[2])
    const access = collection != null ? ctx.client.collections[collection.id] : undefined
    if (collection == null || access == null) throw new TaxiiError(404, 'Not found', `no collection ${parts[2]} for this client`)
    const canRead = access.includes('r')
    const canWrite = access.includes('w') && collection.direction === 'outbound'
    const needRead = (): void => {
      if (!canRead) throw new TaxiiError(403, 'Forbidden', 'this client may not read this collection')
    }
    if (parts.length === 3) {
      only('GET')
      this.reply(res, 200, this.collectionResource(collection, ctx.client))
      return
    }
    const endpoint = parts[3]
    if (endpoint === 'objects' && parts.length === 4) {
      only('GET', 'POST')
      if (method === 'POST') {
        if (!canWrite) {
          throw new TaxiiError(
            403,
            'Forbidden',
            collection.direction === 'inbound' ? 'an inbound collection is read-only' : 'this client may not write to this collection'
          )
        }
        const envelope = await this.readBody(req)
        const status = await ingest(
          { store: this.components.store, taxii: this.components.taxii, service: this.components.service, maxMessageBytes: this.components.maxMessageBytes },
          ctx.client,
          collection,
          envelope
        )
        this.indexer?.outboundWritten(new Set(status.entries.map(e => e.digest).filter(d => d != null)).size)
        this.reply(res, 202, await statusResource(this.components.store, status, { queued: true }))
        return
      }
      needRead()
      await this.serveObjects(ctx, res, collection, 'objects', parseFilter(ctx.url.searchParams, this.limits()))
      return
    }
    if (endpoint === 'manifest' && parts.length === 4) {
      only('GET')
      needRead()
      const f = parseFilter(ctx.url.searchParams, this.limits())
      const page = await this.page(collection, 'manifest', f)
      await this.auditServed(ctx, collection, 'manifest.get', page.items)
      this.reply(res, 200, page.body(e => ({ id: e.id, date_added: iso(e.at), version: e.version, media_type: STIX_MEDIA_TYPE }), 'objects'), page.headers)
      return
    }
    if (endpoint === 'objects' && parts.length >= 5) {
      const objectId = parts[4]
      if (parts.length === 5) {
        only('GET', 'DELETE')
        if (method === 'DELETE') {
          if (!access.includes('w')) throw new TaxiiError(403, 'Forbidden', 'this client may not delete from this collection')
          await this.index().sync(collection.id)
          const entries = await this.index().deleteObject(collection.id, objectId, ctx.client.name)
          if (entries.length === 0) throw new TaxiiError(404, 'Not found', `no object ${objectId} in this collection`)
          res.writeHead(200, { 'content-length': '0' })
          res.end()
          return
        }
        needRead()
        const f = parseFilter(ctx.url.searchParams, { ...this.limits(), allowed: ['added_after', 'limit', 'next', 'match[version]', 'match[spec_version]'] })
        f.ids = new Set([objectId])
        await this.serveObjects(ctx, res, collection, 'object', f, true)
        return
      }
      if (parts.length === 6 && parts[5] === 'versions') {
        only('GET')
        needRead()
        const f = parseFilter(ctx.url.searchParams, { ...this.limits(), allowed: ['added_after', 'limit', 'next', 'match[spec_version]'] })
        f.ids = new Set([objectId])
        f.versions = ['all']
        const page = await this.page(collection, 'versions', f)
        if (page.total === 0) throw new TaxiiError(404, 'Not found', `no object ${objectId} in this collection`)
        await this.auditServed(ctx, collection, 'versions.get', page.items)
        this.reply(res, 200, page.body(e => e.version, 'versions'), page.headers)
        return
      }
    }
    throw new TaxiiError(404, 'Not found', `no resource ${ctx.url.pathname}`)
  }

  private limits (): { defaultLimit: number, maxLimit: number } {
    return { defaultLimit: this.init.defaultPageSize, maxLimit: this.init.maxPageSize }
  }

  private discovery (): Record<string, unknown> {
    const base = this.url
    return {
      title: this.init.title,
      description: 'TAXII 2.1 server of a Liaison node',
      default: `${base.replace(/taxii2\/$/, '')}${API_ROOT}/`,
      api_roots: [`${base.replace(/taxii2\/$/, '')}${API_ROOT}/`]
    }
  }

  private collectionResource (col: TaxiiCollection, client: TaxiiClient): Record<string, unknown> {
    const access = client.collections[col.id] ?? ''
    return {
      id: col.id,
      title: col.title,
      ...(col.description != null ? { description: col.description } : {}),
      can_read: access.includes('r'),
      can_write: access.includes('w') && col.direction === 'outbound',
      media_types: [STIX_MEDIA_TYPE]
    }
  }

  private index (): TaxiiIndexer {
    if (this.indexer == null) throw new Error('TAXII server is not started')
    return this.indexer
  }

  private async page (
    collection: TaxiiCollection,
    endpoint: string,
    f: Filter
  ): Promise<
    { total: number, items: IndexEntry[], headers: Record<string, string>, body: (map: (e: IndexEntry) => unknown, key: string) => Record<string, unknown> }
  > {
    const key = queryKey(collection.id, endpoint, f)
    let after: string | undefined
    if (f.next != null) {
      const pos = this.tokens.read(key, f.next)
      if (pos == null) throw new TaxiiError(400, 'Bad filter', 'next is not a token this server issued for this query')
      after = posOf(pos.at, pos.digest, pos.index)
    }
    const indexer = this.index()
    await indexer.sync(collection.id)
    const { items, more, total } = await selectPage(indexer.index, collection.id, f, after)
    const last = items[items.length - 1]
    const next = more && last != null ? this.tokens.issue(key, { at: last.at, digest: last.digest, index: last.index }) : undefined
    const headers: Record<string, string> = items.length > 0 ? { 'x-taxii-date-added-first': iso(items[0].at), 'x-taxii-date-added-last': iso(last.at) } : {}
    return {
      total: total ?? items.length,
      items,
      headers,
      body: (map, name) => ({ more, ...(next != null ? { next } : {}), ...(items.length > 0 ? { [name]: items.map(map).filter(v => v !== undefined) } : {}) })
    }
  }

  private async serveObjects (ctx: Ctx, res: ServerResponse, collection: TaxiiCollection, endpoint: string, f: Filter, single = false): Promise<void> {
    const page = await this.page(collection, endpoint, f)
    if (single && page.total === 0) throw new TaxiiError(404, 'Not found', 'no such object in this collection')
    await this.auditServed(ctx, collection, 'objects.get', page.items)
    const objects = await loadObjects(this.components.store, this.components.self, page.items)
    this.reply(res, 200, page.body(e => objects.get(e), 'objects'), page.headers)
  }

  /** What a page served, in the audit log before it is sent: who, which collection, which objects, which messages. */
  private async auditServed (ctx: Ctx, collection: TaxiiCollection, action: string, items: readonly IndexEntry[]): Promise<void> {
    if (items.length === 0) return
    await this.components.store.commit([], [auditEvents.taxiiRequest({
      client: ctx.client.name,
      collection: collection.id,
      action,
      objects: items.map(e => e.id),
      digests: [...new Set(items.map(e => e.digest))]
    })])
  }

  private async readBody (req: IncomingMessage): Promise<unknown> {
    if (!isObjectsContent(req.headers['content-type'])) throw new TaxiiError(415, 'Unsupported media type', `send ${TAXII_MEDIA_TYPE} (or ${STIX_MEDIA_TYPE})`)
    const max = this.init.maxContentLength
    const declared = Number(req.headers['content-length'] ?? '0')
    if (declared > max) throw new TaxiiError(413, 'Too large', `the request is ${declared} bytes; max_content_length is ${max}`, 'TOO_LARGE')
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > max) throw new TaxiiError(413, 'Too large', `the request exceeds max_content_length ${max}`, 'TOO_LARGE')
      chunks.push(chunk as Buffer)
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      throw new TaxiiError(400, 'Bad request', 'the body is not JSON')
    }
  }
}

const iso = (ms: number): string => new Date(ms).toISOString()
