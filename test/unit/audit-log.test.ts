import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateSigner } from '../../protocol/keys.ts'
import { leafHash, verifyConsistency, verifyInclusion } from '../../protocol/merkle.ts'
import { MerkleAppender } from '../../protocol/merkle-tree.ts'
import { Store } from '../../node/store/index.ts'
import type { BatchTarget } from '../../node/store/index.ts'
import { AuditLog } from '../../node/audit/audit-log.ts'
import { auditEvents } from '../../node/audit/events.ts'
import { decodeEntry } from '../../node/audit/entry.ts'
import { openNodeCheckpoint } from '../../node/audit/checkpoints.ts'
import { pad } from '../../node/audit/audit-store.ts'
import type { Signer } from '../../protocol/types.ts'

const peer = generateSigner().signer
const D = (n: number): string => n.toString(16).padStart(64, '0')
const rejected = (n: number): ReturnType<typeof auditEvents.messageRejected> =>
  auditEvents.messageRejected({ from: peer.peerId, reason: 'BAD_SIGNATURE', digest: D(n) })

describe('AuditLog', () => {
  let dir: string
  let store: Store
  let node: Signer
  let clock: number

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'audit-log-'))
    store = await Store.open(join(dir, 'store'))
    node = generateSigner().signer
    clock = Date.parse('2026-03-01T00:00:00.000Z')
  })

  afterEach(async () => {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  async function entries (log: AuditLog): Promise<Uint8Array[]> {
    const out: Uint8Array[] = []
    for (let i = 0; i < log.size; i++) out.push(await log.entry(i) as Uint8Array)
    return out
  }

  it('installs itself as the store sequencer and appends one leaf per event, in commit order, in the same write', async () => {
    const log = await AuditLog.open(store, { signer: node, now: () => clock })
    expect(store.commits.sequencer).toBe(log)
    await Promise.all(Array.from({ length: 50 }, async (_, i) => {
      await store.commit([], [rejected(i)])
    }))
    await store.commit([{ type: 'put', sublevel: store.meta, key: 'x', value: 1 }], [rejected(50), rejected(51)])
    expect(log.size).toBe(52)
    const all = await entries(log)
    expect(all.map(e => (decodeEntry(e) as { digest: string }).digest)).toEqual(Array.from({ length: 52 }, (_, i) => D(i)))
    // The root is the RFC 9162 root of the entries, and every proof verifies.
    const reference = new MerkleAppender()
    for (const e of all) reference.append(leafHash(e))
    expect(log.root()).toEqual(reference.root())
    for (const i of [0, 1, 25, 51]) expect(verifyInclusion(i, 52, leafHash(all[i]), await log.inclusionProof(i), log.root())).toBe(true)
    expect(await store.meta.get('x')).toBe(1)
  })

  it('stamps entries with the seal time, never decreasing even if the clock goes back', async () => {
    const log = await AuditLog.open(store, { signer: node, now: () => clock })
    await store.commit([], [rejected(1)])
    clock -= 60_000
    await store.commit([], [rejected(2)])
    const [a, b] = (await entries(log)).map(e => decodeEntry(e).at)
    expect(a).toBe('2026-03-01T00:00:00.000Z')
    expect(b).toBe(a)
  })

  it('rolls its frontier back when the batch fails, so nothing is stored and the next leaf takes the same index', async () => {
    const log = await AuditLog.open(store, { signer: node, now: () => clock })
    await store.commit([], [rejected(1)])
    const root = log.root()
    const target = store.db as unknown as BatchTarget
    const original = target.batch.bind(target)
    target.batch = async () => {
      throw new Error('disk full')
    }
    await expect(store.commit([{ type: 'put', sublevel: store.meta, key: 'y', value: 1 }], [rejected(2)])).rejects.toThrow('disk full')
    target.batch = original
    expect(log.size).toBe(1)
    expect(log.root()).toEqual(root)
    expect(await store.meta.get('y')).toBeUndefined()
    await store.commit([], [rejected(3)])
    expect(log.size).toBe(2)
    expect((decodeEntry(await log.entry(1) as Uint8Array) as { digest: string }).digest).toBe(D(3))
  })

  it('fails a commit whose events are not audit events, writing nothing of it', async () => {
    const log = await AuditLog.open(store, { signer: node })
    await expect(store.commit([{ type: 'put', sublevel: store.meta, key: 'z', value: 1 }], [{ type: 'nope' }])).rejects.toThrow(TypeError)
    expect(await store.meta.get('z')).toBeUndefined()
    expect(log.size).toBe(0)
    await store.commit([], [rejected(1)])
    expect(log.size).toBe(1)
  })

  it('signs checkpoints with the node key and a time cosignature, never replacing one of the same size', async () => {
    const log = await AuditLog.open(store, { signer: node, now: () => clock })
    expect(await log.checkpoint()).toBeUndefined()
    await store.commit([], [rejected(1), rejected(2), rejected(3)])
    const first = await log.checkpoint()
    expect(first?.checkpoint.size).toBe(3)
    expect(first?.time).toBe(clock / 1000)
    expect(first?.note.split('\n')[0]).toBe(`liaison.local/${node.peerId}`)
    const opened = openNodeCheckpoint(first?.note as string, [node.peerId])
    expect(opened.checkpoint.root).toEqual(log.root())
    clock += 5000
    expect((await log.checkpoint())?.note).toBe(first?.note)
    await store.commit([], [rejected(4), rejected(5)])
    const second = await log.checkpoint()
    expect(second?.checkpoint.size).toBe(5)
    const proof = await log.consistencyProof(3, 5)
    expect(verifyConsistency(3, 5, proof, opened.checkpoint.root, second?.checkpoint.root as Uint8Array)).toBe(true)
    expect(() => openNodeCheckpoint(first?.note as string, [peer.peerId])).toThrow()
  })

  it('appends witness cosignature lines to a stored checkpoint without changing its signed body', async () => {
    const log = await AuditLog.open(store, { signer: node, now: () => clock })
    await store.commit([], [rejected(1)])
    const cp = await log.checkpoint()
    const line = `\u2014 witness.example/w1 ${Buffer.alloc(76, 7).toString('base64')}\n`
    const note = await log.addCosignatures(1, [line, line])
    expect(note).toBe((cp?.note as string) + line)
    expect(openNodeCheckpoint(note, [node.peerId]).otherSignatures).toBe(1)
  })

  it('reads its tree head back after a restart and keeps appending from there', async () => {
    const log = await AuditLog.open(store, { signer: node, now: () => clock })
    await store.commit([], Array.from({ length: 13 }, (_, i) => rejected(i)))
    await log.stop()
    const root = log.root()
    await store.close()
    store = await Store.open(join(dir, 'store'))
    const again = await AuditLog.open(store, { signer: node, now: () => clock })
    expect(again.size).toBe(13)
    expect(again.root()).toEqual(root)
    expect(again.latestCheckpoint()?.checkpoint.size).toBe(13)
    await store.commit([], [rejected(13)])
    const reference = new MerkleAppender()
    for (const e of await entries(again)) reference.append(leafHash(e))
    expect(again.root()).toEqual(reference.root())
    expect(again.nodeKeys()).toEqual([node.peerId])
  })

  it('records a new node key from the tree size at which it starts signing', async () => {
    await AuditLog.open(store, { signer: node })
    await store.commit([], [rejected(1), rejected(2)])
    const rotated = generateSigner().signer
    const log = await AuditLog.open(store, { signer: rotated })
    expect(log.nodeKeys()).toEqual([node.peerId, rotated.peerId])
    expect(await log.audit.nodeKeys()).toEqual([{ peerId: node.peerId, fromSize: 0 }, { peerId: rotated.peerId, fromSize: 2 }])
  })

  it('adopts messages and receipts stored before the log existed, one leaf each', async () => {
    const meta = {
      digest: D(9),
      id: '01a221a0-f770-7abc-9c9b-5cb5337b45bf',
      direction: 'in' as const,
      from: peer.peerId,
      to: [node.peerId],
      kind: 'report' as const,
      tlp: 'GREEN' as const,
      topic: 't',
      legalBasis: 'L',
      handling: [],
      created: '2026-01-01T00:00:00.000Z',
      expires: '2027-01-01T00:00:00.000Z',
      storedAt: 1
    }
    await store.commit(store.messageOps(meta, new TextEncoder().encode('{}')))
    const log = await AuditLog.open(store, { signer: node })
    expect(log.size).toBe(1)
    expect(decodeEntry(await log.entry(0) as Uint8Array)).toMatchObject({ type: 'message.received', digest: D(9) })
    expect(await log.audit.leavesOf(D(9))).toEqual([0])
    expect(await log.audit.exp.keys().all()).toEqual([`2027-01-01T00:00:00.000Z!${D(9)}`])
  })

  it('proves every leaf that names a digest against the latest checkpoint', async () => {
    const log = await AuditLog.open(store, { signer: node })
    await store.commit([], [rejected(1), rejected(2), rejected(1)])
    expect((await log.prove(D(1))).leaves.every(l => l.proof === null)).toBe(true)
    await log.checkpoint()
    const proof = await log.prove(D(1))
    expect(proof.leaves.map(l => l.index)).toEqual([0, 2])
    const root = Buffer.from(proof.checkpoint?.root as string, 'base64')
    for (const leaf of proof.leaves) {
      expect(verifyInclusion(leaf.index, 3, Buffer.from(leaf.leafHash, 'hex'), (leaf.proof as string[]).map(h => Buffer.from(h, 'hex')), root)).toBe(true)
      expect(leafHash(new TextEncoder().encode(leaf.entry))).toEqual(new Uint8Array(Buffer.from(leaf.leafHash, 'hex')))
    }
    expect(await log.audit.entry.get(pad(1))).toBeDefined()
  })

  it('signs a final checkpoint on stop', async () => {
    const log = await AuditLog.open(store, { signer: node, checkpointIntervalMs: 10 })
    log.start()
    await store.commit([], [rejected(1)])
    await log.stop()
    expect(log.latestCheckpoint()?.checkpoint.size).toBe(1)
  })
})
