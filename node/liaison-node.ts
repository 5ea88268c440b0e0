/**
 * The running node: wires identity, store, trust list, libp2p, the receive pipeline, the
 * outbox and the local API together, and takes them down again in reverse order.
 *
 * @module
 */
import { rm, writeFile } from 'node:fs/promises'
import type { Libp2p } from 'libp2p'
import type { Logger } from 'pino'
import { EXCHANGE_PROTOCOL } from '../protocol/frame.ts'
import { loadConfig, type Config } from './config.ts'
import { dataDirPaths, loadIdentity, readApiToken, type DataDirPaths } from './data-dir.ts'
import { Store } from './store/store.ts'
import { TrustList } from './trust-list.ts'
import { createTransport, dialTargets } from './transport.ts'
import { Receiver } from './exchange/receiver.ts'
import { serveExchangeStream } from './exchange/serve-stream.ts'
import { Outbox } from './exchange/outbox.ts'
import { ApiServer } from './api/server.ts'
import { LocalService } from './service.ts'
import type { Signer } from '../protocol/types.ts'
import { PolicyHolder } from './policy/policy-holder.ts'

export interface RuntimeInfo {
  peerId: string
  name: string
  pid: number
  addresses: string[]
  apiUrl: string
  startedAt: string
}

export interface NodeOptions {
  logger: Logger
  /** Overrides on top of the config file (tests). */
  config?: Partial<Config>
}

interface NodeParts {
  paths: DataDirPaths
  config: Config
  signer: Signer
  store: Store
  trust: TrustList
  libp2p: Libp2p
  receiver: Receiver
  outbox: Outbox
  service: LocalService
  api: ApiServer
  logger: Logger
}

export class LiaisonNode {
  readonly paths: DataDirPaths
  readonly config: Config
  readonly signer: Signer
  readonly store: Store
  readonly trust: TrustList
  readonly libp2p: Libp2p
  readonly receiver: Receiver
  readonly outbox: Outbox
  readonly service: LocalService
  readonly api: ApiServer
  private readonly logger: Logger
  private stopping: Promise<void> | undefined

  private constructor (parts: NodeParts) {
    this.paths = parts.paths
    this.config = parts.config
    this.signer = parts.signer
    this.store = parts.store
    this.trust = parts.trust
    this.libp2p = parts.libp2p
    this.receiver = parts.receiver
    this.outbox = parts.outbox
    this.service = parts.service
    this.api = parts.api
    this.logger = parts.logger
  }

  static async start (dir: string, opts: NodeOptions): Promise<LiaisonNode> {
    const paths = dataDirPaths(dir)
    const fileConfig = await loadConfig(paths.config)
    const config = { ...fileConfig, ...opts.config, exchange: { ...fileConfig.exchange, ...opts.config?.exchange } } as Config
    const logger = opts.logger
    const { signer, seed } = await loadIdentity(dir)
    const store = await Store.open(paths.store, { maxBatch: config.exchange.maxBatch })
    try {
      const trust = await TrustList.load(store)
      const libp2p = await createTransport({ trust, logger: logger.child({ component: 'transport' }) }, { seed, listen: [...config.listen] })
      const policy = await PolicyHolder.load(paths.policy)
      const receiver = new Receiver({ store, trust, signer, policy, logger: logger.child({ component: 'exchange' }) })
      const exchangeLog = logger.child({ component: 'exchange' })
      await libp2p.handle(EXCHANGE_PROTOCOL, async (stream, connection) => {
        await serveExchangeStream(stream, connection, receiver, exchangeLog, { frameTimeoutMs: config.exchange.frameTimeoutMs })
      }, { maxInboundStreams: config.exchange.maxInboundStreams, maxOutboundStreams: config.exchange.maxInboundStreams })
      const outbox = new Outbox({
        store,
        trust,
        logger: logger.child({ component: 'outbox' }),
        dial: async (peerId, addresses, signal) => await libp2p.dialProtocol(dialTargets(peerId, addresses), EXCHANGE_PROTOCOL, { signal })
      }, {
        window: config.exchange.deliveryWindow,
        retryBaseMs: config.exchange.retryBaseMs,
        retryCapMs: config.exchange.retryCapMs,
        receiptTimeoutMs: config.exchange.receiptTimeoutMs
      })
      const service = new LocalService({
        store,
        trust,
        signer,
        policy,
        name: config.name,
        ...(config.jurisdiction != null ? { jurisdiction: config.jurisdiction } : {}),
        addresses: () => libp2p.getMultiaddrs().map(String),
        outbox,
        connectedPeers: () => libp2p.getPeers().map(String)
      })
      const api = new ApiServer({ service, logger: logger.child({ component: 'api' }) }, {
        host: config.api.host,
        port: config.api.port,
        token: await readApiToken(dir),
        allowNonLoopback: config.api.allowNonLoopback
      })
      const node = new LiaisonNode({ paths, config, signer, store, trust, libp2p, receiver, outbox, service, api, logger })
      await outbox.start()
      await api.start()
      await writeFile(paths.runtime, JSON.stringify(node.runtime(), null, 2) + '\n', { mode: 0o600 })
      logger.info({ peerId: signer.peerId, addresses: node.runtime().addresses, api: api.url }, 'node started')
      return node
    } catch (err) {
      await store.close()
      throw err
    }
  }

  runtime (): RuntimeInfo {
    return {
      peerId: this.signer.peerId,
      name: this.config.name,
      pid: process.pid,
      addresses: this.libp2p.getMultiaddrs().map(String),
      apiUrl: this.api.url,
      startedAt: new Date().toISOString()
    }
  }

  /** Graceful stop: no new work, in-flight writes finish, store closed. Idempotent. */
  async stop (): Promise<void> {
    this.stopping ??= (async () => {
      this.logger.info('node stopping')
      await rm(this.paths.runtime, { force: true })
      await this.api.stop()
      await this.outbox.stop()
      await this.libp2p.stop()
      await this.store.close()
      this.logger.info('node stopped')
    })()
    await this.stopping
  }
}
