/**
 * The running node: wires identity, store, trust list, libp2p, the receive pipeline, the
 * outbox and the local API together, and takes them down again in reverse order.
 *
 * @module
 */
import { rm, writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { Libp2p } from 'libp2p'
import type { Logger } from 'pino'
import { EXCHANGE_PROTOCOL } from '../protocol/frame.ts'
import { loadConfig, validateConfig, type Config } from './config.ts'
import { dataDirPaths, loadIdentity, loadKeyHistory, readApiToken, switchIdentity, type DataDirPaths } from './data-dir.ts'
import { Store } from './store/store.ts'
import { TrustList } from './trust-list.ts'
import { createTransport, dialTargets } from './transport.ts'
import { Receiver } from './exchange/receiver.ts'
import { VerifyPool } from './exchange/verify-pool.ts'
import { defaultVerifyWorkers } from './defaults.ts'
import { serveExchangeStream } from './exchange/serve-stream.ts'
import { Outbox } from './exchange/outbox.ts'
import { ApiServer } from './api/server.ts'
import { LocalService } from './service.ts'
import type { Signer } from '../protocol/types.ts'
import type { OwnRotation } from './store/records.ts'
import { PolicyHolder } from './policy/policy-holder.ts'
import { createMetrics, metricsRoute, type NodeMetrics } from './metrics.ts'
import { lazyOpenApiRoute } from './api/openapi-route.ts'
import { PAYLOAD_TYPES } from '../protocol/types.ts'
import { applyPeerRotation, rotationAnswered } from './key-rotation.ts'
import { auditEvents } from './audit/events.ts'
// Not the audit index: it also loads the offline verifier and bundle code a node never runs.
import { AuditLog } from './audit/audit-log.ts'
import { Purger } from './audit/purger.ts'
import { Witness } from './witness/witness.ts'
import { join } from 'node:path'
import { QueryExchange } from './query/exchange.ts'
import { registerQueryRoutes } from './api/query-routes.ts'

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
  verifyPool: VerifyPool
  outbox: Outbox
  service: LocalService
  api: ApiServer
  metrics: NodeMetrics
  audit: AuditLog
  purger: Purger
  witness: Witness
  query: QueryExchange
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
  private readonly verifyPool: VerifyPool
  readonly outbox: Outbox
  readonly service: LocalService
  readonly api: ApiServer
  readonly metrics: NodeMetrics
  readonly audit: AuditLog
  readonly purger: Purger
  readonly witness: Witness
  readonly query: QueryExchange
  private readonly logger: Logger
  private stopping: Promise<void> | undefined
  private startupGc: NodeJS.Timeout | undefined

  private constructor (parts: NodeParts) {
    this.paths = parts.paths
    this.config = parts.config
    this.signer = parts.signer
    this.store = parts.store
    this.trust = parts.trust
    this.libp2p = parts.libp2p
    this.receiver = parts.receiver
    this.verifyPool = parts.verifyPool
    this.outbox = parts.outbox
    this.service = parts.service
    this.api = parts.api
    this.metrics = parts.metrics
    this.audit = parts.audit
    this.purger = parts.purger
    this.witness = parts.witness
    this.query = parts.query
    this.logger = parts.logger
  }

  static async start (dir: string, opts: NodeOptions): Promise<LiaisonNode> {
    const paths = dataDirPaths(dir)
    const fileConfig = await loadConfig(paths.config)
    const config = opts.config == null ? fileConfig : validateConfig({ ...fileConfig, ...opts.config, exchange: { ...fileConfig.exchange, ...opts.config.exchange } }, 'config with overrides')
    const logger = opts.logger
    const store = await Store.open(paths.store, { maxBatch: config.exchange.maxBatch })
    // What has been started so far, stopped again if a later step fails.
    const started: Array<() => Promise<void>> = []
    try {
      const switched = await switchIdentityIfAnswered(dir, store, logger)
      const { signer, seed } = await loadIdentity(dir)
      // The audit log seals a leaf into every write from here on (it is the store's sequencer).
      const audit = await AuditLog.open(store, { signer, logger: logger.child({ component: 'audit' }) })
      started.push(async () => { await audit.stop() })
      if (switched != null) await recordIdentitySwitch(store, switched)
      const purger = new Purger({ store, audit, logger: logger.child({ component: 'audit' }) })
      const formerIds = (await loadKeyHistory(dir)).map(k => k.peerId).filter(id => id !== signer.peerId)
      const trust = await TrustList.load(store)
      const libp2p = await createTransport({ trust, logger: logger.child({ component: 'transport' }) }, { seed, listen: [...config.listen], inboundConnectionsPerHost: config.exchange.inboundConnectionsPerHost })
      started.push(async () => { await libp2p.stop() })
      const policy = await PolicyHolder.load(paths.policy)
      const verifyPool = new VerifyPool({ workers: config.exchange.verifyWorkers ?? defaultVerifyWorkers(availableParallelism()) })
      started.push(async () => { await verifyPool.close() })
      const receiver = new Receiver({ store, trust, signer, policy, formerIds, verify: verifyPool.verify, logger: logger.child({ component: 'exchange' }) })
      // Peers whose record says so get their announced key rotations applied at once.
      receiver.on('accepted', (meta) => {
        if (meta.payloadType !== PAYLOAD_TYPES.keyRotation || trust.get(meta.from)?.autoApproveRotation !== true) return
        applyPeerRotation(store, trust, meta.from, new Date()).then(
          (record) => { logger.info({ peer: meta.from, newPeerId: record.peerId }, 'peer key rotation applied automatically') },
          (err: unknown) => { logger.error({ err, peer: meta.from }, 'automatic key rotation failed') }
        )
      })
      const exchangeLog = logger.child({ component: 'exchange' })
      await libp2p.handle(EXCHANGE_PROTOCOL, async (stream, connection) => {
        await serveExchangeStream(stream, connection, receiver, exchangeLog, { frameTimeoutMs: config.exchange.frameTimeoutMs })
      }, { maxInboundStreams: config.exchange.maxInboundStreams, maxOutboundStreams: config.exchange.maxInboundStreams })
      const outbox = new Outbox({
        store,
        trust,
        logger: logger.child({ component: 'outbox' }),
        verify: verifyPool.verify,
        dial: async (peerId, addresses, signal) => await libp2p.dialProtocol(dialTargets(peerId, addresses), EXCHANGE_PROTOCOL, { signal })
      }, {
        window: config.exchange.deliveryWindow,
        retryBaseMs: config.exchange.retryBaseMs,
        retryCapMs: config.exchange.retryCapMs,
        receiptTimeoutMs: config.exchange.receiptTimeoutMs
      })
      const witness = new Witness({ libp2p, store, audit, trust, signer, logger: logger.child({ component: 'witness' }) }, { intervalMs: config.audit.witnessIntervalMs })
      await witness.start()
      started.push(async () => { await witness.stop() })
      const query = new QueryExchange({ libp2p, store, trust, signer, indexDir: join(dir, 'query-index'), askedDir: join(dir, 'query-asked'), logger: logger.child({ component: 'query' }) })
      await query.start()
      started.push(async () => { await query.stop() })
      const service = new LocalService({
        dir,
        store,
        trust,
        signer,
        policy,
        name: config.name,
        ...(config.jurisdiction != null ? { jurisdiction: config.jurisdiction } : {}),
        addresses: () => libp2p.getMultiaddrs().map(String),
        outbox,
        connectedPeers: () => libp2p.getPeers().map(String),
        witness,
        oprfKey: async () => await query.withIndex(async (index) => { const k = index.publicKey(); return { publicKey: k.publicKey, keyId: k.keyId } })
      })
      const metrics = createMetrics({ receiver, outbox, trust, libp2p, store, witness }, { peerId: signer.peerId })
      const serveMetrics = metricsRoute(metrics)
      const serveOpenApi = lazyOpenApiRoute()
      const api = new ApiServer({ service, logger: logger.child({ component: 'api' }), extra: async (req, url) => await serveMetrics(req, url) ?? await serveOpenApi(req, url) }, {
        host: config.api.host,
        port: config.api.port,
        token: await readApiToken(dir),
        allowNonLoopback: config.api.allowNonLoopback
      })
      registerQueryRoutes(api, query, service)
      metrics.setAuditSource(() => {
        const latest = audit.latestCheckpoint()
        return { treeSize: audit.size, ...(latest != null ? { lastCheckpointAt: latest.time * 1000 } : {}) }
      })
      const node = new LiaisonNode({ paths, config, signer, store, trust, libp2p, receiver, outbox, service, api, metrics, audit, purger, witness, query, logger, verifyPool })
      await outbox.start()
      started.push(async () => { await outbox.stop() })
      audit.start()
      purger.start()
      started.push(async () => { await purger.stop() })
      await api.start()
      started.push(async () => { await api.stop() })
      await writeFile(paths.runtime, JSON.stringify(node.runtime(), null, 2) + '\n', { mode: 0o600 })
      logger.info({ peerId: signer.peerId, addresses: node.runtime().addresses, api: api.url }, 'node started')
      node.startupGc = setTimeout(releaseStartupGarbage, STARTUP_GC_DELAY_MS).unref()
      return node
    } catch (err) {
      for (const stop of started.reverse()) await stop().catch(() => {})
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
      clearTimeout(this.startupGc)
      this.service.stopping = true
      await rm(this.paths.runtime, { force: true })
      await this.api.stop()
      this.metrics.stop()
      await this.outbox.stop()
      await this.purger.stop()
      await this.witness.stop()
      await this.query.stop()
      await this.libp2p.stop()
      await this.verifyPool.close()
      // A final checkpoint over everything this run logged, then the store.
      await this.audit.stop()
      await this.store.close()
      this.logger.info('node stopped')
    })()
    await this.stopping
  }
}

/**
 * Finish this node's own key rotation at start-up once every peer has answered the
 * announcement (the new identity is then known to them); until then keep the old key. Only
 * the key files change here; `recordIdentitySwitch` logs it once the audit log is open. A
 * crash between the two is repaired at the next start (the switch is recognised as done).
 */
export async function switchIdentityIfAnswered (dir: string, store: Store, logger: Logger, force = false): Promise<OwnRotation | undefined> {
  const own = await store.ownRotation()
  if (own == null) return undefined
  if ((await loadIdentity(dir)).signer.peerId === own.newPeerId) return own
  const { done, waiting } = await rotationAnswered(store, own)
  if (!done && !force) {
    logger.warn({ waiting }, 'key rotation pending: still waiting for peers to answer the announcement; keeping the current key')
    return undefined
  }
  const { oldPeerId, newPeerId } = await switchIdentity(dir, new Date())
  logger.info({ oldPeerId, newPeerId }, 'switched to the new identity key')
  return own
}

/** Close this node's rotation in the store and the audit log (after the key files switched). */
export async function recordIdentitySwitch (store: Store, own: OwnRotation): Promise<void> {
  await store.commit([store.ownRotationOp(undefined)], [auditEvents.keyRotated({ subject: 'self', oldPeerId: own.oldPeerId, newPeerId: own.newPeerId, statement: own.statementDigest })])
}

/** How long after start-up the start-up garbage is collected (libp2p's own start-up work settles). */
const STARTUP_GC_DELAY_MS = 1000

/**
 * One memory-reducing garbage collection, once, a moment after start-up. Starting a node
 * allocates tens of MB that are garbage by the time it listens; V8 keeps the heap pages that
 * garbage grew into until its memory reducer runs, and that waits for a low allocation rate,
 * which it measures at garbage collections — of which an idle node does none. So an idle node
 * would hold them for good: about 8 MB of resident memory. The collection takes ~20 ms of the
 * main thread, once; functions that ran only during start-up may have their bytecode dropped
 * and would be compiled again if they ever run again.
 */
export function releaseStartupGarbage (): void {
  // `gc` from a fresh context, with the flag on only while the context is made: nothing else
  // in the process sees a global gc function.
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as (options: { type: 'major', execution: 'sync', flavor: 'last-resort' }) => void
  setFlagsFromString('--no-expose-gc')
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' })
}
