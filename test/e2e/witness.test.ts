import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { TEST_AGREEMENT, cli, tempDir, startTrustedPair, type TestNode } from '../helpers/node-process.ts'
import type { ApiClient } from '../../node/api/client.ts'
import { signerFromPkcs8Pem } from '../../protocol/keys.ts'
import { issueCheckpoint } from '../../node/audit/checkpoints.ts'
import { encodeFrame, FrameDecoder } from '../../protocol/frame.ts'
import { checkpointOrigin } from '../../protocol/checkpoint.ts'
import { verifyCosignature } from '../../protocol/cosignature.ts'
import { publicKeyFromPeerId } from '../../protocol/peer-id.ts'
import { WITNESS_PROTOCOL } from '../../node/witness/index.ts'
import { Store } from '../../node/store/index.ts'
import { leafHash, nodeHash } from '../../protocol/merkle.ts'
import { AuditLog } from '../../node/audit/index.ts'
import { hostWithKey, presentForgedCheckpoint } from '../helpers/forged-checkpoint.ts'

describe('witnessing: peers cosign checkpoints after checking consistency, and catch a forked log', () => {
  let root: string
  let a: TestNode, b: TestNode
  let ca: ApiClient, cb: ApiClient

  beforeAll(async () => {
    root = await tempDir()
    ;[a, b] = await startTrustedPair(root)
    ;[ca, cb] = await Promise.all([a.client(), b.client()])
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it("B cosigns A's checkpoints, checking a consistency proof from the one it saw before", async () => {
    await ca.send({ to: [b.peerId], kind: 'report', tlp: 'GREEN', topic: 'fraud', legalBasis: TEST_AGREEMENT, body: { n: 1 } }, { wait: true })
    expect(await ca.witness()).toEqual([{ peerId: b.peerId, status: 'cosigned' }])
    const first = (await cb.witnesses()).seen.find(s => s.peerId === a.peerId)!
    expect(first.size).toBeGreaterThan(0)
    // The log grows; the next checkpoint is cosigned only after a consistency proof.
    await ca.send({ to: [b.peerId], kind: 'report', tlp: 'GREEN', topic: 'fraud', legalBasis: TEST_AGREEMENT, body: { n: 2 } }, { wait: true })
    expect(await ca.witness()).toEqual([{ peerId: b.peerId, status: 'cosigned' }])
    const second = (await cb.witnesses()).seen.find(s => s.peerId === a.peerId)!
    expect(second.size).toBeGreaterThan(first.size)
    expect((await cb.witnesses()).alerts).toEqual([])
  })

  it('raises an alert when A presents a checkpoint of the same size with another root (a rewritten log)', async () => {
    const seen = (await cb.witnesses()).seen.find(s => s.peerId === a.peerId)!
    // Forge with A's own key what a rewritten log's checkpoint would look like.
    await a.stop()
    const { note: forged, answer } = await presentForgedCheckpoint(a.dir, b.address, seen.size)
    expect(answer).toEqual({ type: 'alert', reason: 'FORK' })
    const { alerts } = await cb.witnesses()
    expect(alerts).toHaveLength(1)
    expect(alerts[0]).toMatchObject({ peerId: a.peerId, reason: 'FORK', previous: seen.note, presented: forged })
    expect(b.output).toMatch(/WITNESS ALERT/)
    const shown = await cli(['audit', 'witnesses', '--data-dir', b.dir])
    expect(shown.code).toBe(1)
    expect(shown.stdout).toMatch(new RegExp(`ALERT FORK  ${a.peerId}`))
    const metrics = await fetch(`${b.runtime!.apiUrl}/metrics`, {
      headers: { authorization: `Bearer ${(await readFile(join(b.dir, 'api-token'), 'utf8')).trim()}` }
    })
    expect(await metrics.text()).toMatch(/liaison_witness_alerts_total\{peer="[^"]+",reason="FORK"\} 1/)
    await a.start()
  })

  it("stores witness cosignatures on A's checkpoint, verifiable with B's public key", async () => {
    const ca2 = await a.client()
    await ca2.send({ to: [b.peerId], kind: 'report', tlp: 'GREEN', topic: 'fraud', legalBasis: TEST_AGREEMENT, body: { n: 3 } }, { wait: true })
    // B holds a FORK alert for A, but judges each new checkpoint against the last one it cosigned.
    expect(await ca2.witness()).toEqual([{ peerId: b.peerId, status: 'cosigned' }])
    await a.stop()
    const store = await Store.open(join(a.dir, 'store'))
    try {
      const log = await AuditLog.open(store, { install: false })
      const note = log.latestCheckpoint()!.note
      const body = note.slice(0, note.indexOf('\n\n') + 1)
      const line = note.split('\n').find(l => l.startsWith(`\u2014 ${checkpointOrigin(b.peerId)} `))!
      expect(line).toBeDefined()
      expect(verifyCosignature(line, body, checkpointOrigin(b.peerId), publicKeyFromPeerId(b.peerId)).ok).toBe(true)
    } finally {
      await store.close()
    }
    // `audit verify --thorough` checks the witnesses' lines too, and finds B's good.
    const res = await cli(['audit', 'verify', '--data-dir', a.dir, '--thorough', '--json'])
    const report = JSON.parse(res.stdout) as { notes: string[], failures: Array<{ detail: string }> }
    expect(report.failures.filter(f => /witness/.test(f.detail))).toEqual([])
    expect(report.notes.join('\n')).toMatch(new RegExp(`witness cosignatures? verified .*${b.peerId}`))
    await a.start()
  })

  it("cosigns an earlier head of A's log once A proves it a prefix of the larger one B holds, and raises ROLLBACK when A cannot", async () => {
    // Batch receipts give B checkpoints signed after the one A picked to present, so an earlier
    // head can arrive after a larger one: not a rollback while A still proves the larger tree.
    const held = (await cb.witnesses()).seen.find(s => s.peerId === a.peerId)!
    const before = (await cb.witnesses()).alerts.length
    await a.stop()
    const pem = await readFile(join(a.dir, 'identity.key'), 'utf8')
    const signer = signerFromPkcs8Pem(pem)
    const store = await Store.open(join(a.dir, 'store'))
    let earlier: string, proof: Uint8Array[]
    const size = held.size - 2
    try {
      const log = await AuditLog.open(store, { install: false })
      const leaves: Uint8Array[] = []
      for (let i = 0; i < size; i++) leaves.push(leafHash((await log.entry(i))!))
      earlier = issueCheckpoint(signer, size, mth(leaves), Math.floor(Date.now() / 1000))
      proof = await log.consistencyProof(size, held.size)
    } finally {
      await store.close()
    }
    const host = await hostWithKey(pem)
    const present = async (answer: (ask: { from: number, to: number }) => Uint8Array[]): Promise<{ type: string, reason?: string, line?: string }> => {
      const stream = await host.dialProtocol(multiaddr(b.address), WITNESS_PROTOCOL)
      const say = (v: unknown): void => {
        stream.send(encodeFrame(new TextEncoder().encode(JSON.stringify(v))))
      }
      say({ type: 'checkpoint', note: earlier })
      const decoder = new FrameDecoder()
      for await (const chunk of stream) {
        for (const frame of decoder.push(chunk)) {
          const msg = JSON.parse(new TextDecoder().decode(frame)) as { type: string, from: number, to: number }
          if (msg.type !== 'prove') return msg
          expect(msg).toEqual({ type: 'prove', from: size, to: held.size })
          say({ type: 'proof', proof: answer(msg).map(p => Buffer.from(p).toString('base64')) })
        }
      }
      throw new Error('B closed the stream without an answer')
    }
    try {
      const good = await present(() => proof)
      expect(good.type).toBe('cosignature')
      expect((await cb.witnesses()).alerts).toHaveLength(before)
      expect((await cb.witnesses()).seen.find(s => s.peerId === a.peerId)!.size).toBe(held.size)
      const bad = await present(() => proof.map(p => p.map(x => x ^ 1)))
      expect(bad).toEqual({ type: 'alert', reason: 'ROLLBACK' })
      const { alerts } = await cb.witnesses()
      expect(alerts).toHaveLength(before + 1)
      expect(alerts.at(-1)).toMatchObject({ peerId: a.peerId, reason: 'ROLLBACK', detail: `size ${size} after ${held.size}`, presented: earlier })
    } finally {
      await host.stop()
      await a.start()
    }
  })
})

/** RFC 9162 §2.1.1's Merkle tree hash of leaf hashes (n ≥ 1). */
function mth (leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 1) return leaves[0]
  let k = 1
  while (k * 2 < leaves.length) k *= 2
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)))
}
