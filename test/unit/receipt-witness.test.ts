/**
 * Every sender is a witness (PROTOCOL.md §22.3): a batch receipt's consistency proof from the
 * checkpoint the sender held is checked (openBatchReceipt), and the witness records take the new
 * checkpoint — or, for a log that is not an extension of the one held (a fork, a rollback), raise
 * the same alert as the witness protocol, with both checkpoints as evidence. Real store, real
 * keys, an in-memory receiver log.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { Store } from '../../node/store/index.ts'
import { Witness } from '../../node/witness/index.ts'
import { issueCheckpoint } from '../../node/audit/checkpoints.ts'
import { openBatchReceipt, type HeldCheckpoint } from '../../node/exchange/index.ts'
import { encodeBatchReceipt } from '../../protocol/batch.ts'
import { MerkleAppender, consistencyProof, memoryNodeStore } from '../../protocol/merkle-tree.ts'
import { leafHash } from '../../protocol/merkle.ts'
import { multiProof } from '../../protocol/merkle-multiproof.ts'
import { generateSigner } from '../../protocol/keys.ts'

const dirs: string[] = []
afterEach(async () => {
  await Promise.all(
    dirs.splice(0).map(async d => {
      await rm(d, { recursive: true, force: true })
    })
  )
})

const receiver = generateSigner().signer
const digest = (n: number): string => n.toString(16).padStart(64, '0')
const entry = (n: number, salt = ''): string => JSON.stringify({ v: 1, type: 'message.received', at: '2026-01-02T03:04:05.678Z', digest: digest(n), salt })

/** A receiver log of `count` leaves; `salt` changes their bytes (another history). */
function logOf (count: number, salt = ''): { tree: MerkleAppender, nodes: ReturnType<typeof memoryNodeStore> } {
  const tree = new MerkleAppender()
  const nodes = memoryNodeStore()
  for (let i = 0; i < count; i++) nodes.put(tree.append(leafHash(new TextEncoder().encode(entry(i, salt)))).nodes)
  return { tree, nodes }
}

/** The receipt for the log's last leaf, proving consistency from `since`. */
async function receiptOf (log: ReturnType<typeof logOf>, since: number, salt = ''): Promise<Uint8Array> {
  const size = log.tree.size
  const leaf = size - 1
  const note = issueCheckpoint(receiver, size, log.tree.root(), 1_767_000_000)
  const consistency = since === 0 || since > size ? null : await consistencyProof(log.nodes, since, size)
  return encodeBatchReceipt({
    v: 2,
    checkpoint: note,
    results: [{ leaf, entry: entry(leaf, salt) }],
    proof: await multiProof(log.nodes, [leaf], size),
    consistency
  })
}

async function witnessOf (): Promise<{ witness: Witness, store: Store }> {
  const dir = await mkdtemp(join(tmpdir(), 'liaison-rw-'))
  dirs.push(dir)
  const store = await Store.open(join(dir, 'store'))
  const witness = new Witness({
    libp2p: {} as never,
    store,
    audit: {} as never,
    trust: {} as never,
    signer: generateSigner().signer,
    logger: pino({ level: 'silent' })
  }, { intervalMs: 0 })
  return { witness, store }
}

describe('checkpoints from batch receipts feed the witness records', () => {
  it('a receipt consistent with the held checkpoint is recorded as seen (via receipt); an older one changes nothing', async () => {
    const { witness, store } = await witnessOf()
    const w = witness.receiptWitness()
    const log = logOf(3)
    const first = openBatchReceipt(await receiptOf(log, 0), receiver.peerId, [digest(2)])
    expect(first.consistent).toBeUndefined()
    const seen = w.observe(receiver.peerId, first, undefined)
    await store.commit(seen.ops, seen.events)
    const held = await w.latest(receiver.peerId) as HeldCheckpoint
    expect(held.size).toBe(3)
    const grown = logOf(7)
    const second = openBatchReceipt(await receiptOf(grown, 3), receiver.peerId, [digest(6)], held)
    expect(second.consistent).toBe(true)
    const next = w.observe(receiver.peerId, second, held)
    expect(next.events).toEqual([])
    await store.commit(next.ops, next.events)
    expect((await w.latest(receiver.peerId))?.size).toBe(7)
    expect((await witness.records.listSeen())[0].via).toBe('receipt')
    expect(w.observe(receiver.peerId, first, await w.latest(receiver.peerId)).ops).toEqual([])
    await store.close()
  })

  it('a receipt from another history (fork) or a smaller log (rollback) raises an alert with both checkpoints', async () => {
    const { witness, store } = await witnessOf()
    const w = witness.receiptWitness()
    const log = logOf(5)
    const opened = openBatchReceipt(await receiptOf(log, 0), receiver.peerId, [digest(4)])
    await store.commit(w.observe(receiver.peerId, opened, undefined).ops)
    const held = await w.latest(receiver.peerId) as HeldCheckpoint
    const alerts: string[] = []
    witness.on('alert', (a) => {
      alerts.push(a.reason)
    })
    for (const [what, other] of [['fork', logOf(9, 'rewritten')], ['rollback', logOf(2, 'wiped')]] as const) {
      const salt = what === 'fork' ? 'rewritten' : 'wiped'
      const receipt = openBatchReceipt(await receiptOf(other, held.size, salt), receiver.peerId, [digest(other.tree.size - 1)], held)
      expect(receipt.consistent, what).toBe(false)
      const seen = w.observe(receiver.peerId, receipt, held)
      expect(seen.events, what).toHaveLength(1)
      await store.commit(seen.ops, seen.events)
      seen.after?.()
    }
    expect(alerts).toEqual(['FORK', 'ROLLBACK'])
    const recorded = await witness.records.listAlerts()
    expect(recorded.map(a => a.reason)).toEqual(['FORK', 'ROLLBACK'])
    expect(recorded[0].previous).toBe(held.note)
    await store.close()
  })
})
