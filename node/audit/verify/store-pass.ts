/**
 * Pass over what the store holds, in digest order: message index records joined with their
 * envelopes, and receipts. Envelopes go to the workers in large chunks (chunk.ts); the main
 * thread only reads LevelDB, notes what it found in the record table and packs bytes. Results
 * (a status and the SHA-256 of the stored bytes per envelope) come back into the table; the
 * comparison with the leaves happens in judge.ts, once both sides are complete.
 *
 * @module
 */
import { isPeerId } from '../../../protocol/peer-id.ts'
import type { MessageMeta } from '../../store/records.ts'
import { ChunkWriter, KIND_IN, KIND_OUT, KIND_RECEIPT, PAYLOAD_CODES, UNKNOWN_PAYLOAD, itemSize } from './chunk.ts'
import { PAYLOAD_TYPES } from '../../../protocol/types.ts'
import { batches } from './context.ts'
import type { VerifyContext } from './context.ts'
import { PAYLOAD_OPENING, indexFieldsText } from './index-tuple.ts'
import { sha256Into } from './fast-hash.ts'
import { ENVELOPE_CHECKED, HAS_ENVELOPE, HAS_META, HAS_RECEIPT, META_OUT, META_PURGED } from './record-table.ts'
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
    this.inflight.push({ done: promise.then(result => { this.apply(records, result); this.spare.push(result.buffer) }) })
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
    this.ctx.progress('envelopes', counts.envelopesVerified + counts.receiptsVerified, Math.max(counts.envelopes + counts.receipts, counts.messageLeaves + counts.receiptLeaves))
  }
}

/** Whether the peer at a table index is a valid peer ID (decoded once per peer). */
function validPeer (ctx: VerifyContext, index: number, cache: Array<boolean | undefined>): boolean {
  let ok = cache[index]
  if (ok === undefined) {
    ok = isPeerId(ctx.pool.peers[index])
    cache[index] = ok
  }
  return ok
}

export function where (ctx: VerifyContext, record: number): string {
  const slot = ctx.table.slotOf[record]
  const digest = ctx.table.digestHex(record)
  return slot === 0 ? `message ${digest}` : `receipt for ${digest} by ${ctx.pool.peers[slot - 1]}`
}

/** Messages: index records joined with envelopes by digest. */
async function messagePass (ctx: VerifyContext, out: Dispatcher): Promise<void> {
  const { table, failures, pool } = ctx
  const metas = batches<MessageMeta>(ctx.msg)
  const envs = batches<string>(ctx.env)
  let mb: Array<[string, MessageMeta]> = []
  let eb: Array<[string, string]> = []
  let mi = 0
  let ei = 0
  let metasDone = false
  let envsDone = false
  const own = new Set(ctx.nodeKeys)
  const valid: Array<boolean | undefined> = []
  while (true) {
    if (mi === mb.length && !metasDone) {
      const next = await metas.next()
      mb = next.done === true ? [] : next.value
      mi = 0
      metasDone = mb.length === 0
    }
    if (ei === eb.length && !envsDone) {
      const next = await envs.next()
      eb = next.done === true ? [] : next.value
      ei = 0
      envsDone = eb.length === 0
    }
    const m = metasDone ? undefined : mb[mi]
    const e = envsDone ? undefined : eb[ei]
    if (m === undefined && e === undefined) break
    if (m !== undefined && (e === undefined || m[0] <= e[0])) {
      mi++
      const [digest, meta] = m
      if (!DIGEST.test(digest)) {
        failures.add('message', `index record ${digest}`, 'is not keyed by a digest')
        if (e !== undefined && e[0] === digest) ei++
        continue
      }
      const r = table.recordHex(digest, 0)
      ctx.counts.metas++
      table.storeFlags[r] |= HAS_META | (meta.direction === 'out' ? META_OUT : 0) | (meta.purgedAt != null ? META_PURGED : 0)
      table.metaPeer[r] = typeof meta.from === 'string' ? pool.peer(meta.from) : -1
      const fields = indexFieldsText(meta)
      const payloadType = meta.payloadType ?? PAYLOAD_TYPES.message
      sha256Into(payloadType + '\n' + fields, table.metaTuple, r * 16, 16)
      if (meta.digest !== digest) failures.add('message', `message ${digest}`, `its index record names digest ${String(meta.digest)}`)
      if (meta.direction !== 'in' && meta.direction !== 'out') failures.add('message', `message ${digest}`, `its index record has direction ${String(meta.direction)}`)
      if (meta.direction === 'out' && !own.has(meta.from)) failures.add('message', `message ${digest}`, `stored as sent by this node, but from ${String(meta.from)}`)
      if (e !== undefined && e[0] === digest) {
        ei++
        table.storeFlags[r] |= HAS_ENVELOPE
        ctx.counts.envelopes++
        if (table.metaPeer[r] < 0 || !validPeer(ctx, table.metaPeer[r], valid)) {
          failures.add('message', `message ${digest}`, `its index record names a sender that is not a peer ID: ${String(meta.from)}`)
          continue
        }
        const code = PAYLOAD_CODES.indexOf(payloadType)
        const wait = out.add(r, meta.direction === 'out' ? KIND_OUT : KIND_IN, code < 0 ? UNKNOWN_PAYLOAD : code, table.metaPeer[r],
          code === 0 ? PAYLOAD_OPENING + fields : String(meta.id), e[1])
        if (wait !== undefined) await wait
      }
    } else if (e !== undefined) {
      ei++
      failures.add('message', `envelope ${e[0]}`, 'is stored without an index record')
    }
  }
}

/** Receipts: `digest!by` → receipt envelope. */
async function receiptPass (ctx: VerifyContext, out: Dispatcher): Promise<void> {
  const { table, failures, pool } = ctx
  const valid: Array<boolean | undefined> = []
  for await (const batch of batches<string>(ctx.rcpt)) {
    for (const [key, bytes] of batch) {
      const sep = key.indexOf('!')
      const digest = key.slice(0, sep)
      const by = key.slice(sep + 1)
      if (sep < 0 || !DIGEST.test(digest) || !validPeer(ctx, pool.peer(by), valid)) {
        failures.add('receipt', `receipt ${key}`, 'is not keyed by digest!peer')
        continue
      }
      const r = table.recordHex(digest, 1 + pool.peer(by))
      table.storeFlags[r] |= HAS_RECEIPT
      ctx.counts.receipts++
      const wait = out.add(r, KIND_RECEIPT, 0, pool.peer(by), '', bytes)
      if (wait !== undefined) await wait
    }
  }
}

export async function storePass (ctx: VerifyContext): Promise<void> {
  const messages = new Dispatcher(ctx)
  const receipts = new Dispatcher(ctx)
  await Promise.all([
    messagePass(ctx, messages).then(async () => { await messages.drain() }),
    receiptPass(ctx, receipts).then(async () => { await receipts.drain() })
  ])
}
