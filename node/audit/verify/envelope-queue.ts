/**
 * Envelopes on their way to the worker pool: packed into large chunks (chunk.ts), at most two
 * chunks per worker in flight — so memory stays bounded however many millions are read — and
 * every verdict handed back in the order the envelopes went in, so a report lists its failures
 * in the same order on every run. Used by `audit verify` on a data directory and on a bundle.
 *
 * @module
 */
import { ChunkWriter, itemSize } from './chunk.ts'
import type { EnvelopeItem } from './chunk.ts'
import type { ChunkResult, WorkerPool } from './worker-pool.ts'

/** Bytes per chunk: a few hundred typical envelopes (~1.5 KB each). */
const CHUNK_BYTES = 512 * 1024

/** One verdict: `problem` null if the envelope checked out; `sha256` of its stored bytes (32 bytes). */
export type Verdict = (tag: number, problem: string | null, sha256: Uint8Array) => void

export class EnvelopeQueue {
  private readonly pool: WorkerPool
  private readonly verdict: Verdict
  private writer = new ChunkWriter(CHUNK_BYTES)
  private tags: number[] = []
  private readonly inflight: Array<{ tags: number[], result: Promise<ChunkResult> }> = []
  /** Chunk buffers the workers handed back. */
  private readonly spare: ArrayBuffer[] = []

  constructor (pool: WorkerPool, verdict: Verdict) {
    this.pool = pool
    this.verdict = verdict
  }

  /** Queue `item`; its verdict comes back under `tag`. */
  async add (tag: number, item: EnvelopeItem): Promise<void> {
    if (!this.writer.add(item)) {
      await this.flush(itemSize(item))
      this.writer.add(item)
    }
    this.tags.push(tag)
  }

  /** Send the chunk being filled; wait while too many are in flight. */
  private async flush (next = CHUNK_BYTES): Promise<void> {
    if (this.writer.count > 0) {
      this.inflight.push({ tags: this.tags, result: this.pool.checkChunk(this.writer.buffer, this.writer.count) })
      this.tags = []
    }
    this.writer = new ChunkWriter(Math.max(CHUNK_BYTES, next), this.spare.pop())
    while (this.inflight.length >= 2 * this.pool.size) await this.settleOne()
  }

  /** Wait for every verdict. */
  async drain (): Promise<void> {
    await this.flush()
    while (this.inflight.length > 0) await this.settleOne()
  }

  private async settleOne (): Promise<void> {
    const { tags, result: pending } = this.inflight.shift() as { tags: number[], result: Promise<ChunkResult> }
    const result = await pending
    const problems = new Map(result.problems)
    const shas = new Uint8Array(result.shas)
    for (let i = 0; i < tags.length; i++) this.verdict(tags[i], problems.get(i) ?? null, shas.subarray(32 * i, 32 * i + 32))
    this.spare.push(result.buffer)
  }
}
