/**
 * Pre-filling a receiver's store with N messages already received, directly through `Store`
 * and `messageOps` while the node is stopped: worker threads build and sign the records
 * (prefill-worker.ts), the main thread writes them in large batches without fsync (the OS
 * still has them; a benchmark store needs no crash safety while it is being filled). Each
 * batch also carries the audit-log entries of its records, sealed by the real AuditLog through
 * its CommitSequencer interface, exactly as group commit would; a signed checkpoint ends it.
 *
 * @module
 */
import { Worker } from 'node:worker_threads'
import { join } from 'node:path'
import { Store } from '../../node/store/index.ts'
import { AuditLog } from '../../node/audit/audit-log.ts'
import { loadIdentity } from '../../node/config/data-dir.ts'
import type { BatchOp } from '../../node/store/index.ts'
import type { PrefillRecord, PrefillWorkerData } from './prefill-worker.ts'

const WORKER = new URL('./prefill-worker.ts', import.meta.url)

export interface PrefillOptions {
  senderDir: string
  receiverDir: string
  count: number
  bodyBytes: number
  legalBasis: string
  workers: number
  /** Records per worker request (default 1000). */
  chunk?: number
  onProgress?: (done: number, total: number) => void
  /** Compact the whole store afterwards, as a long-running node's would be (default true). */
  compact?: boolean
}

export interface PrefillResult {
  count: number
  /** Audit-log entries after the prefill (two per message: received, receipt stored). */
  auditEntries: number
  seconds: number
  /** Time spent in compaction after the writes. */
  compactSeconds: number
}

export async function prefillInbox (opts: PrefillOptions): Promise<PrefillResult> {
  const started = performance.now()
  const chunk = opts.chunk ?? 1000
  const store = await Store.open(join(opts.receiverDir, 'store'))
  const audit = await AuditLog.open(store, { signer: (await loadIdentity(opts.receiverDir)).signer, checkpointIntervalMs: 0, install: false })
  const workerData: PrefillWorkerData = {
    senderDir: opts.senderDir,
    receiverDir: opts.receiverDir,
    bodyBytes: opts.bodyBytes,
    legalBasis: opts.legalBasis,
    baseTime: Date.now() - opts.count - 60_000
  }
  const workers = Array.from({ length: Math.max(1, opts.workers) }, () => new Worker(WORKER, { workerData }))
  try {
    await Promise.all(workers.map(async w => {
      await nextMessage(w)
    }))
    let next = 0
    let done = 0
    let writing = Promise.resolve()
    // Each worker keeps one request ahead: it signs the next chunk while this one is written.
    await Promise.all(workers.map(async (w) => {
      const ask = (): { start: number, count: number } | undefined => {
        if (next >= opts.count) return undefined
        const req = { start: next, count: Math.min(chunk, opts.count - next) }
        next += req.count
        return req
      }
      let req = ask()
      if (req != null) w.postMessage(req)
      while (req != null) {
        const { records } = await nextMessage(w) as { records: PrefillRecord[] }
        req = ask()
        if (req != null) w.postMessage(req)
        const ops: BatchOp[] = []
        for (const r of records) {
          ops.push(...store.messageOps(r.meta, r.envelope), store.receiptOp(r.meta.digest, r.meta.to[0], r.receipt))
        }
        writing = writing.then(async () => {
          // Sealed when the batch is written, in write order, as group commit does.
          const sealed = audit.seal(records.flatMap(r => r.events))
          try {
            await store.db.batch(ops.concat(sealed), { sync: false })
          } catch (err) {
            audit.settle(false)
            throw err
          }
          audit.settle(true)
          done += records.length
          opts.onProgress?.(done, opts.count)
        })
        await writing
      }
    }))
    await writing
    if (done !== opts.count) throw new Error(`prefill wrote ${done} of ${opts.count} records`)
    await audit.stop()
    const compactStarted = performance.now()
    if (opts.compact ?? true) await (store.db as unknown as { compactRange: (a: string, b: string) => Promise<void> }).compactRange('\x00', '\xff')
    const compactSeconds = (performance.now() - compactStarted) / 1000
    return { count: done, auditEntries: audit.size, seconds: (performance.now() - started) / 1000, compactSeconds }
  } finally {
    await Promise.all(workers.map(async w => await w.terminate()))
    await store.close()
  }
}

async function nextMessage (w: Worker): Promise<unknown> {
  return await new Promise((resolve, reject) => {
    const onMessage = (msg: unknown): void => {
      w.off('error', onError)
      resolve(msg)
    }
    const onError = (err: Error): void => {
      w.off('message', onMessage)
      reject(err)
    }
    w.once('message', onMessage)
    w.once('error', onError)
  })
}
