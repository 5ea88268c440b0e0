/**
 * The outbox: durable queue of outbound messages and the delivery lanes that drain it, one
 * per recipient. Emits `delivery` whenever a delivery reaches a final state.
 *
 * @module
 */
import { EventEmitter } from 'node:events'
import type { Stream } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { Store, DeliveryRecord, MessageMeta, BatchOp } from '../store/index.ts'
import type { TrustList } from '../trust/trust-list.ts'
import { DeliveryLane, type DialFailure, type LaneInit } from './delivery-lane.ts'
import { enqueueOutbound } from './enqueue.ts'
import type { AsyncVerifier } from './verify-pool.ts'
import type { ReceiptWitness } from './delivery-lane.ts'

export interface OutboxComponents {
  store: Store
  trust: TrustList
  logger: Logger
  dial: (peerId: string, addresses: string[], signal: AbortSignal) => Promise<Stream>
  now?: () => number
  /** Receipt signature verification, e.g. a VerifyPool's. */
  verify?: AsyncVerifier
  /** Where receivers' checkpoints from batch receipts are recorded (node/witness). */
  witness?: ReceiptWitness
  /** This node's peer ID (rejection entries in receipts must name it). */
  self?: () => string
}

export type OutboxInit = Omit<LaneInit, 'peerId'>

export interface OutboxEvents {
  delivery: [record: DeliveryRecord]
}

export class Outbox extends EventEmitter<OutboxEvents> {
  private readonly components: OutboxComponents
  private readonly init: OutboxInit
  private readonly lanes = new Map<string, DeliveryLane>()
  /** Envelopes queued by this process, so lanes need not read them back from disk. */
  private readonly cache = new Map<string, { bytes: Uint8Array, refs: number }>()
  private running = false

  constructor (components: OutboxComponents, init: OutboxInit) {
    super()
    this.components = components
    this.init = init
    this.setMaxListeners(0)
    components.trust.on('change', (peerId, record, before) => {
      // New addresses (a signed address update, an operator's edit): dial them now, not after the backoff.
      if (record != null && before != null && record.addresses.join() !== before.addresses.join()) this.lanes.get(peerId)?.retryNow()
      // Deliveries may have been cancelled or moved (revocation, key rotation): read the queue again.
      this.lanes.get(peerId)?.resync()
      if (record?.status === 'active' && this.running) this.lane(peerId).wake()
      else this.lanes.get(peerId)?.wake()
    })
  }

  async start (): Promise<void> {
    this.running = true
    for (const peerId of await this.components.store.recipientsWithPending()) this.lane(peerId)
  }

  async stop (): Promise<void> {
    this.running = false
    await Promise.all([...this.lanes.values()].map(async lane => {
      await lane.stop()
    }))
    this.lanes.clear()
  }

  /** Durably queue a signed message for its recipients and wake their lanes. */
  async enqueue (
    meta: MessageMeta,
    envelope: Uint8Array,
    recipients: string[],
    extraOps: BatchOp[] = [],
    events: unknown[] = [],
    preface: unknown[] = []
  ): Promise<DeliveryRecord[]> {
    const records = await enqueueOutbound(this.components.store, meta, envelope, recipients, (this.components.now ?? Date.now)(), extraOps, events, preface)
    this.cache.set(meta.digest, { bytes: envelope, refs: recipients.length })
    for (const r of records) this.lane(r.recipient).offer(r)
    return records
  }

  private lane (peerId: string): DeliveryLane {
    let lane = this.lanes.get(peerId)
    if (lane == null) {
      lane = new DeliveryLane({
        store: this.components.store,
        trust: this.components.trust,
        logger: this.components.logger.child({ peer: peerId }),
        dial: this.components.dial,
        now: this.components.now,
        envelopeOf: async (digest) => this.cache.get(digest)?.bytes ?? await this.components.store.getEnvelope(digest),
        onDelivery: (record) => {
          this.delivered(record)
        },
        ...(this.components.verify != null ? { verify: this.components.verify } : {}),
        ...(this.components.witness != null ? { witness: this.components.witness } : {}),
        ...(this.components.self != null ? { self: this.components.self } : {})
      }, { ...this.init, peerId })
      this.lanes.set(peerId, lane)
      if (this.running) lane.start()
    }
    return lane
  }

  private delivered (record: DeliveryRecord): void {
    const entry = this.cache.get(record.digest)
    if (entry != null && --entry.refs <= 0) this.cache.delete(record.digest)
    this.emit('delivery', record)
  }

  /** Why the last attempt to reach `peerId` failed, while it cannot be reached (undefined: reachable or not tried). */
  unreachable (peerId: string): DialFailure | undefined {
    return this.lanes.get(peerId)?.unreachable
  }

  /** Messages still pending, per recipient. */
  async depth (): Promise<Map<string, number>> {
    return await this.components.store.countPending()
  }
}
