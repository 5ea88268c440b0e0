/**
 * Group commit: concurrent writers hand in their operations; one fsync'd LevelDB batch carries
 * everything that arrived while the previous batch was being written. A caller's promise
 * resolves only once its operations are durable, and rejects (with nothing of it written) if
 * the batch fails — LevelDB batches are atomic.
 *
 * @module
 */
import type { AbstractBatchOperation } from 'abstract-level'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type BatchOp = AbstractBatchOperation<any, any, any>

/** What group commit needs of the database: atomic batches, optionally fsync'd (classic-level). */
export interface BatchTarget {
  batch(ops: BatchOp[], options: { sync: boolean }): Promise<void>
}

/**
 * Adds operations to a batch at the moment it is formed, in commit order — the audit log uses
 * it to append one Merkle leaf per event in the same atomic write as the event itself, and to
 * roll its in-memory tree back if that write fails.
 */
export interface CommitSequencer {
  /** Extra operations for the events of the batch being formed (called in batch order). */
  seal(events: unknown[]): BatchOp[]
  /** The batch sealed last is durable (`ok`) or failed and must be forgotten. */
  settle(ok: boolean): void
}

interface Pending {
  ops: BatchOp[]
  events: unknown[] | undefined
  resolve: () => void
  reject: (err: unknown) => void
}

export interface GroupCommitInit {
  /** Soft cap on operations per batch (a single writer's ops are never split). */
  maxOps: number
  /** fsync each batch (default true). */
  sync?: boolean
  /**
   * Called before the next batch after a batch failed (e.g. ENOSPC). LevelDB must not append
   * to a log that holds a torn record — its recovery would drop every later record in that
   * log block — so the store reopens the database, which starts a new log. Until it succeeds,
   * batches fail with its error and nothing is acknowledged.
   */
  recover?: () => Promise<void>
  /** Called before every batch; throwing refuses the batch untouched (e.g. disk nearly full). */
  precheck?: () => Promise<void>
}

export class GroupCommit {
  private readonly db: BatchTarget
  private readonly maxOps: number
  private readonly sync: boolean
  private readonly recover: (() => Promise<void>) | undefined
  private readonly precheck: (() => Promise<void>) | undefined
  private broken = false
  private queue: Pending[] = []
  private writing = false
  private idle: Promise<void> = Promise.resolve()
  private markIdle: () => void = () => {}
  sequencer: CommitSequencer | undefined
  /** Batches written so far and operations they carried (for metrics and benchmarks). */
  batches = 0
  operations = 0

  constructor (db: BatchTarget, init: GroupCommitInit) {
    this.db = db
    this.maxOps = init.maxOps
    this.sync = init.sync ?? true
    this.recover = init.recover
    this.precheck = init.precheck
  }

  write (ops: BatchOp[], events?: unknown[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, events, resolve, reject })
      if (!this.writing) {
        this.writing = true
        this.idle = new Promise(resolve => {
          this.markIdle = resolve
        })
        // Let writers of the same tick join the first batch.
        setImmediate(() => {
          void this.drain()
        })
      }
    })
  }

  /** Resolves when every write handed in so far has settled. */
  async flushed (): Promise<void> {
    await this.idle
  }

  private async drain (): Promise<void> {
    while (this.queue.length > 0) {
      const batch: Pending[] = []
      let count = 0
      while (this.queue.length > 0 && (batch.length === 0 || count + this.queue[0].ops.length <= this.maxOps)) {
        const next = this.queue.shift() as Pending
        batch.push(next)
        count += next.ops.length
      }
      let ops = batch.length === 1 ? batch[0].ops : batch.flatMap(p => p.ops)
      const sequencer = this.sequencer
      let sealed = false
      try {
        if (this.precheck != null) {
          try {
            await this.precheck()
          } catch (err) {
            for (const p of batch) p.reject(err)
            continue
          }
        }
        if (this.broken && this.recover != null) {
          await this.recover()
          this.broken = false
        }
        if (sequencer != null) {
          const events = batch.flatMap(p => p.events ?? [])
          if (events.length > 0) {
            ops = ops.concat(sequencer.seal(events))
            sealed = true
          }
        }
        await this.db.batch(ops, { sync: this.sync })
        if (sealed) sequencer?.settle(true)
        this.batches++
        this.operations += ops.length
        for (const p of batch) p.resolve()
      } catch (err) {
        this.broken = true
        if (sealed) sequencer?.settle(false)
        for (const p of batch) p.reject(err)
      }
    }
    this.writing = false
    this.markIdle()
  }
}
