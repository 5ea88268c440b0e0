/**
 * The main thread's part of the store pass: the message index records, read through LevelDB
 * into the record table (the envelopes and receipts are read and checked by the workers straight
 * from the store's files: stored-scan.ts, store-results.ts), and the full check of the messages
 * that the workers could not settle alone — envelopes sent to the workers in large chunks
 * (chunk.ts) with what their index records say. Results (a status and the SHA-256 of the stored
 * bytes per envelope) come back into the table; the comparison with the leaves happens in
 * judge.ts, once both sides are complete.
 *
 * @module
 */
import type { MessageMeta } from '../../store/records.ts'
import { ChunkWriter, KIND_IN, KIND_OUT, PAYLOAD_CODES, UNKNOWN_PAYLOAD, itemSize } from './chunk.ts'
import { PAYLOAD_TYPES } from '../../../protocol/types.ts'
import { batches } from './context.ts'
import type { VerifyContext } from './context.ts'
import { PAYLOAD_OPENING, indexFieldsText } from './index-tuple.ts'
import { sha256Into } from './fast-hash.ts'
import { ENVELOPE_CHECKED, HAS_META, META_OUT, META_PURGED } from './record-table.ts'
import type { EnvelopeResult } from './verify-worker.ts'

/** Bytes per chunk: a few hundred typical envelopes (~1.5 KB each). */
const CHUNK_BYTES = 512 * 1024
const DIGEST = /^[0-9a-f]{64}$/

interface Pending {
  done: Promise<void>
}

/** Packs envelopes into chunks and keeps at most two chunks per worker in flight. */
class Dispatcher {
  private readonly ctx: VerifyContext
  private writer: ChunkWriter
  private records: number[] = []
  private readonly inflight: Pending[] = []
  /** Chunk buffers the workers handed back. */
  private readonly spare: ArrayBuffer[] = []

  constructor (ctx: VerifyContext) {
    this.ctx = ctx
    this.writer = new ChunkWriter(CHUNK_BYTES)
  }

  /** Add an envelope; returns a promise only when the caller must wait (a chunk went out). */
  add (record: number, kind: number, payloadCode: number, signer: number, prefix: string, envelope: string): Promise<void> | undefined {
    const digest = this.ctx.table.digestBytes(record)
    if (this.writer.add(kind, payloadCode, signer, digest, prefix, envelope)) {
      this.records.push(record)
      return undefined
    }
    return (async () => {
      await this.flush()
      this.writer = new ChunkWriter(Math.max(CHUNK_BYTES, itemSize(prefix, envelope)))
      this.writer.add(kind, payloadCode, signer, digest, prefix, envelope)
      this.records.push(record)
    })()
  }

  async flush (): Promise<void> {
    if (this.writer.count === 0) return
    const records = this.records
    const kinds = this.writer.count
    const promise = this.ctx.pool.checkEnvelopes(this.writer.finish(), kinds)
    this.writer = new ChunkWriter(CHUNK_BYTES, this.spare.pop())
    this.records = []
    this.inflight.push({
      done: promise.then(result => {
        this.apply(records, result)
        this.spare.push(result.buffer)
      })
    })
    while (this.inflight.length >= 2 * this.ctx.pool.size) await (this.inflight.shift() as Pending).done
  }

  async drain (): Promise<void> {
    await this.flush()
    while (this.inflight.length > 0) await (this.inflight.shift() as Pending).done
  }

  private apply (records: number[], result: EnvelopeResult): void {
    const { table, failures, counts } = this.ctx
    const status = new Uint8Array(result.status)
    const shas = new Uint8Array(result.shas)
    const problems = new Map(result.problems)
    for (let i = 0; i < records.length; i++) {
      const r = records[i]
      table.storedSha.set(shas.subarray(32 * i, 32 * i + 32), r * 32)
      const receipt = table.slotOf[r] !== 0
      if (status[i] === 0) {
        table.storeFlags[r] |= ENVELOPE_CHECKED
        if (receipt) counts.receiptsVerified++
        else counts.envelopesVerified++
      } else {
        failures.add(receipt ? 'receipt' : 'message', where(this.ctx, r), problems.get(i) ?? 'failed')
      }
    }
    this.ctx.progress(
      'envelopes',
      counts.envelopesVerified + counts.receiptsVerified,
      Math.max(counts.envelopes + counts.receipts, counts.messageLeaves + counts.receiptLeaves)
    )
  }
}

export function where (ctx: VerifyContext, record: number): string {
  const slot = ctx.table.slotOf[record]
  const digest = ctx.table.digestHex(record)
  return slot === 0 ? `message ${digest}` : `receipt for ${digest} by ${ctx.pool.peers[slot - 1]}`
}

/**
 * The message index records, in digest order: what each says goes into the record table (the
 * envelopes themselves are read from the store's files by the workers: store-results.ts).
 */
export async function metaPass (ctx: VerifyContext, senderText: Map<number, string>): Promise<void> {
  const { table, failures, pool } = ctx
  const own = new Set(ctx.nodeKeys)
  for await (const batch of batches<MessageMeta>(ctx.msg)) {
    for (const [digest, meta] of batch) {
      if (!DIGEST.test(digest)) {
        failures.add('message', `index record ${digest}`, 'is not keyed by a digest')
        continue
      }
      const r = table.recordHex(digest, 0)
      ctx.counts.metas++
      table.storeFlags[r] |= HAS_META | (meta.direction === 'out' ? META_OUT : 0) | (meta.purgedAt != null ? META_PURGED : 0)
      table.metaPeer[r] = typeof meta.from === 'string' ? pool.peer(meta.from) : -1
      if (typeof meta.from !== 'string') senderText.set(r, String(meta.from))
      const payloadType = meta.payloadType ?? PAYLOAD_TYPES.message
      sha256Into(payloadType + '\n' + indexFieldsText(meta), table.metaTuple, r * 16, 16)
      if (meta.digest !== digest) failures.add('message', `message ${digest}`, `its index record names digest ${String(meta.digest)}`)
      if (meta.direction !== 'in' && meta.direction !== 'out') {
        failures.add('message', `message ${digest}`, `its index record has direction ${String(meta.direction)}`)
      }
      if (meta.direction === 'out' && !own.has(meta.from)) {
        failures.add('message', `message ${digest}`, `stored as sent by this node, but from ${String(meta.from)}`)
      }
    }
  }
}

/**
 * Check messages again with their index records in hand (store-results.ts says which), reading
 * both through LevelDB: the full check of envelope-check.ts, in the workers.
 */
export async function recheckPass (ctx: VerifyContext, records: readonly number[]): Promise<void> {
  const out = new Dispatcher(ctx)
  for (let i = 0; i < records.length; i += 256) {
    const batch = records.slice(i, i + 256)
    const hexes = batch.map(r => ctx.table.digestHex(r))
    const [metas, envs] = await Promise.all([ctx.msg.getMany(hexes), ctx.env.getMany(hexes)])
    for (let j = 0; j < batch.length; j++) {
      const r = batch[j]
      const meta = metas[j]
      const envelope = envs[j]
      if (meta === undefined || envelope === undefined) {
        ctx.failures.add(
          'storage',
          `message ${hexes[j]}`,
          `the store's files hold ${meta === undefined ? 'its index record' : 'its envelope'}, but LevelDB does not serve it`
        )
        continue
      }
      const payloadType = meta.payloadType ?? PAYLOAD_TYPES.message
      const code = PAYLOAD_CODES.indexOf(payloadType)
      const wait = out.add(
        r,
        meta.direction === 'out' ? KIND_OUT : KIND_IN,
        code < 0 ? UNKNOWN_PAYLOAD : code,
        ctx.table.metaPeer[r],
        code === 0 ? PAYLOAD_OPENING + indexFieldsText(meta) : String(meta.id),
        envelope
      )
      if (wait !== undefined) await wait
    }
  }
  await out.drain()
}
