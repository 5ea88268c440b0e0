/**
 * A data directory full of realistic, correctly signed traffic — inbound messages with this
 * node's receipts, outbound messages with the recipients' receipts, a checkpoint — written
 * through the real Store and AuditLog (group commit, sealed leaves). For tests and for the
 * `audit verify` throughput benchmark; the node itself never calls it.
 *
 * @example
 * ```ts
 * const dir = await buildSyntheticDataDir({ dir: tmp, inbound: 10_000, outbound: 10_000 })
 * const report = await verifyDataDir(dir.dir)
 * ```
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { encodeEnvelope, envelopeDigest, signEnvelope } from '../../protocol/envelope.ts'
import { generateSigner } from '../../protocol/keys.ts'
import { encodeMessage } from '../../protocol/message.ts'
import { PAYLOAD_TYPES } from '../../protocol/types.ts'
import type { MessageV1, Signer } from '../../protocol/types.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import { dataDirPaths, initDataDir, loadIdentity } from '../config/data-dir.ts'
import { signReceipt } from '../exchange/index.ts'
import { metaOf, Store } from '../store/index.ts'
import { AuditLog } from './audit-log.ts'
import { auditEvents } from './events.ts'

export interface SyntheticInit {
  dir: string
  inbound: number
  outbound: number
  /** Distinct peers (default 3). */
  peers?: number
  /** Approximate body size in bytes (default 600). */
  bodyBytes?: number
  /** Share of messages that expire one millisecond after `now` (default 0). */
  expiring?: number
  /** Clock for `created` and the audit log (default Date.now). */
  now?: number
  /**
   * Compact the whole store before closing (default false). Written as fast as it is here,
   * LevelDB's background compaction falls far behind (level 1 at several times its 10 MB
   * target), and whoever opens the directory next — a report's or audit verify's private
   * snapshot — pays that debt on its own CPU: at 100,000 entries about 0.5 s of a report's
   * 1.2 s. A node writing at its real pace keeps up with it as it goes; a benchmark of the
   * reader settles the store first so it measures the reader, not the writer's leftover work.
   */
  settle?: boolean
}

export interface SyntheticDataDir {
  dir: string
  node: Signer
  peers: Signer[]
  inbound: string[]
  outbound: string[]
  /** Digests of the messages that expire at now + 1 ms. */
  expiring: string[]
}

export async function buildSyntheticDataDir (init: SyntheticInit): Promise<SyntheticDataDir> {
  await initDataDir(init.dir, { name: 'synthetic' })
  const { signer: node } = await loadIdentity(init.dir)
  const peers = Array.from({ length: init.peers ?? 3 }, () => generateSigner().signer)
  const now = init.now ?? Date.now()
  const store = await Store.open(dataDirPaths(init.dir).store)
  const audit = await AuditLog.open(store, { signer: node, now: () => now })
  const body = { text: 'x'.repeat(init.bodyBytes ?? 600) }
  const out: SyntheticDataDir = { dir: init.dir, node, peers, inbound: [], outbound: [], expiring: [] }
  const created = new Date(now).toISOString()
  const message = (from: Signer, to: string, n: number): { msg: MessageV1, bytes: Uint8Array, digest: string, expiring: boolean } => {
    const expiring = init.expiring != null && n % Math.round(1 / init.expiring) === 0
    const msg: MessageV1 = {
      v: 1,
      id: uuidV7(now, randomBytes(10)),
      kind: 'report',
      from: from.peerId,
      to: [to],
      created,
      expires: new Date(now + (expiring ? 1 : 30 * 86_400_000)).toISOString(),
      tlp: 'AMBER',
      handling: [],
      topic: 'synthetic',
      legalBasis: 'EU-2024-17',
      body: { n, ...body }
    }
    const env = signEnvelope(PAYLOAD_TYPES.message, encodeMessage(msg), from)
    return { msg, bytes: encodeEnvelope(env), digest: envelopeDigest(env), expiring }
  }
  const one = async (n: number, inbound: boolean): Promise<void> => {
    const peer = peers[n % peers.length]
    const { msg, bytes, digest, expiring } = inbound ? message(peer, node.peerId, n) : message(node, peer.peerId, n)
    const meta = metaOf(msg, digest, inbound ? 'in' : 'out', now)
    const by = inbound ? node : peer
    const receipt = signReceipt(by, { digest, messageId: msg.id, status: 'accepted' }, new Date(now))
    await store.commit([...store.messageOps(meta, bytes), store.receiptOp(digest, by.peerId, receipt)], [
      inbound ? auditEvents.messageReceived(meta, bytes) : auditEvents.messageSent(meta, bytes),
      auditEvents.receiptStored({ for: digest, by: by.peerId, receipt, sentAt: inbound ? null : Date.now() })
    ])
    ;(inbound ? out.inbound : out.outbound).push(digest)
    if (expiring) out.expiring.push(digest)
  }
  const total = init.inbound + init.outbound
  const concurrency = 64
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const n = next++
      await one(n, n < init.inbound)
    }
  }))
  await audit.stop()
  // `level` is classic-level under Node; its type is the browser-and-Node union, which lacks compactRange.
  if (init.settle === true) await (store.db as unknown as { compactRange: (start: string, end: string) => Promise<void> }).compactRange('\u0000', '\uffff')
  await store.close()
  return out
}
