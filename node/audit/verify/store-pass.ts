/**
 * The store pass: every message index record, envelope and receipt, read through the store's
 * own sublevels (node/store/store.ts) in key order and in large batches. `msg` and `env` are
 * both keyed by digest, so they are walked side by side and each envelope goes to the workers
 * with what its index record says (envelope-queue.ts); receipts follow. The verdicts and SHA-256
 * of the stored bytes come back into the record table; the comparison with the leaves happens in
 * judge.ts, once both sides are complete.
 *
 * @module
 */
import { isPeerId } from '../../../protocol/peer-id.ts'
import { PAYLOAD_TYPES } from '../../../protocol/types.ts'
import type { MessageMeta } from '../../store/index.ts'
import { batches, cursor } from './context.ts'
import type { VerifyContext } from './context.ts'
import { EnvelopeQueue } from './envelope-queue.ts'
import { PAYLOAD_OPENING, indexFieldsText } from './index-tuple.ts'
import { STORED, sha256Into } from './record-table.ts'

const DIGEST = /^[0-9a-f]{64}$/

/** Every index record with its envelope (if stored), then every receipt. */
export async function storePass (ctx: VerifyContext): Promise<void> {
  const { table, failures, counts } = ctx
  const validPeers = new Map<string, boolean>()
  const validPeer = (peerId: string): boolean => validPeers.get(peerId) ?? validPeers.set(peerId, isPeerId(peerId)).get(peerId) as boolean
  const progress = (): void => {
    ctx.progress('envelopes', counts.envelopesVerified + counts.receiptsVerified, Math.max(counts.envelopes + counts.receipts, counts.leaves))
  }
  let settled = 0
  const queue = new EnvelopeQueue(ctx.pool, (r, problem, sha256) => {
    table.storedSha.set(sha256, r * 32)
    const receipt = table.slotOf[r] !== 0
    if (problem === null) {
      table.storeFlags[r] |= STORED.checked
      if (receipt) counts.receiptsVerified++
      else counts.envelopesVerified++
    } else {
      failures.add(receipt ? 'receipt' : 'message', table.where(r), problem)
    }
    if (++settled % 256 === 0) progress()
  })

  /** One index record (and its envelope): into the record table, the envelope to the workers. */
  const message = async (digest: string, meta: MessageMeta, envelope?: Uint8Array): Promise<void> => {
    if (!DIGEST.test(digest)) {
      failures.add('message', `index record ${digest}`, 'is not keyed by a digest')
      if (envelope !== undefined) failures.add('message', `envelope ${digest}`, 'is stored without an index record')
      return
    }
    const r = table.recordHex(digest, 0)
    counts.metas++
    table.storeFlags[r] |= STORED.meta | (meta.direction === 'out' ? STORED.out : 0) | (meta.purgedAt != null ? STORED.purged : 0)
    table.metaPeer[r] = typeof meta.from === 'string' ? table.peer(meta.from) : -1
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
    table.storeFlags[r] |= STORED.envelope
    counts.envelopes++
    if (typeof meta.from !== 'string' || !validPeer(meta.from)) {
      failures.add('message', `message ${digest}`, `its index record names a sender that is not a peer ID: ${String(meta.from)}`)
      return
    }
    const expect = payloadType === PAYLOAD_TYPES.message ? PAYLOAD_OPENING + fields : String(meta.id)
    await queue.add(r, { receipt: false, signer: meta.from, payloadType, expect, digest: table.digestBytes(r), bytes: envelope })
  }

  // `msg` and `env` are both keyed by digest: walked side by side.
  const metas = cursor<MessageMeta>(ctx.store.msg)
  const envs = cursor<Uint8Array>(ctx.store.env)
  try {
    let m = await metas.next()
    let e = await envs.next()
    while (m !== undefined || e !== undefined) {
      if (e === undefined || (m !== undefined && m[0] < e[0])) {
        await message(...(m as [string, MessageMeta]))
        m = await metas.next()
      } else if (m === undefined || e[0] < m[0]) {
        failures.add('message', `envelope ${e[0]}`, 'is stored without an index record')
        if (DIGEST.test(e[0])) table.storeFlags[table.recordHex(e[0], 0)] |= STORED.envelope
        e = await envs.next()
      } else {
        await message(m[0], m[1], e[1])
        m = await metas.next()
        e = await envs.next()
      }
    }
  } finally {
    await Promise.all([metas.close(), envs.close()])
  }
  // Receipts, keyed digest!signer.
  for await (const batch of batches<Uint8Array>(ctx.store.rcpt)) {
    for (const [key, value] of batch) {
      const sep = key.indexOf('!')
      const hex = key.slice(0, sep)
      const by = key.slice(sep + 1)
      if (sep < 0 || !DIGEST.test(hex) || !validPeer(by)) {
        failures.add('receipt', `receipt ${key}`, 'is not keyed by digest!peer')
        continue
      }
      const r = table.recordHex(hex, 1 + table.peer(by))
      table.storeFlags[r] |= STORED.receipt
      counts.receipts++
      await queue.add(r, { receipt: true, signer: by, payloadType: '', expect: '', digest: table.digestBytes(r), bytes: value })
    }
  }
  await queue.drain()
  progress()
}
