/**
 * Prometheus metrics of one node, served as text at `GET /metrics` on the local API. Every
 * name starts with `liaison_`; each node has its own prom-client Registry (never the global
 * one), so several nodes in one process (tests) do not mix. docs/metrics.md documents every
 * metric (a test keeps it complete).
 *
 * The metrics listen to the components' events — the receiver's `accepted`/`rejected`, the
 * outbox's `delivery`, the trust list's `change`, libp2p's connection events — and read
 * gauges (outbox depth, connected peers, audit tree) when scraped. Labels carry peer IDs,
 * reason codes and outcomes; never message content.
 *
 * @example
 * ```ts
 * const metrics = createMetrics({ receiver, outbox, trust, libp2p, store }, { peerId })
 * const api = new ApiServer({ service, logger, extra: metricsRoute(metrics) }, init)
 * metrics.setAuditSource(() => ({ treeSize: audit.size, lastCheckpointAt: audit.checkpointedAt }))
 * await metrics.stop()
 * ```
 *
 * @module
 */
import { createRequire } from 'node:module'
import type * as PromClient from 'prom-client'
import type { IncomingMessage } from 'node:http'
import { PAYLOAD_TYPES } from '../../protocol/types.ts'
import type { DeliveryRecord, MessageMeta, PeerRecord } from '../store/index.ts'
import type { RejectionInfo } from '../exchange/index.ts'
import { registerQueryMetrics, type QueryEvents } from '../query/metrics.ts'

// prom-client's own modules rather than its index: the index also loads the Pushgateway
// (http, https, zlib, tls) and the cluster aggregator, about 3 MB of resident memory per node
// for code a node never runs. (The lock file pins prom-client; the metrics tests would catch a
// layout change in an upgrade.)
const requirePromClient = createRequire(import.meta.url)
const Counter = requirePromClient('prom-client/lib/counter') as typeof PromClient.Counter
const Gauge = requirePromClient('prom-client/lib/gauge') as typeof PromClient.Gauge
const Histogram = requirePromClient('prom-client/lib/histogram') as typeof PromClient.Histogram
const Registry = requirePromClient('prom-client/lib/registry') as typeof PromClient.Registry
const collectDefaultMetrics = requirePromClient('prom-client/lib/defaultMetrics') as typeof PromClient.collectDefaultMetrics

/** What the audit log reports for metrics (its helper provides the numbers). */
export interface AuditStats {
  /** Leaves in the audit Merkle tree. */
  treeSize: number
  /** When the last checkpoint was signed (ms since epoch); absent before the first. */
  lastCheckpointAt?: number
}

type Listener<A extends unknown[]> = (...args: A) => void

/** The parts of a running node the metrics observe; each is optional. */
export interface MetricsComponents {
  receiver?: {
    on(event: 'accepted', fn: Listener<[MessageMeta]>): unknown,
    on(event: 'rejected', fn: Listener<[RejectionInfo]>): unknown,
    off(event: 'accepted', fn: Listener<[MessageMeta]>): unknown,
    off(event: 'rejected', fn: Listener<[RejectionInfo]>): unknown
  }
  outbox?: {
    on(event: 'delivery', fn: Listener<[DeliveryRecord]>): unknown,
    off(event: 'delivery', fn: Listener<[DeliveryRecord]>): unknown,
    depth(): Promise<Map<string, number>>
  }
  trust?: {
    on(event: 'change', fn: Listener<[string, PeerRecord | undefined, PeerRecord | undefined]>): unknown,
    off(event: 'change', fn: Listener<[string, PeerRecord | undefined, PeerRecord | undefined]>): unknown,
    list(): PeerRecord[]
  }
  libp2p?: {
    addEventListener(event: 'connection:open' | 'connection:close', fn: (evt: CustomEvent<{ direction: string }>) => void): void,
    removeEventListener(event: 'connection:open' | 'connection:close', fn: (evt: CustomEvent<{ direction: string }>) => void): void,
    getPeers(): unknown[]
  }
  store?: { commits: { batches: number, operations: number } }
  witness?: {
    on(event: 'alert', fn: Listener<[{ peerId: string, reason: string }]>): unknown,
    on(event: 'cosigned', fn: Listener<[{ witness: string, size: number }]>): unknown,
    off(event: 'alert', fn: Listener<[{ peerId: string, reason: string }]>): unknown,
    off(event: 'cosigned', fn: Listener<[{ witness: string, size: number }]>): unknown
  }
  /** The hit/no-hit query exchange (node/query/metrics.ts). */
  queries?: QueryEvents
}

export interface MetricsInit {
  /** This node's peer ID and software version, for `liaison_node_info`. */
  peerId?: string
  version?: string
  /** Audit numbers, read at scrape time (can also be set later with setAuditSource). */
  audit?: () => AuditStats | Promise<AuditStats>
  /** Process and Node.js runtime metrics (CPU, memory, event loop lag), prefixed liaison_. */
  processMetrics?: boolean
  now?: () => number
}

/** Seconds from enqueue to the final delivery record: 5 ms … 1 day. */
export const DELIVERY_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 86_400]

const TYPE_NAMES: ReadonlyMap<string, string> = new Map(Object.entries(PAYLOAD_TYPES).map(([name, type]) => [type, name]))

export class NodeMetrics {
  readonly registry = new Registry()
  private readonly now: () => number
  private audit: (() => AuditStats | Promise<AuditStats>) | undefined
  private readonly detach: Array<() => void> = []
  private readonly startedAt: number

  constructor (components: MetricsComponents, init: MetricsInit = {}) {
    this.now = init.now ?? Date.now
    this.startedAt = this.now()
    const registers = [this.registry]
    const { receiver, outbox, trust, libp2p, store, witness } = components

    const info = new Gauge({
      name: 'liaison_node_info',
      help: 'Always 1; labels name this node and its software version.',
      labelNames: ['peer_id', 'version'],
      registers
    })
    info.set({ peer_id: init.peerId ?? '', version: init.version ?? '' }, 1)

    const received = new Counter({
      name: 'liaison_messages_received_total',
      help: 'Envelopes accepted from a peer (stored durably, accepted receipt sent), by payload type.',
      labelNames: ['peer', 'type'],
      registers
    })
    const rejected = new Counter({
      name: 'liaison_messages_rejected_total',
      help: 'Inbound envelopes refused, by peer and reason code (a rejected receipt or a stream reset).',
      labelNames: ['peer', 'reason'],
      registers
    })
    const sent = new Counter({
      name: 'liaison_messages_sent_total',
      help: 'Outbound deliveries that reached a final state, by peer, outcome (delivered, rejected, expired, cancelled) and reason code.',
      labelNames: ['peer', 'outcome', 'reason'],
      registers
    })
    const latency = new Histogram({
      name: 'liaison_delivery_latency_seconds',
      help: 'Time from enqueue to the final delivery record, by outcome.',
      labelNames: ['outcome'],
      buckets: DELIVERY_LATENCY_BUCKETS,
      registers
    })
    const trustChanges = new Counter({
      name: 'liaison_trust_changes_total',
      help: 'Changes to the trust list (added, updated, suspended, resumed, revoked, removed, re-keyed).',
      registers
    })
    const opened = new Counter({
      name: 'liaison_connections_opened_total',
      help: 'libp2p connections opened (after the trust gate), by direction.',
      labelNames: ['direction'],
      registers
    })
    const closed = new Counter({
      name: 'liaison_connections_closed_total',
      help: 'libp2p connections closed, by direction.',
      labelNames: ['direction'],
      registers
    })

    if (witness != null) {
      const alerts = new Counter({
        name: 'liaison_witness_alerts_total',
        help:
          'Peers caught presenting a checkpoint inconsistent with one they showed before (FORK or ROLLBACK) or with one another witness holds (SPLIT_VIEW), ' +
          'by peer.',
        labelNames: ['peer', 'reason'],
        registers
      })
      const cosigned = new Counter({
        name: 'liaison_witness_cosignatures_total',
        help: 'Cosignatures of our checkpoints received from witnessing peers, by witness.',
        labelNames: ['witness'],
        registers
      })
      const onAlert = (a: { peerId: string, reason: string }): void => {
        alerts.inc({ peer: a.peerId, reason: a.reason })
      }
      const onCosigned = (c: { witness: string }): void => {
        cosigned.inc({ witness: c.witness })
      }
      witness.on('alert', onAlert)
      witness.on('cosigned', onCosigned)
      this.detach.push(() => {
        witness.off('alert', onAlert)
        witness.off('cosigned', onCosigned)
      })
    }
    if (receiver != null) {
      const onAccepted = (meta: MessageMeta): void => {
        received.inc({ peer: meta.from, type: TYPE_NAMES.get(meta.payloadType ?? PAYLOAD_TYPES.message) ?? 'other' })
      }
      const onRejected = (r: RejectionInfo): void => {
        rejected.inc({ peer: r.from, reason: r.reason })
      }
      receiver.on('accepted', onAccepted)
      receiver.on('rejected', onRejected)
      this.detach.push(() => {
        receiver.off('accepted', onAccepted)
        receiver.off('rejected', onRejected)
      })
    }
    if (outbox != null) {
      const onDelivery = (r: DeliveryRecord): void => {
        if (r.status === 'pending') return
        sent.inc({ peer: r.recipient, outcome: r.status, reason: r.reason ?? '' })
        latency.observe({ outcome: r.status }, Math.max(0, r.updatedAt - r.queuedAt) / 1000)
      }
      outbox.on('delivery', onDelivery)
      this.detach.push(() => {
        outbox.off('delivery', onDelivery)
      })
      new Gauge({
        name: 'liaison_outbox_depth',
        help: 'Deliveries still pending, per recipient (read from the store at scrape time).',
        labelNames: ['peer'],
        registers,
        async collect () {
          this.reset()
          for (const [peer, n] of await outbox.depth()) this.set({ peer }, n)
        }
      })
    }
    if (trust != null) {
      const onChange = (): void => {
        trustChanges.inc()
      }
      trust.on('change', onChange)
      this.detach.push(() => {
        trust.off('change', onChange)
      })
      new Gauge({
        name: 'liaison_peers',
        help: 'Peers on the trust list, by status.',
        labelNames: ['status'],
        registers,
        collect () {
          this.reset()
          const counts: Record<string, number> = { active: 0, suspended: 0, revoked: 0 }
          for (const p of trust.list()) counts[p.status] = (counts[p.status] ?? 0) + 1
          for (const [status, n] of Object.entries(counts)) this.set({ status }, n)
        }
      })
      new Gauge({
        name: 'liaison_peer_info',
        help: 'Always 1 per trusted peer; labels map a peer ID to its name, jurisdiction and status.',
        labelNames: ['peer', 'name', 'jurisdiction', 'status'],
        registers,
        collect () {
          this.reset()
          for (const p of trust.list()) this.set({ peer: p.peerId, name: p.name, jurisdiction: p.jurisdiction ?? '', status: p.status }, 1)
        }
      })
    }
    if (libp2p != null) {
      const onOpen = (evt: CustomEvent<{ direction: string }>): void => {
        opened.inc({ direction: evt.detail.direction })
      }
      const onClose = (evt: CustomEvent<{ direction: string }>): void => {
        closed.inc({ direction: evt.detail.direction })
      }
      libp2p.addEventListener('connection:open', onOpen)
      libp2p.addEventListener('connection:close', onClose)
      this.detach.push(() => {
        libp2p.removeEventListener('connection:open', onOpen)
        libp2p.removeEventListener('connection:close', onClose)
      })
      new Gauge({
        name: 'liaison_connected_peers',
        help: 'Peers with at least one open libp2p connection.',
        registers,
        collect () {
          this.set(libp2p.getPeers().length)
        }
      })
    }
    if (store != null) {
      new Counter({
        name: 'liaison_store_commits_total',
        help: "Group-committed (fsync'd) LevelDB batches written.",
        registers,
        collect () {
          this.reset()
          this.inc(store.commits.batches)
        }
      })
      new Counter({
        name: 'liaison_store_commit_operations_total',
        help: 'Operations carried by those batches (operations / commits = mean batch size).',
        registers,
        collect () {
          this.reset()
          this.inc(store.commits.operations)
        }
      })
    }
    if (components.queries != null) this.detach.push(registerQueryMetrics({ Counter, Gauge }, this.registry, components.queries))
    if (init.audit != null) this.setAuditSource(init.audit)
    if (init.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'liaison_' })
  }

  /**
   * Where the audit gauges read from. They appear once a source is set: a node without an
   * audit log exports no audit numbers rather than misleading zeros.
   */
  setAuditSource (source: () => AuditStats | Promise<AuditStats>): void {
    const first = this.audit == null
    this.audit = source
    if (!first) return
    const registers = [this.registry]
    const read = async (): Promise<AuditStats> => await (this.audit as () => AuditStats | Promise<AuditStats>)()
    const now = this.now
    const startedAt = this.startedAt
    new Gauge({
      name: 'liaison_audit_tree_size',
      help: "Entries (leaves) in the audit log's Merkle tree.",
      registers,
      async collect () {
        this.set((await read()).treeSize)
      }
    })
    new Gauge({
      name: 'liaison_audit_last_checkpoint_age_seconds',
      help: 'Seconds since the audit log last signed a checkpoint (since node start before the first).',
      registers,
      async collect () {
        const at = (await read()).lastCheckpointAt ?? startedAt
        this.set(Math.max(0, now() - at) / 1000)
      }
    })
  }

  get contentType (): string {
    return this.registry.contentType
  }

  /** The Prometheus text exposition of every metric. */
  async text (): Promise<string> {
    return await this.registry.metrics()
  }

  /** Stop listening to the components. Idempotent. */
  stop (): void {
    for (const detach of this.detach.splice(0)) detach()
  }
}

export function createMetrics (components: MetricsComponents, init: MetricsInit = {}): NodeMetrics {
  return new NodeMetrics(components, init)
}

/** A route for ApiServer's `extra`: `GET /metrics` (behind the API token like every route). */
export function metricsRoute (metrics: NodeMetrics): (req: IncomingMessage, url: URL) => Promise<{ status: number, type: string, body: string } | undefined> {
  return async (req, url) => {
    if (url.pathname !== '/metrics' || req.method !== 'GET') return undefined
    return { status: 200, type: metrics.contentType, body: await metrics.text() }
  }
}
