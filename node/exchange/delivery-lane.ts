/**
 * One delivery lane per peer: keeps a stream open while there is work, pipelines up to
 * `window` frames, matches the in-order receipts to what it sent, verifies each receipt with
 * the peer's key and records it durably. While the peer is unreachable it retries with capped
 * exponential backoff and jitter; messages that expire meanwhile end as `expired`.
 *
 * @module
 */
import type { Stream } from '@libp2p/interface'
import type { Logger } from 'pino'
import { encodeFrame, FrameDecoder } from '../../protocol/frame.ts'
import { ProtocolError, type ReasonCode } from '../../protocol/errors.ts'
import type { Store } from '../store/store.ts'
import type { DeliveryRecord } from '../store/records.ts'
import type { TrustList } from '../trust-list.ts'
import { openReceiptWith } from './receipts.ts'
import { inlineVerify, type AsyncVerifier } from './verify-pool.ts'
import type { ReceiptV1 } from '../../protocol/types.ts'
import { auditEvents } from '../audit/events.ts'
import { backoffDelay } from './backoff.ts'
import { Signal } from './signal.ts'
import { DEFAULT_DELIVERY_WINDOW_BYTES, DEFAULT_LANE_IDLE_CLOSE_MS } from '../defaults.ts'
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
  /** Receipt signature verification (default: fastVerify on this thread). */
  verify?: AsyncVerifier
  now?: () => number
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
  record: DeliveryRecord
  sentAt: number
  bytes: number
}

export class DeliveryLane {
  private readonly c: LaneComponents
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
    this.c = components
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
    const { store, trust, logger } = this.c
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
          stream = await this.c.dial(peer, record.addresses, this.controller.signal)
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
    let inflightBytes = 0
    const windowBytes = this.init.windowBytes ?? DEFAULT_DELIVERY_WINDOW_BYTES
    let receipts = 0
    let readerError: unknown
    let readerDone = false

    const reader = (async () => {
      const decoder = new FrameDecoder()
      try {
        for await (const chunk of stream) {
          for (const frame of decoder.push(chunk)) {
            const head = inflight.shift()
            if (head == null) throw new ProtocolError('BAD_FRAME', 'receipt without a message in flight')
            inflightBytes -= head.bytes
            const write = this.record(head.record, frame)
            write.catch((err: unknown) => { readerError ??= err; wake.notify() })
            writes.push(write)
            receipts++
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
    try {
      while (!this.stopped && !readerDone && readerError == null) {
        if (inflight.length > 0 && this.now() - inflight[0].sentAt > this.init.receiptTimeoutMs) {
          throw new ProtocolError('UNAVAILABLE', `no receipt from ${peer} within ${this.init.receiptTimeoutMs} ms`)
        }
        const room = this.init.window - inflight.length
        const peerRecord = this.c.trust.get(peer)
        if (peerRecord?.status !== 'active') break
        // Refill in chunks (a quarter window at least) rather than one frame per receipt.
        const refill = inflight.length === 0 || (room >= Math.max(1, this.init.window >> 2) && inflightBytes < windowBytes)
        const batch = refill ? await this.nextBatch(room, lastSeq) : []
        // Frames of a batch go out in writes of up to COALESCE_BYTES: one yamux frame, one
        // Noise message and one socket write for many envelopes instead of one each.
        const out = new FrameBatch()
        for (const record of batch) {
          lastSeq = record.seq
          const envelope = await this.c.envelopeOf(record.digest)
          if (envelope == null) continue
          inflight.push({ record, sentAt: this.now(), bytes: envelope.length })
          inflightBytes += envelope.length
          out.push(encodeFrame(envelope))
          if (out.bytes >= COALESCE_BYTES && !stream.send(out.take())) await stream.onDrain({ signal: this.controller.signal })
          // The rest of the batch is read again (from the store: resync) once receipts have made room.
          if (inflightBytes >= windowBytes) {
            if (record !== batch[batch.length - 1]) this.resync()
            break
          }
        }
        if (out.bytes > 0 && !stream.send(out.take())) await stream.onDrain({ signal: this.controller.signal })
        if (batch.length > 0) { idleSince = this.now(); continue }
        if (inflight.length === 0 && this.now() - idleSince > idleCloseMs) break
        // Woken by new work, a receipt, or the end of the stream.
        await wake.wait(inflight.length > 0 ? this.init.receiptTimeoutMs : idleCloseMs)
      }
    } catch (err) {
      this.sessionFailed = err
    }
    this.sessionWake = undefined
    if (readerError != null && this.sessionFailed == null) this.sessionFailed = readerError
    if (readerDone && inflight.length > 0 && this.sessionFailed == null) this.sessionFailed = new ProtocolError('UNAVAILABLE', `stream to ${peer} ended with ${inflight.length} messages unanswered`)
    if (this.sessionFailed != null || this.stopped) stream.abort(new Error('delivery session ended'))
    else await stream.close().catch(() => { stream.abort(new Error('close failed')) })
    await reader
    const results = await Promise.allSettled(writes)
    const failedWrite = results.find(r => r.status === 'rejected')
    if (failedWrite != null && this.sessionFailed == null) this.sessionFailed = (failedWrite as PromiseRejectedResult).reason
    return receipts
  }

  /**
   * The next deliveries to send, in queue order. Read from the store's queue index until a read
   * reaches its end; from then on taken from what this process offered since (no store reads on
   * the hot path). Group commit writes batches in seq order, so once a scan has seen seq n, every
   * pending delivery below n was in it; an offered record at or below the scan's end was in it
   * too, and is skipped.
   */
  private async nextBatch (room: number, afterSeq: number): Promise<DeliveryRecord[]> {
    if (this.synced) return await this.takeOffered(room)
    const { store } = this.c
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

  /** Verify a receipt and record the outcome durably. */
  private async record (record: DeliveryRecord, frame: Uint8Array): Promise<void> {
    const key = this.c.trust.key(this.init.peerId)
    if (key == null) throw new ProtocolError('UNKNOWN_SIGNER', `no key for ${this.init.peerId}`)
    const receipt = await openReceiptWith(frame, key, record.digest, this.c.verify ?? inlineVerify)
    if (receipt.status === 'rejected' && TRANSIENT_REASONS.has(receipt.reason ?? '')) {
      throw new ProtocolError('UNAVAILABLE', `${this.init.peerId} cannot take ${record.digest} now: ${receipt.reason}`)
    }
    await this.finish(record, receipt.status === 'accepted' ? 'delivered' : 'rejected', receipt.reason, frame.slice(), receipt)
  }

  private async finish (record: DeliveryRecord, status: DeliveryRecord['status'], reason?: string, receipt?: Uint8Array, parsed?: ReceiptV1): Promise<void> {
    const { store } = this.c
    const next: DeliveryRecord = { ...record, status, updatedAt: this.now(), attempts: record.attempts + 1 }
    if (reason != null) next.reason = reason
    const ops = store.deliveryOps(next, record)
    if (receipt != null) ops.push(store.receiptOp(record.digest, this.init.peerId, receipt))
    await store.commit(ops, receipt != null ? [auditEvents.receiptStored({ for: record.digest, by: this.init.peerId, receipt, ...(parsed != null ? { parsed } : {}) })] : [])
    this.c.onDelivery(next)
  }

  /** Mark every pending message to this peer whose expiry has passed as `expired`. */
  private async expireDue (): Promise<void> {
    const { store } = this.c
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
