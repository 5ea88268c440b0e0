/**
 * One delivery lane per peer: keeps a stream open while there is work, packs what is queued
 * into batches (up to `batchEnvelopes` envelopes and `batchBytes` bytes; a partly filled batch
 * waits up to `batchDelayMs` for more, but only while earlier batches are unanswered, so light
 * load is never delayed), pipelines up to `batchesInFlight` batches and `window` envelopes, matches the
 * in-order batch receipts to what it sent, checks each (batch-receipts.ts: one checkpoint
 * signature per batch, then hashes) and records every message's outcome and evidence in one
 * durable write per receipt. The receiver's checkpoint goes to the witness records (every
 * sender is a witness of its receivers' logs). While the peer is unreachable it retries with
 * capped exponential backoff and jitter; messages that expire meanwhile end as `expired`.
 *
 * @module
 */
import type { Stream } from '@libp2p/interface'
import type { Logger } from 'pino'
import { encodeFrame, FrameDecoder } from '../../protocol/frame.ts'
import { encodeBatch } from '../../protocol/batch.ts'
import { ProtocolError, type ReasonCode } from '../../protocol/errors.ts'
import type { Store, DeliveryRecord, BatchOp } from '../store/index.ts'
import type { TrustList } from '../trust/trust-list.ts'
import type { AsyncVerifier } from './verify-pool.ts'
import { auditEvents } from '../audit/events.ts'
import { openBatchReceipt, type HeldCheckpoint, type OpenedBatchReceipt } from './batch-receipts.ts'
import { backoffDelay } from './backoff.ts'
import { Signal } from './signal.ts'
import {
  DEFAULT_BATCH_BYTES,
  DEFAULT_BATCH_DELAY_MS,
  DEFAULT_BATCH_ENVELOPES,
  DEFAULT_BATCHES_IN_FLIGHT,
  DEFAULT_DELIVERY_WINDOW_BYTES,
  DEFAULT_LANE_IDLE_CLOSE_MS
} from '../defaults.ts'
import { COALESCE_BYTES, FrameBatch } from './frame-batch.ts'

/** Rejections that say "not now" rather than "never": the message stays queued. */
export const TRANSIENT_REASONS: ReadonlySet<string> = new Set<ReasonCode>(['STORAGE_FULL', 'UNAVAILABLE', 'INTERNAL'])

/** Offered deliveries a lane keeps in memory; beyond this it reads the store again. */
const MAX_OFFERED = 65_536

export interface LaneComponents {
  store: Store
  trust: TrustList
  logger: Logger
  dial: (peerId: string, addresses: string[], signal: AbortSignal) => Promise<Stream>
  envelopeOf: (digest: string) => Promise<Uint8Array | undefined>
  onDelivery: (record: DeliveryRecord) => void
  /** Kept for the components' shape; batch receipts carry one checkpoint, checked here. */
  verify?: AsyncVerifier
  /** Where the receivers' checkpoints from receipts go (node/witness); none: not recorded. */
  witness?: ReceiptWitness
  /** This node's peer ID, which rejection entries must name (default: not checked). */
  self?: () => string
  now?: () => number
}

/** The witness records, fed by receipts (PROTOCOL.md §22: every sender is a witness). */
export interface ReceiptWitness {
  /** The newest checkpoint of `peerId`'s log held, if any. */
  latest: (peerId: string) => Promise<HeldCheckpoint | undefined>
  /** Operations and audit events recording a receipt's checkpoint (and an alert when inconsistent). */
  observe: (peerId: string, receipt: OpenedBatchReceipt, held: HeldCheckpoint | undefined) => { ops: BatchOp[], events: unknown[], after?: () => void }
}

export interface LaneInit {
  peerId: string
  window: number
  /** Envelope bytes in flight before the lane waits for receipts (default DEFAULT_DELIVERY_WINDOW_BYTES). */
  windowBytes?: number
  retryBaseMs: number
  retryCapMs: number
  receiptTimeoutMs: number
  idleCloseMs?: number
  /** Envelopes per batch at most (default DEFAULT_BATCH_ENVELOPES). */
  batchEnvelopes?: number
  /** Envelope bytes per batch at most (default DEFAULT_BATCH_BYTES). */
  batchBytes?: number
  /** How long a partly filled batch may wait while others are in flight (default DEFAULT_BATCH_DELAY_MS). */
  batchDelayMs?: number
  /** Batches unanswered at most (default DEFAULT_BATCHES_IN_FLIGHT). */
  batchesInFlight?: number
}

/** The last time this lane could not even open a connection to its peer. */
export interface DialFailure {
  /** When the attempt failed (ms since epoch). */
  at: number
  /** The addresses tried, as on the trust list (none: the peer has no address at all). */
  addresses: string[]
  error: string
}

interface InFlight {
  records: DeliveryRecord[]
  sentAt: number
  bytes: number
  held: HeldCheckpoint | undefined
}

export class DeliveryLane {
  private readonly components: LaneComponents
  private readonly init: LaneInit
  private readonly work = new Signal()
  private readonly controller = new AbortController()
  private readonly now: () => number
  private loop: Promise<void> | undefined
  private sessionWake: Signal | undefined
  /** Cuts a retry backoff short (the peer's addresses changed). */
  private readonly retry = new Signal()
  /** Set while the peer cannot be dialled; cleared by the next successful dial. */
  unreachable: DialFailure | undefined

  constructor (components: LaneComponents, init: LaneInit) {
    this.components = components
    this.init = init
    this.now = components.now ?? Date.now
  }

  get peerId (): string {
    return this.init.peerId
  }

  start (): void {
    this.loop ??= this.run()
  }

  /** New work or a trust change: look again now. */
  wake (): void {
    this.work.notify()
    this.sessionWake?.notify()
  }

  /** The peer's addresses changed: end any backoff and dial the new ones now. */
  retryNow (): void {
    this.retry.notify()
    this.wake()
  }

  /**
   * A delivery to this peer was durably queued by this process: the lane may take it from
   * memory instead of reading the queue back from the store (see `nextBatch`).
   */
  offer (record: DeliveryRecord): void {
    if (this.offered.length < MAX_OFFERED) this.offered.push(record)
    else this.resync()
    this.wake()
  }

  /** Forget what was offered; the next batch is read from the store (trust changes, overflow). */
  resync (): void {
    this.synced = false
    this.offered = []
    this.generation++
  }

  async stop (): Promise<void> {
    this.controller.abort()
    this.retry.notify()
    this.wake()
    await this.loop
  }

  private get stopped (): boolean {
    return this.controller.signal.aborted
  }

  private async run (): Promise<void> {
    const { store, trust, logger } = this.components
    const peer = this.init.peerId
    let failures = 0
    while (!this.stopped) {
      try {
        await this.expireDue()
        const head = await store.pendingFor(peer, 1)
        const record = trust.get(peer)
        if (head.length > 0 && record?.status === 'active' && record.addresses.length === 0) {
          this.unreachable ??= { at: this.now(), addresses: [], error: 'the peer has no address on the trust list' }
        }
        if (head.length === 0 || record == null || record.status !== 'active' || record.addresses.length === 0) {
          await this.work.wait(60_000)
          continue
        }
        let stream: Stream
        try {
          stream = await this.components.dial(peer, record.addresses, this.controller.signal)
        } catch (err) {
          if (!this.stopped) this.unreachable = { at: this.now(), addresses: [...record.addresses], error: dialError(err) }
          throw err
        }
        this.unreachable = undefined
        const delivered = await this.session(stream)
        if (delivered > 0) failures = 0
        if (this.sessionFailed === undefined) continue
        throw this.sessionFailed
      } catch (err) {
        if (this.stopped) break
        failures++
        const delay = backoffDelay(failures - 1, { baseMs: this.init.retryBaseMs, capMs: this.init.retryCapMs })
        logger.debug({ peer, err, delay, failures }, 'delivery attempt failed; retrying')
        await this.retry.wait(delay)
      }
    }
  }

  private sessionFailed: unknown
  /**
   * True while every pending delivery to this peer with a seq above `syncedAt` is either in
   * `offered` or not yet committed (and will be offered): set when a store scan reaches the end
   * of the queue, cleared at every new session and by `resync`.
   */
  private synced = false
  private syncedAt = 0
  private offered: DeliveryRecord[] = []
  /** Bumped by `resync`: a store scan that started before it cannot make the lane synced. */
  private generation = 0

  /**
   * Send pending messages on one stream until the queue is empty and the stream has been
   * idle for a while. Returns how many receipts were recorded.
   */
  private async session (stream: Stream): Promise<number> {
    const peer = this.init.peerId
    const inflight: InFlight[] = []
    const wake = new Signal()
    this.sessionWake = wake
    this.sessionFailed = undefined
    const writes: Array<Promise<void>> = []
    let lastSeq = 0
    this.resync()
    let inflightCount = 0
    let inflightBytes = 0
    const windowBytes = this.init.windowBytes ?? DEFAULT_DELIVERY_WINDOW_BYTES
    const batchEnvelopes = this.init.batchEnvelopes ?? DEFAULT_BATCH_ENVELOPES
    const batchBytes = this.init.batchBytes ?? DEFAULT_BATCH_BYTES
    const batchDelayMs = this.init.batchDelayMs ?? DEFAULT_BATCH_DELAY_MS
    const batchesInFlight = this.init.batchesInFlight ?? DEFAULT_BATCHES_IN_FLIGHT
    let receipts = 0
    let readerError: unknown
    let readerDone = false
    // The newest checkpoint of the peer's log we hold: each batch asks for consistency with it.
    this.held = await this.components.witness?.latest(peer).catch(() => undefined)

    const reader = (async () => {
      const decoder = new FrameDecoder()
      try {
        for await (const chunk of stream) {
          for (const frame of decoder.push(chunk)) {
            const head = inflight.shift()
            if (head == null) throw new ProtocolError('BAD_FRAME', 'receipt without a batch in flight')
            inflightCount -= head.records.length
            inflightBytes -= head.bytes
            const write = this.record(head, frame)
            write.catch((err: unknown) => {
              readerError ??= err
              wake.notify()
            })
            writes.push(write)
            receipts += head.records.length
            wake.notify()
          }
        }
      } catch (err) {
        readerError = err
      } finally {
        readerDone = true
        wake.notify()
      }
    })()

    let idleSince = this.now()
    const idleCloseMs = this.init.idleCloseMs ?? DEFAULT_LANE_IDLE_CLOSE_MS
    const out = new FrameBatch()
    const send = async (): Promise<void> => {
      if (out.bytes > 0 && !stream.send(out.take())) await stream.onDrain({ signal: this.controller.signal })
    }
    try {
      while (!this.stopped && !readerDone && readerError == null) {
        if (inflight.length > 0 && this.now() - inflight[0].sentAt > this.init.receiptTimeoutMs) {
          throw new ProtocolError('UNAVAILABLE', `no receipt from ${peer} within ${this.init.receiptTimeoutMs} ms`)
        }
        const room = this.init.window - inflightCount
        const peerRecord = this.components.trust.get(peer)
        if (peerRecord?.status !== 'active') break
        // Refill in chunks (a quarter window at least) rather than a few messages per receipt,
        // and only while fewer than `batchesInFlight` batches are unanswered: under load what is
        // queued meanwhile makes the next batch fuller (one checkpoint signature per batch).
        const refill = inflight.length === 0 || (inflight.length < batchesInFlight && room >= Math.max(1, this.init.window >> 2) && inflightBytes < windowBytes)
        let queued = refill ? await this.nextBatch(room, lastSeq) : []
        // Light load: nothing in flight, the batch leaves now. Otherwise a partly filled batch
        // waits a moment for more (the time budget), then takes what came.
        if (queued.length > 0 && queued.length < batchEnvelopes && inflight.length > 0 && batchDelayMs > 0 && room > queued.length) {
          await new Promise(resolve => setTimeout(resolve, batchDelayMs))
          queued = queued.concat(await this.nextBatch(Math.min(room, batchEnvelopes) - queued.length, queued[queued.length - 1].seq))
        }
        // Each batch is one frame; frames go out in writes of up to COALESCE_BYTES.
        let records: DeliveryRecord[] = []
        let envelopes: Uint8Array[] = []
        let bytes = 0
        const close = (): void => {
          if (records.length === 0) return
          const sentAt = this.now()
          // The first transmission is the one a receipt's sentAt names (kept if this one goes unanswered: keepSentAt).
          for (let i = 0; i < records.length; i++) if (records[i].sentAt === undefined) records[i] = { ...records[i], sentAt }
          inflight.push({ records, sentAt, bytes, held: this.held })
          inflightCount += records.length
          inflightBytes += bytes
          out.push(encodeFrame(encodeBatch(this.held?.size ?? 0, envelopes)))
          records = []
          envelopes = []
          bytes = 0
        }
        for (const [n, record] of queued.entries()) {
          lastSeq = record.seq
          const envelope = await this.components.envelopeOf(record.digest)
          if (envelope == null) continue
          if (records.length > 0 && (records.length >= batchEnvelopes || bytes + envelope.length > batchBytes)) close()
          records.push(record)
          envelopes.push(envelope)
          bytes += envelope.length
          if (out.bytes >= COALESCE_BYTES) await send()
          // The rest is read again (from the store: resync) once receipts have made room.
          if (inflightBytes + bytes >= windowBytes) {
            if (n !== queued.length - 1) this.resync()
            break
          }
        }
        close()
        await send()
        if (queued.length > 0) {
          idleSince = this.now()
          continue
        }
        if (inflight.length === 0 && this.now() - idleSince > idleCloseMs) break
        // Woken by new work, a receipt, or the end of the stream.
        await wake.wait(inflight.length > 0 ? this.init.receiptTimeoutMs : idleCloseMs)
      }
    } catch (err) {
      this.sessionFailed = err
    }
    this.sessionWake = undefined
    if (readerError != null && this.sessionFailed == null) this.sessionFailed = readerError
    if (readerDone && inflight.length > 0 && this.sessionFailed == null) {
      this.sessionFailed = new ProtocolError('UNAVAILABLE', `stream to ${peer} ended with ${inflightCount} messages unanswered`)
    }
    if (this.sessionFailed != null || this.stopped) stream.abort(new Error('delivery session ended'))
    else {await stream.close().catch(() => {
        stream.abort(new Error('close failed'))
      })}
    await reader
    const results = await Promise.allSettled(writes)
    const failedWrite = results.find(r => r.status === 'rejected')
    if (failedWrite != null && this.sessionFailed == null) this.sessionFailed = (failedWrite as PromiseRejectedResult).reason
    await this.keepSentAt(inflight.flatMap(b => b.records.filter(r => r.sentAt === b.sentAt)))
    return receipts
  }

  /** The newest checkpoint of the peer's log this lane holds (from its receipts or the witness records). */
  private held: HeldCheckpoint | undefined

  /**
   * The next deliveries to send, in queue order. Read from the store's queue index until a read
   * reaches its end; from then on taken from what this process offered since (no store reads on
   * the hot path). Group commit writes batches in seq order, so once a scan has seen seq n, every
   * pending delivery below n was in it; an offered record at or below the scan's end was in it
   * too, and is skipped.
   */
  private async nextBatch (room: number, afterSeq: number): Promise<DeliveryRecord[]> {
    if (this.synced) return await this.takeOffered(room)
    const { store } = this.components
    const peer = this.init.peerId
    const generation = this.generation
    const entries = await store.pendingFor(peer, room, afterSeq)
    if (entries.length < room && generation === this.generation) {
      this.synced = true
      this.syncedAt = Math.max(afterSeq, entries.at(-1)?.seq ?? 0)
      this.offered = this.offered.filter(r => r.seq > this.syncedAt)
    }
    if (entries.length === 0) return []
    const records = await store.dlv.getMany(entries.map(e => e.digest + '!' + peer))
    const out: DeliveryRecord[] = []
    const now = this.now()
    for (const record of records) {
      if (record == null || record.status !== 'pending') continue
      if (Date.parse(record.expires) <= now) {
        await this.finish(record, 'expired')
        continue
      }
      out.push(record)
    }
    return out
  }

  private async takeOffered (room: number): Promise<DeliveryRecord[]> {
    const now = this.now()
    const out: DeliveryRecord[] = []
    while (out.length < room && this.offered.length > 0) {
      const record = this.offered.shift() as DeliveryRecord
      if (record.seq <= this.syncedAt) continue
      if (Date.parse(record.expires) <= now) await this.finish(record, 'expired')
      else out.push(record)
    }
    return out
  }

  /**
   * Check a batch receipt and record every message's outcome, its evidence, the receiver's
   * checkpoint (witness records) and the audit leaves in one durable write. A transient
   * rejection leaves its message queued and ends the session (retried after a backoff).
   */
  private async record (batch: InFlight, frame: Uint8Array): Promise<void> {
    const peer = this.init.peerId
    const opened = openBatchReceipt(frame, peer, batch.records.map(r => r.digest), batch.held, this.components.self?.())
    const { store } = this.components
    const ops: BatchOp[] = []
    const events: unknown[] = []
    const done: DeliveryRecord[] = []
    let transient: string | undefined
    for (const [i, record] of batch.records.entries()) {
      const r = opened.results[i]
      if (r.status === 'rejected' && TRANSIENT_REASONS.has(r.reason ?? '')) {
        transient ??= `${peer} cannot take ${record.digest} now: ${r.reason}`
        // Still queued: its first transmission was this one, if it had none before.
        if (record.sentAt === batch.sentAt) ops.push(...store.deliveryOps(record, record))
        continue
      }
      const next: DeliveryRecord = {
        ...record,
        status: r.status === 'accepted' ? 'delivered' : 'rejected',
        updatedAt: this.now(),
        attempts: record.attempts + 1
      }
      if (r.reason != null) next.reason = r.reason
      ops.push(...store.deliveryOps(next, record), store.receiptOp(record.digest, peer, r.evidence))
      events.push(
        auditEvents.receiptStored({
          for: record.digest,
          by: peer,
          receipt: r.evidence,
          parsed: { for: record.digest, by: peer, status: r.status, ...(r.reason != null ? { reason: r.reason } : {}) },
          sentAt: record.sentAt ?? batch.sentAt
        })
      )
      done.push(next)
    }
    const seen = this.components.witness?.observe(peer, opened, batch.held)
    if (seen != null) {
      ops.push(...seen.ops)
      events.push(...seen.events)
    }
    await store.commit(ops, events)
    seen?.after?.()
    const size = opened.checkpoint.checkpoint.size
    if (this.held === undefined || size > this.held.size || opened.consistent === false) {
      this.held = { size, root: opened.checkpoint.checkpoint.root, note: opened.checkpoint.note }
    }
    for (const next of done) this.components.onDelivery(next)
    if (transient !== undefined) throw new ProtocolError('UNAVAILABLE', transient)
  }

  /**
   * Deliveries first transmitted in a session that ended without their receipt: store when that
   * was, so the retransmission (this process or after a restart) keeps naming the first one.
   * Only records still pending as sent are written (an operator may have cancelled one since).
   * Lost on a crash: the next transmission's time is then recorded (docs/report.md).
   */
  private async keepSentAt (records: DeliveryRecord[]): Promise<void> {
    if (records.length === 0) return
    const { store } = this.components
    try {
      const now = await store.dlv.getMany(records.map(r => r.digest + '!' + r.recipient))
      const ops: BatchOp[] = []
      for (const [i, current] of now.entries()) {
        const sent = records[i]
        if (current?.status === 'pending' && current.seq === sent.seq && current.sentAt === undefined) {
          ops.push(...store.deliveryOps({ ...current, sentAt: sent.sentAt }, current))
        }
      }
      if (ops.length > 0) await store.commit(ops, [])
    } catch (err) {
      this.components.logger.debug({ peer: this.init.peerId, err }, 'could not keep the first transmission time of unanswered deliveries')
    }
  }

  /** A message that expired in the queue. */
  private async finish (record: DeliveryRecord, status: DeliveryRecord['status']): Promise<void> {
    const next: DeliveryRecord = { ...record, status, updatedAt: this.now(), attempts: record.attempts + 1 }
    await this.components.store.commit(this.components.store.deliveryOps(next, record), [])
    this.components.onDelivery(next)
  }

  /** Mark every pending message to this peer whose expiry has passed as `expired`. */
  private async expireDue (): Promise<void> {
    const { store } = this.components
    const now = this.now()
    let after = 0
    while (true) {
      const entries = await store.pendingFor(this.init.peerId, 256, after)
      if (entries.length === 0) return
      const records = await store.dlv.getMany(entries.map(e => e.digest + '!' + this.init.peerId))
      for (const r of records) {
        if (r != null && r.status === 'pending' && Date.parse(r.expires) <= now) await this.finish(r, 'expired')
      }
      after = entries[entries.length - 1].seq
    }
  }
}

/** One line for a failed dial: libp2p wraps one error per address in an AggregateError. */
function dialError (err: unknown): string {
  const e = err as { message?: unknown, errors?: unknown[] }
  const inner = Array.isArray(e.errors) ? e.errors.map(x => String((x as { message?: unknown })?.message ?? x)) : []
  const text = inner.length > 0 ? [...new Set(inner)].join('; ') : String(e.message ?? err)
  return text.length > 300 ? text.slice(0, 297) + '…' : text
}
