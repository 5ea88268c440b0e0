/**
 * Retention: once a message has expired, its envelope (the only place its body lives) is
 * deleted. What stays: the message's index record with `purgedAt` set, its digest, its receipts
 * and every audit leaf that names it — and one `purge` leaf listing the digests purged, written
 * in the same batch as the deletions. `audit verify` then reports those messages as purged, not
 * missing.
 *
 * Expired messages are found through the audit log's expiry index (audit-exp, written when the
 * message's leaf is sealed), so a purge reads only what it deletes. An outbound message that
 * still has a pending delivery is left for the next run (the outbox expires it first).
 *
 * @example
 * ```ts
 * const purger = new Purger({ store, audit, logger }, { intervalMs: 3_600_000 })
 * purger.start()               // running node
 * await purger.purge()         // `liaison purge` on a stopped node
 * await purger.stop()
 * ```
 *
 * @module
 */
import { DEFAULT_PURGE_CHUNK, DEFAULT_PURGE_INTERVAL_MS } from '../defaults.ts'
import type { Logger } from 'pino'
import { formatRfc3339Millis } from '../../protocol/time.ts'
import type { BatchOp, Store } from '../store/index.ts'
import type { AuditLog } from './audit-log.ts'
import { SEP } from './audit-store.ts'
import { auditEvents } from './events.ts'

/** Defaults live in node/defaults.ts; re-exported for this module's callers. */
export { DEFAULT_PURGE_INTERVAL_MS, DEFAULT_PURGE_CHUNK } from '../defaults.ts'

/** Expiry-index keys read per scan. */
const SCAN = 5000

export interface PurgerComponents {
  store: Store
  audit: AuditLog
  logger?: Logger
}

export interface PurgerInit {
  /** Periodic purge once `start()`ed; 0 disables the timer. */
  intervalMs?: number
  chunk?: number
  now?: () => number
}

export interface PurgeResult {
  /** Digests whose envelopes were deleted, in purge order. */
  purged: string[]
  /** Expired messages left for later (a delivery is still pending). */
  deferred: number
}

export class Purger {
  private readonly components: PurgerComponents
  private readonly intervalMs: number
  private readonly chunk: number
  private readonly now: () => number
  private timer: NodeJS.Timeout | undefined
  private running: Promise<PurgeResult> | undefined

  constructor (components: PurgerComponents, init: PurgerInit = {}) {
    this.components = components
    this.intervalMs = init.intervalMs ?? DEFAULT_PURGE_INTERVAL_MS
    this.chunk = init.chunk ?? DEFAULT_PURGE_CHUNK
    this.now = init.now ?? Date.now
  }

  /** Purge every message expired at `now` (one run at a time). */
  async purge (now = this.now()): Promise<PurgeResult> {
    while (this.running !== undefined) await this.running.catch(() => {})
    this.running = this.run(now)
    try {
      return await this.running
    } finally {
      this.running = undefined
    }
  }

  private async run (nowMs: number): Promise<PurgeResult> {
    const exp = this.components.audit.audit.exp
    const result: PurgeResult = { purged: [], deferred: 0 }
    // Expiry is inclusive of `now`, as on the receive path (expires <= now is expired).
    const until = formatRfc3339Millis(nowMs) + SEP + '\xff'
    // Filled by purgeKeys, emptied in place by flush (one batch and one purge leaf per chunk).
    const ops: BatchOp[] = []
    const digests: string[] = []
    const flush = async (): Promise<void> => {
      if (ops.length === 0) return
      await this.components.store.commit(ops.splice(0), digests.length > 0 ? [auditEvents.purge(digests.slice())] : [])
      result.purged.push(...digests.splice(0))
    }
    let cursor: string | undefined
    while (true) {
      const keys: string[] = []
      for await (const key of exp.keys({ ...(cursor != null ? { gt: cursor } : {}), lt: until, limit: SCAN })) keys.push(key)
      if (keys.length === 0) break
      cursor = keys[keys.length - 1]
      await this.purgeKeys(keys, nowMs, ops, digests, flush, result)
    }
    await flush()
    if (result.purged.length > 0) this.components.logger?.info({ purged: result.purged.length, deferred: result.deferred }, 'expired messages purged')
    return result
  }

  private async purgeKeys (keys: string[], nowMs: number, ops: BatchOp[], digests: string[], flush: () => Promise<void>, result: PurgeResult): Promise<void> {
    const { store, audit } = this.components
    for (const key of keys) {
      const sep = key.indexOf(SEP)
      const expires = key.slice(0, sep)
      const digest = key.slice(sep + 1)
      const meta = await store.getMeta(digest)
      if (meta == null || meta.purgedAt != null) {
        ops.push(audit.audit.expDelOp(expires, digest))
        continue
      }
      if (await this.pendingDelivery(digest)) {
        result.deferred++
        continue
      }
      ops.push(
        { type: 'put', sublevel: store.msg, key: digest, value: { ...meta, purgedAt: nowMs } },
        { type: 'del', sublevel: store.env, key: digest },
        audit.audit.expDelOp(expires, digest),
        // Derived indexes (the TAXII object index) learn of the purge in the same write.
        store.changeOp(meta)
      )
      digests.push(digest)
      if (digests.length >= this.chunk) await flush()
    }
  }

  private async pendingDelivery (digest: string): Promise<boolean> {
    for await (const record of this.components.store.dlv.values({ gt: digest + SEP, lt: digest + SEP + '\xff' })) {
      if (record.status === 'pending') return true
    }
    return false
  }

  start (): void {
    if (this.timer !== undefined || this.intervalMs <= 0) return
    this.timer = setInterval(() => {
      this.purge().catch((err: unknown) => {
        this.components.logger?.error({ err }, 'purge failed')
      })
    }, this.intervalMs)
    this.timer.unref()
  }

  /** Stop the timer and wait for a running purge. */
  async stop (): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    await this.running?.catch(() => {})
  }
}
