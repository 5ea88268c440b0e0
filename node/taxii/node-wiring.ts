/**
 * How a running node starts its TAXII server. The CLI manages its collections and clients
 * while the node runs through the local API (api/routes/taxii.ts).
 *
 * @module
 */
import type { Logger } from 'pino'
import { taxiiAddress, type Config } from '../config/index.ts'
import type { LocalService } from '../service/index.ts'
import type { Store } from '../store/index.ts'
import { TaxiiServer } from './server.ts'
import type { TaxiiStore } from './taxii-store.ts'

export type { TaxiiServer }

export interface TaxiiWiring {
  store: Store
  service: LocalService
  /** The collections and clients (the local API's TAXII routes administer the same store). */
  taxii: TaxiiStore
  self: string
  logger: Logger
  maxMessageBytes: () => number
  /** Subscribes to "a received message was stored"; the index then keeps up with the traffic. */
  onStored?: (listener: () => void) => () => void
}

/** Starts the TAXII server unless `taxii.listen` is `off`. */
export async function startTaxii (w: TaxiiWiring, config: Config): Promise<TaxiiServer | undefined> {
  const taxii = w.taxii
  const address = taxiiAddress(config.taxii.listen)
  if (address == null) return undefined
  const server = new TaxiiServer({
    store: w.store,
    taxii,
    service: w.service,
    self: w.self,
    logger: w.logger,
    maxMessageBytes: w.maxMessageBytes,
    ...(w.onStored != null ? { onStored: w.onStored } : {})
  }, {
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
