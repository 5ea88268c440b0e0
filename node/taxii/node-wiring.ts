/**
 * How a running node starts its TAXII server, and the local API routes through which the CLI
 * manages collections and clients while the node runs (`/v1/taxii/collections`,
 * `/v1/taxii/clients`; the same bearer token as the rest of the local API).
 *
 * @module
 */
import type { Logger } from 'pino'
import type { ApiServer } from '../api/server.ts'
import { taxiiAddress, type Config } from '../config.ts'
import type { LocalService } from '../service.ts'
import type { Store } from '../store/store.ts'
import type { Access } from './records.ts'
import { TaxiiServer } from './server.ts'
import { TaxiiStore, type CollectionInput } from './taxii-store.ts'

export type { TaxiiServer }

export interface TaxiiWiring {
  store: Store
  service: LocalService
  api: ApiServer
  self: string
  logger: Logger
  maxMessageBytes: () => number
}

/** The local API routes of TAXII administration, on `api`. */
export function addTaxiiAdminRoutes (api: ApiServer, taxii: TaxiiStore): void {
  api.route('GET', /^\/v1\/taxii\/collections$/, async () => await taxii.listCollections())
  api.route('POST', /^\/v1\/taxii\/collections$/, async ({ body }) => await taxii.addCollection(await body() as CollectionInput))
  api.route('DELETE', /^\/v1\/taxii\/collections\/([^/]+)$/, async ({ params }) => { await taxii.removeCollection(params[0]); return { removed: params[0] } })
  api.route('GET', /^\/v1\/taxii\/clients$/, async () => await taxii.listClients())
  api.route('POST', /^\/v1\/taxii\/clients$/, async ({ body }) => {
    const b = await body() as { name: string, collections: Record<string, Access> }
    return await taxii.addClient(b.name, b.collections)
  })
  api.route('DELETE', /^\/v1\/taxii\/clients\/([^/]+)$/, async ({ params }) => { await taxii.removeClient(params[0]); return { removed: params[0] } })
}

/** Starts the TAXII server unless `taxii.listen` is `off`. */
export async function startTaxii (w: TaxiiWiring, config: Config): Promise<TaxiiServer | undefined> {
  const taxii = new TaxiiStore(w.store)
  addTaxiiAdminRoutes(w.api, taxii)
  const address = taxiiAddress(config.taxii.listen)
  if (address == null) return undefined
  const server = new TaxiiServer({ store: w.store, taxii, service: w.service, self: w.self, logger: w.logger, maxMessageBytes: w.maxMessageBytes }, {
    host: address.host,
    port: address.port,
    ...(config.taxii.tls != null ? { tls: config.taxii.tls } : {}),
    maxContentLength: config.taxii.maxContentLength,
    defaultPageSize: config.taxii.pageSize,
    maxPageSize: config.taxii.maxPageSize,
    title: `Liaison node ${config.name}`
  })
  await server.start()
  return server
}
