/**
 * What the passes of `verifyDataDir` share: the store opened read-only on a snapshot (the same
 * Store and AuditStore the node writes through), the worker pool, the record table that joins
 * log and store, the failure list and running counts; and the one way they read: iterators in
 * large batches.
 *
 * @module
 */
import type { AbstractIterator } from 'abstract-level'
import type { AuditStore } from '../audit-store.ts'
import type { Store } from '../../store/index.ts'
import type { Failures, VerifyProgress } from './report.ts'
import type { RecordTable, SetFingerprint } from './record-table.ts'
import type { WorkerPool } from './worker-pool.ts'

/** A sublevel as `verify` reads it. */
export interface ReadableSub<V> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  iterator: (options?: Record<string, unknown>) => AbstractIterator<any, string, V>
}

/** A checkpoint whose signature verified. */
export interface CheckedCheckpoint {
  size: number
  root: Uint8Array
  time: number
}

export interface VerifyContext {
  store: Store
  audit: AuditStore
  pool: WorkerPool
  table: RecordTable
  failures: Failures
  nodeKeys: string[]
  /** In order of size. */
  checkpoints: CheckedCheckpoint[]
  progress: (phase: VerifyProgress['phase'], done: number, total: number) => void
  counts: { entries: number, leaves: number, metas: number, envelopes: number, receipts: number, envelopesVerified: number, receiptsVerified: number }
  /** Also check derived data: stored tree nodes, the digest and expiry indexes. */
  thorough: boolean
  /** Fingerprint of the digest → leaf index keys the log implies (audit-ref; thorough only). */
  refs: SetFingerprint
  /** The tree size and root the entries give (root null when they are not contiguous from 0). */
  tree: { size: number, root: Uint8Array | null }
}

/**
 * Read a range in batches (one native call per `size` entries, the next one asked for while
 * this one is handled), bypassing LevelDB's block cache: every block is read once.
 */
export async function* batches<V> (sub: ReadableSub<V>, options: Record<string, unknown> = {}, size = 1024): AsyncGenerator<Array<[string, V]>> {
  const it = sub.iterator({ fillCache: false, ...options })
  let next = it.nextv(size)
  try {
    for (let batch = await next; batch.length > 0; batch = await next) {
      next = it.nextv(size)
      yield batch as Array<[string, V]>
    }
  } finally {
    await next.catch(() => {})
    await it.close()
  }
}

/** One entry at a time over `batches`, for passes that walk two ranges side by side. */
export interface Cursor<V> {
  next: () => Promise<[string, V] | undefined>
  close: () => Promise<void>
}

export function cursor<V> (sub: ReadableSub<V>, options: Record<string, unknown> = {}): Cursor<V> {
  const it = batches(sub, options)
  let batch: Array<[string, V]> = []
  let at = 0
  return {
    next: async () => {
      if (at === batch.length) {
        const next = await it.next()
        if (next.done === true) return undefined
        ;[batch, at] = [next.value, 0]
      }
      return batch[at++]
    },
    close: async () => {
      await it.return(undefined)
    }
  }
}
