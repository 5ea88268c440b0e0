/**
 * What the passes of `verifyDataDir` share: the opened snapshot's sublevels, the worker pool,
 * the record table that joins log and store, the failure list and running counts.
 *
 * @module
 */
import type { AbstractIterator } from 'abstract-level'
import type { AuditStore } from '../audit-store.ts'
import type { MessageMeta } from '../../store/records.ts'
import type { Failures, VerifyProgress } from './report.ts'
import type { RecordTable, SetFingerprint } from './record-table.ts'
import type { WorkerPool } from './worker-pool.ts'

/** The sublevels `verify` reads, as any AbstractLevel-like store exposes them. */
export interface ReadableSub<V> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  iterator: (options?: Record<string, unknown>) => AbstractIterator<any, string, V>
  getMany: (keys: string[]) => Promise<Array<V | undefined>>
}

export interface CheckedCheckpoint {
  size: number
  root: Uint8Array
  time: number
  signer: string
}

export interface VerifyContext {
  audit: AuditStore
  msg: ReadableSub<MessageMeta>
  /**
   * Envelopes are read as strings: LevelDB hands those over far cheaper than byte
   * views, and valid UTF-8 (which every envelope must be) round-trips exactly;
   * anything else no longer matches its hash and fails. (Most envelopes never pass through
   * LevelDB: the workers read them from the store's files, stored-scan.ts.)
   */
  env: ReadableSub<string>
  pool: WorkerPool
  table: RecordTable
  failures: Failures
  nodeKeys: string[]
  /** Checkpoints whose signatures verified, by size. */
  checkpoints: CheckedCheckpoint[]
  progress: (phase: VerifyProgress['phase'], done: number, total: number) => void
  counts: {
    entries: number,
    messageLeaves: number,
    receiptLeaves: number,
    metas: number,
    envelopes: number,
    receipts: number,
    envelopesVerified: number,
    receiptsVerified: number
  }
  /** Also check derived data: stored tree nodes, the digest and expiry indexes. */
  thorough: boolean
  /** Fingerprint of the digest → leaf index keys the log implies (audit-ref; thorough only). */
  refs: SetFingerprint
  /** Set when the entries are not contiguous from 0: the tree cannot be rebuilt. */
  treeBroken: boolean
  /** The tree size and root the entries give. */
  tree: { size: number, root: Uint8Array | null }
}

/**
 * Iterate a LevelDB range in batches (one native call per `size` entries), bypassing LevelDB's
 * block cache: every block is read once, and filling the cache only costs time.
 */
export async function* batches<V> (sub: ReadableSub<V>, options: Record<string, unknown> = {}, size = 512): AsyncGenerator<Array<[string, V]>> {
  const it = sub.iterator({ fillCache: false, ...options })
  try {
    while (true) {
      const batch = await it.nextv(size)
      if (batch.length === 0) return
      yield batch as Array<[string, V]>
    }
  } finally {
    await it.close()
  }
}
