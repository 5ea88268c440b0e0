/**
 * The running node: wires identity, store, trust list, libp2p, the receive pipeline, the
 * outbox and the local API together, and takes them down again in reverse order (one list of
 * started parts, startable.ts).
 *
 * @module
 */
import { rm, writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { setFlagsFromString } from 'node:v8'
import { join } from 'node:path'
import { runInNewContext } from 'node:vm'
import type { Libp2p } from 'libp2p'
import type { Logger } from 'pino'
import { EXCHANGE_PROTOCOL } from '../../protocol/frame.ts'
import {
  loadConfig,
  validateConfig,
  type Config,
  dataDirPaths,
  loadIdentity,
  loadKeyHistory,
  readApiToken,
  switchIdentity,
  type DataDirPaths
} from '../config/index.ts'
import { Store } from '../store/index.ts'
import { TrustList, sendApprovalNotice, applyPeerRotation, rotationAnswered } from '../trust/index.ts'
import { createTransport } from './transport.ts'
import { dialTargets } from '../addresses/dial-targets.ts'
import { Receiver, VerifyPool, serveExchangeStream, Outbox } from '../exchange/index.ts'
import { defaultVerifyWorkers } from '../defaults.ts'
import type { ReceiptWitness } from '../exchange/index.ts'
import { ApiServer } from '../api/server.ts'
import { AuditView, consoleFiles } from '../api/console-routes.ts'
import { LocalService } from '../service/index.ts'
import type { Signer } from '../../protocol/types.ts'
import type { OwnRotation, PeerRecord, PeerRotation } from '../store/index.ts'
import { PolicyHolder } from '../policy/index.ts'
import { createMetrics, metricsRoute, type NodeMetrics } from './metrics.ts'
import { lazyOpenApiRoute } from '../api/openapi-route.ts'
import { PAYLOAD_TYPES } from '../../protocol/types.ts'
import { auditEvents } from '../audit/events.ts'
// Not the audit index: it also loads the offline verifier and bundle code a node never runs.
import { AuditLog } from '../audit/audit-log.ts'
import { Purger } from '../audit/purger.ts'
import { Witness, Gossip } from '../witness/index.ts'
import { announceable, announceAddresses, boundPorts, readListenState, resolveListen, writeListenState, type ListenState } from '../addresses/index.ts'
import type { AnnounceComponents } from '../addresses/announce.ts'
import { startTaxii, type TaxiiServer } from '../taxii/node-wiring.ts'
import { TaxiiStore } from '../taxii/taxii-store.ts'
import { REVOKE_PROTOCOL } from '../../protocol/revocation.ts'
import { serveRevokeStream } from '../courier/serve-revoke.ts'
import { KitKeeper } from '../courier/kit-keeper.ts'
import { QueryExchange } from '../query/exchange.ts'
import { StartedParts } from './startable.ts'
import { TaskForces } from '../taskforce/index.ts'

export interface RuntimeInfo {
  peerId: string
  name: string
  pid: number
  addresses: string[]
  apiUrl: string
  /** The web console (api/console-routes.ts), on the API listener. */
  consoleUrl: string
  /** Base URL of the TAXII 2.1 server (its discovery endpoint), absent with `taxii.listen: off`. */
  taxiiUrl?: string
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
  /** Everything started, in start order (stop() stops it in reverse). */
  parts: StartedParts
  outbox: Outbox
  service: LocalService
  api: ApiServer
  metrics: NodeMetrics
  audit: AuditLog
  purger: Purger
  witness: Witness
  gossip: Gossip
  query: QueryExchange
  logger: Logger
  taxii?: TaxiiServer
}

export class LiaisonNode {
  readonly paths: DataDirPaths
  readonly config: Config
  readonly signer: Signer
  readonly store: Store
  readonly trust: TrustList
  readonly libp2p: Libp2p
  readonly receiver: Receiver
  private readonly parts: StartedParts
  readonly outbox: Outbox
  readonly service: LocalService
  readonly api: ApiServer
  readonly metrics: NodeMetrics
  readonly audit: AuditLog
  readonly purger: Purger
  readonly witness: Witness
  readonly gossip: Gossip
  readonly taxii: TaxiiServer | undefined
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
    this.parts = parts.parts
    this.outbox = parts.outbox
    this.service = parts.service
    this.api = parts.api
    this.metrics = parts.metrics
    this.audit = parts.audit
    this.purger = parts.purger
    this.witness = parts.witness
    this.gossip = parts.gossip
    this.query = parts.query
    this.logger = parts.logger
    this.taxii = parts.taxii
  }

  static async start (dir: string, opts: NodeOptions): Promise<LiaisonNode> {
    const paths = dataDirPaths(dir)
    const fileConfig = await loadConfig(paths.config)
    const config = opts.config == null
      ? fileConfig
      : validateConfig({ ...fileConfig, ...opts.config, exchange: { ...fileConfig.exchange, ...opts.config.exchange } }, 'config with overrides')
    const logger = opts.logger
    const store = await Store.open(paths.store, { maxBatch: config.exchange.maxBatch })
    // What has been started so far, in order: stopped in reverse by stop(), and if a later
    // step fails here. The order is chosen so that the reverse is the shutdown order: the API
    // and TAXII first (no new work), the outbox before the transport it dials through, the
    // transport before the verify workers its inbound frames use, the audit log's final
    // checkpoint last (the store closes after all of them).
    const parts = new StartedParts()
    try {
      const switched = await switchIdentityIfAnswered(dir, store, logger)
      const { signer, seed } = await loadIdentity(dir)
      // The audit log seals a leaf into every write from here on (it is the store's sequencer).
      const audit = await AuditLog.open(store, { signer, logger: logger.child({ component: 'audit' }) })
      parts.started('audit', audit)
      if (switched != null) await recordIdentitySwitch(store, switched)
      const purger = new Purger({ store, audit, logger: logger.child({ component: 'audit' }) })
      const formerIds = (await loadKeyHistory(dir)).map(k => k.peerId).filter(id => id !== signer.peerId)
      const trust = await TrustList.load(store)
      // Listen where the last run did (the port first given for a port-0 address is kept in
      // DIR/listen.json); if that port is taken now, take a new one and tell the peers below.
      const listenState = await readListenState(dir)
      const wanted = resolveListen(config.listen, listenState)
      const transportLog = logger.child({ component: 'transport' })
      const verifyPool = new VerifyPool({ workers: config.exchange.verifyWorkers ?? defaultVerifyWorkers(availableParallelism()) })
      parts.started('verify-pool', { stop: async () => await verifyPool.close() })
      const transportInit = { seed, inboundConnectionsPerHost: config.exchange.inboundConnectionsPerHost }
      let libp2p: Libp2p
      try {
        libp2p = await createTransport({ trust, logger: transportLog }, { ...transportInit, listen: wanted })
      } catch (err) {
        if (wanted.join() === config.listen.join()) throw err
        transportLog.warn({ err, wanted }, 'cannot listen on the ports of the last run; taking new ones (peers get a signed address update)')
        libp2p = await createTransport({ trust, logger: transportLog }, { ...transportInit, listen: [...config.listen] })
      }
      parts.started('libp2p', libp2p)
      const policy = await PolicyHolder.load(paths.policy)
      const receiver = new Receiver({
        store,
        trust,
        signer,
        policy,
        audit,
        formerIds,
        verify: verifyPool.verify,
        logger: logger.child({ component: 'exchange' })
      })
      // A peer's signed address update was written with its trust record: load it into memory.
      receiver.on('accepted', (meta) => {
        if (meta.payloadType !== PAYLOAD_TYPES.addressUpdate) return
        trust.refresh(meta.from).then(
          (record) => {
            logger.info({ peer: meta.from, addresses: record?.addresses }, 'peer addresses updated (signed address update)')
          },
          (err: unknown) => {
            logger.error({ err, peer: meta.from }, "could not load a peer's updated addresses")
          }
        )
      })
      // Before a peer's rotation is applied here, tell the peer (over its old identity, still
      // trusted at that moment) with a signed approval notice; best effort.
      const noticeLog = logger.child({ component: 'keys' })
      const beforeRotationApplied = async (rotation: PeerRotation, record: PeerRecord): Promise<void> => {
        const outcome = await sendApprovalNotice(libp2p, signer, record, rotation, new Date())
        if (outcome.status === 'accepted') noticeLog.info({ peer: rotation.oldPeerId }, 'rotation approval notice delivered')
        else noticeLog.warn({ peer: rotation.oldPeerId, outcome }, 'rotation approval notice not delivered (the peer will not see this approval)')
      }
      // Peers whose record says so get their announced key rotations applied at once.
      receiver.on('accepted', (meta) => {
        if (meta.payloadType !== PAYLOAD_TYPES.keyRotation || trust.get(meta.from)?.autoApproveRotation !== true) return
        applyPeerRotation(store, trust, meta.from, new Date(), beforeRotationApplied).then(
          (record) => {
            logger.info({ peer: meta.from, newPeerId: record.peerId }, 'peer key rotation applied automatically')
          },
          (err: unknown) => {
            logger.error({ err, peer: meta.from }, 'automatic key rotation failed')
          }
        )
      })
      const exchangeLog = logger.child({ component: 'exchange' })
      await libp2p.handle(EXCHANGE_PROTOCOL, async (stream, connection) => {
        await serveExchangeStream(stream, connection, receiver, exchangeLog, { frameTimeoutMs: config.exchange.frameTimeoutMs })
      }, { maxInboundStreams: config.exchange.maxInboundStreams, maxOutboundStreams: config.exchange.maxInboundStreams })
      // Batch receipts feed the witness records (PROTOCOL.md §22); the witness starts below.
      const receiptWitness: { current?: ReceiptWitness } = {}
      const outbox = new Outbox({
        store,
        trust,
        logger: logger.child({ component: 'outbox' }),
        verify: verifyPool.verify,
        witness: {
          latest: async (peerId) => await receiptWitness.current?.latest(peerId),
          observe: (peerId, receipt, held) => receiptWitness.current?.observe(peerId, receipt, held) ?? { ops: [], events: [] }
        },
        self: () => signer.peerId,
        dial: async (peerId, addresses, signal) => await libp2p.dialProtocol(dialTargets(peerId, addresses), EXCHANGE_PROTOCOL, { signal })
      }, {
        window: config.exchange.deliveryWindow,
        retryBaseMs: config.exchange.retryBaseMs,
        retryCapMs: config.exchange.retryCapMs,
        receiptTimeoutMs: config.exchange.receiptTimeoutMs
      })
      // Couriers deliver revocation certificates (PROTOCOL.md §9.1); the gate admits them for this only.
      const courierLog = logger.child({ component: 'courier' })
      await libp2p.handle(REVOKE_PROTOCOL, async (stream, connection) => {
        await serveRevokeStream(
          {
            store,
            trust,
            signer,
            logger: courierLog,
            applied: (o) => {
              for (const r of o.cancelled) outbox.emit('delivery', r)
            }
          },
          stream,
          connection
        ).catch((err: unknown) => {
          courierLog.warn({ err, courier: connection.remotePeer.toString() }, 'revocation stream failed')
          stream.abort(err as Error)
        })
      }, { maxInboundStreams: 1, maxOutboundStreams: 1 })
      const query = new QueryExchange({
        libp2p,
        store,
        trust,
        signer,
        indexDir: join(dir, 'query-index'),
        askedDir: join(dir, 'query-asked'),
        rotationDays: config.query.oprfKeyRotationDays,
        logger: logger.child({ component: 'query' })
      })
      await parts.start('query', query)
      // The revocation kits list every peer of the trust list: kept current from now on.
      const kits = new KitKeeper(paths.revocationDir, trust, logger.child({ component: 'courier' }))
      await parts.start('kits', kits)
      const witness = new Witness({ libp2p, store, audit, trust, signer, logger: logger.child({ component: 'witness' }) }, {
        intervalMs: config.audit.witnessIntervalMs
      })
      receiptWitness.current = witness.receiptWitness()
      await parts.start('witness', witness)
      const gossip = new Gossip({ libp2p, store, trust, signer, witness, logger: logger.child({ component: 'witness' }) }, {
        intervalMs: config.audit.gossipIntervalMs
      })
      await parts.start('gossip', gossip)
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
        audit,
        beforeRotationApplied,
        oprfKey: async () =>
          await query.withIndex(async (index) => {
            const k = index.publicKey()
            return { publicKey: k.publicKey, keyId: k.keyId }
          }),
        rotateOprfKey: async (reason) => await query.rotateOprfKey(reason)
      })
      const metrics = createMetrics({ receiver, outbox, trust, libp2p, store, witness, queries: query }, { peerId: signer.peerId })
      const serveMetrics = metricsRoute(metrics)
      const serveOpenApi = lazyOpenApiRoute()
      const auditView = new AuditView({ audit, store, service, exportsDir: join(paths.root, 'exports') })
      const taxiiStore = new TaxiiStore(store)
      const taskForces = new TaskForces({
        store,
        trust,
        signer,
        name: config.name,
        ...(config.jurisdiction != null ? { jurisdiction: config.jurisdiction } : {}),
        outbox,
        now: () => new Date()
      })
      const api = new ApiServer({
        service,
        taxii: taxiiStore,
        queries: query,
        auditView,
        taskForces,
        logger: logger.child({ component: 'api' }),
        open: consoleFiles(),
        extra: async (req, url) => await serveMetrics(req, url) ?? await serveOpenApi(req, url)
      }, {
        host: config.api.host,
        port: config.api.port,
        token: await readApiToken(dir),
        allowNonLoopback: config.api.allowNonLoopback
      })
      metrics.setAuditSource(() => {
        const latest = audit.latestCheckpoint()
        return { treeSize: audit.size, ...(latest != null ? { lastCheckpointAt: latest.time * 1000 } : {}) }
      })
      // The purger only sets its timer here: started before the outbox so that it stops after it.
      await parts.start('purger', purger)
      await parts.start('outbox', outbox)
      await rememberAddresses(dir, config.listen, listenState, libp2p, { signer, trust, outbox, now: () => new Date() }, logger)
      audit.start()
      // The metrics listen to the parts above from when they were made; detached on stop.
      parts.started('metrics', metrics)
      const taxii = await startTaxii({
        store,
        taxii: taxiiStore,
        service,
        self: signer.peerId,
        logger: logger.child({ component: 'taxii' }),
        maxMessageBytes: () => policy.current.maxMessageBytes,
        onStored: (listener) => {
          receiver.on('accepted', listener)
          return () => receiver.off('accepted', listener)
        }
      }, config)
      if (taxii != null) parts.started('taxii', taxii)
      const node = new LiaisonNode({
        paths,
        config,
        signer,
        store,
        trust,
        libp2p,
        receiver,
        outbox,
        service,
        api,
        metrics,
        audit,
        purger,
        witness,
        gossip,
        logger,
        parts,
        query,
        ...(taxii != null ? { taxii } : {})
      })
      await parts.start('api', api)
      await writeFile(paths.runtime, JSON.stringify(node.runtime(), null, 2) + '\n', { mode: 0o600 })
      logger.info({ peerId: signer.peerId, addresses: node.runtime().addresses, api: api.url }, 'node started')
      node.startupGc = setTimeout(releaseStartupGarbage, STARTUP_GC_DELAY_MS).unref()
      return node
    } catch (err) {
      await parts.stopAll()
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
      consoleUrl: `${this.api.url}/`,
      ...(this.taxii != null ? { taxiiUrl: this.taxii.url } : {}),
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
      // api, taxii, metrics, outbox, purger, gossip, witness, kits, query, libp2p, verify pool,
      // and last the audit log (a final checkpoint over everything this run logged); then the store.
      await this.parts.stop()
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
  await store.commit([store.ownRotationOp(undefined)], [
    auditEvents.keyRotated({ subject: 'self', oldPeerId: own.oldPeerId, newPeerId: own.newPeerId, statement: own.statementDigest })
  ])
}

/**
 * Keep the ports this run got for port-0 addresses, and when the addresses differ from the
 * ones last told to peers, send every active peer a signed address update. The first start
 * only records them: peers learn them from the node's trust card.
 */
async function rememberAddresses (
  dir: string,
  configured: readonly string[],
  before: ListenState,
  libp2p: Libp2p,
  announce: AnnounceComponents,
  logger: Logger
): Promise<void> {
  const bound = libp2p.getMultiaddrs().map(String)
  const addresses = announceable(bound)
  const state: ListenState = { v: 1, ports: { ...before.ports, ...boundPorts(configured, bound) }, addresses }
  const changed = before.addresses.length > 0 && before.addresses.join() !== addresses.join()
  if (changed && addresses.length > 0) {
    const { peers, digest } = await announceAddresses(announce, addresses)
    logger.warn(
      { before: before.addresses, addresses, peers, digest },
      'listen addresses changed since the last run: signed address update queued for every active peer'
    )
  }
  await writeListenState(dir, state)
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
