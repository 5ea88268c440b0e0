/**
 * The store pass: every message index record, envelope and receipt, read through the store's
 * own sublevels (node/store/store.ts) in key order and in large batches. `msg` and `env` are
 * both keyed by digest, so they are walked side by side and each envelope goes to the workers
 * with what its index record says (chunk.ts: large transferred chunks); receipts follow. The
 * results — a status and SHA-256 of the stored bytes per envelope — come back into the record
 * table in the order the chunks went out; the comparison with the leaves happens in judge.ts,
 * once both sides are complete.
 *
 * @module
 */
import { isPeerId } from '../../../protocol/peer-id.ts'
import { PAYLOAD_TYPES } from '../../../protocol/types.ts'
import type { MessageMeta } from '../../store/records.ts'
import { ChunkWriter, KIND_IN, KIND_OUT, KIND_RECEIPT, PAYLOAD_CODES, UNKNOWN_PAYLOAD, itemSize } from './chunk.ts'
import { batches, Cursor } from './context.ts'
import type { VerifyContext } from './context.ts'
import { PAYLOAD_OPENING, indexFieldsText } from './index-tuple.ts'
import { ENVELOPE_CHECKED, HAS_ENVELOPE, HAS_META, HAS_RECEIPT, META_OUT, META_PURGED, sha256Into } from './record-table.ts'
import type { EnvelopeResult } from './worker-pool.ts'

/** Bytes per chunk: a few hundred typical envelopes (~1.5 KB each). */
const CHUNK_BYTES = 512 * 1024
const DIGEST = /^[0-9a-f]{64}$/

/** Packs envelopes into chunks, keeps at most two chunks per worker in flight, applies results in order. */
class Dispatcher {
  private readonly ctx: VerifyContext
  private writer = new ChunkWriter(CHUNK_BYTES)
  private records: number[] = []
  private readonly inflight: Array<{ records: number[], result: Promise<EnvelopeResult> }> = []
  /** Chunk buffers the workers handed back. */
  private readonly spare: ArrayBuffer[] = []

  private readonly validPeers = new Map<string, boolean>()

  constructor (ctx: VerifyContext) {
    this.ctx = ctx
  }

  /** isPeerId, once per peer. */
  validPeer (peerId: string): boolean {
    let ok = this.validPeers.get(peerId)
    if (ok === undefined) this.validPeers.set(peerId, ok = isPeerId(peerId))
    return ok
  }

  async add (record: number, kind: number, payloadCode: number, signer: number, prefix: string, envelope: Uint8Array): Promise<void> {
    const digest = this.ctx.table.digestBytes(record)
    if (!this.writer.add(kind, payloadCode, signer, digest, prefix, envelope)) {
      await this.flush()
      this.writer = new ChunkWriter(Math.max(CHUNK_BYTES, itemSize(prefix, envelope)), this.spare.pop())
      this.writer.add(kind, payloadCode, signer, digest, prefix, envelope)
    }
    this.records.push(record)
  }

  async flush (): Promise<void> {
    if (this.writer.count > 0) {
      this.inflight.push({ records: this.records, result: this.ctx.pool.checkEnvelopes(this.writer.finish(), this.writer.count) })
      this.writer = new ChunkWriter(CHUNK_BYTES, this.spare.pop())
      this.records = []
    }
    while (this.inflight.length >= 2 * this.ctx.pool.size) await this.settleOne()
  }

  async drain (): Promise<void> {
    await this.flush()
    while (this.inflight.length > 0) await this.settleOne()
  }

  private async settleOne (): Promise<void> {
    const { records, result: pending } = this.inflight.shift() as { records: number[], result: Promise<EnvelopeResult> }
    const result = await pending
    const { table, failures, counts } = this.ctx
    const status = new Uint8Array(result.status)
    const problems = new Map(result.problems)
    const shas = new Uint8Array(result.shas)
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
    this.spare.push(result.buffer)
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

/** Every index record with its envelope (if stored), then every receipt. */
export async function storePass (ctx: VerifyContext): Promise<void> {
  const out = new Dispatcher(ctx)
  const metas = new Cursor<MessageMeta>(ctx.store.msg)
  const envs = new Cursor<Uint8Array>(ctx.store.env)
  try {
    let m = await metas.next()
    let e = await envs.next()
    while (m !== undefined || e !== undefined) {
      if (e === undefined || (m !== undefined && m[0] < e[0])) {
        await message(ctx, out, m as [string, MessageMeta])
        m = await metas.next()
      } else if (m === undefined || e[0] < m[0]) {
        ctx.failures.add('message', `envelope ${e[0]}`, 'is stored without an index record')
        if (DIGEST.test(e[0])) ctx.table.storeFlags[ctx.table.recordHex(e[0], 0)] |= HAS_ENVELOPE
        e = await envs.next()
      } else {
        await message(ctx, out, m, e[1])
        m = await metas.next()
        e = await envs.next()
      }
    }
  } finally {
    await Promise.all([metas.close(), envs.close()])
  }
  for await (const batch of batches<Uint8Array>(ctx.store.rcpt)) {
    for (const [key, value] of batch) await receipt(ctx, out, key, value)
  }
  await out.drain()
}

/** One index record (and its envelope): into the record table, the envelope to the workers. */
async function message (ctx: VerifyContext, out: Dispatcher, [digest, meta]: [string, MessageMeta], envelope?: Uint8Array): Promise<void> {
  const { table, failures, pool } = ctx
  if (!DIGEST.test(digest)) {
    failures.add('message', `index record ${digest}`, 'is not keyed by a digest')
    if (envelope !== undefined) failures.add('message', `envelope ${digest}`, 'is stored without an index record')
    return
  }
  const r = table.recordHex(digest, 0)
  ctx.counts.metas++
  table.storeFlags[r] |= HAS_META | (meta.direction === 'out' ? META_OUT : 0) | (meta.purgedAt != null ? META_PURGED : 0)
  table.metaPeer[r] = typeof meta.from === 'string' ? pool.peer(meta.from) : -1
  const payloadType = meta.payloadType ?? PAYLOAD_TYPES.message
  const fields = indexFieldsText(meta)
  sha256Into(payloadType + '\n' + fields, table.metaTuple, r * 16, 16)
  if (meta.digest !== digest) failures.add('message', `message ${digest}`, `its index record names digest ${String(meta.digest)}`)
  if (meta.direction !== 'in' && meta.direction !== 'out') {
    failures.add('message', `message ${digest}`, `its index record has direction ${String(meta.direction)}`)
  }
  if (meta.direction === 'out' && !ctx.nodeKeys.includes(meta.from)) {
    failures.add('message', `message ${digest}`, `stored as sent by this node, but from ${String(meta.from)}`)
  }
  if (envelope === undefined) return
  table.storeFlags[r] |= HAS_ENVELOPE
  ctx.counts.envelopes++
  if (typeof meta.from !== 'string' || !out.validPeer(meta.from)) {
    failures.add('message', `message ${digest}`, `its index record names a sender that is not a peer ID: ${String(meta.from)}`)
    return
  }
  const code = PAYLOAD_CODES.indexOf(payloadType)
  const prefix = code === 0 ? PAYLOAD_OPENING + fields : String(meta.id)
  await out.add(r, meta.direction === 'out' ? KIND_OUT : KIND_IN, code < 0 ? UNKNOWN_PAYLOAD : code, table.metaPeer[r], prefix, envelope)
}

/** One receipt, keyed digest!signer: into the record table, to the workers. */
async function receipt (ctx: VerifyContext, out: Dispatcher, key: string, value: Uint8Array): Promise<void> {
  const sep = key.indexOf('!')
  const hex = key.slice(0, sep)
  const by = key.slice(sep + 1)
  if (sep < 0 || !DIGEST.test(hex) || !out.validPeer(by)) {
    ctx.failures.add('receipt', `receipt ${key}`, 'is not keyed by digest!peer')
    return
  }
  const signer = ctx.pool.peer(by)
  const r = ctx.table.recordHex(hex, 1 + signer)
  ctx.table.storeFlags[r] |= HAS_RECEIPT
  ctx.counts.receipts++
  await out.add(r, KIND_RECEIPT, 0, signer, '', value)
}
