import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rm } from 'node:fs/promises'
import { TestNode, tempDir, until } from '../helpers/node-process.ts'
import type { LiaisonService, SendInput } from '../../node/service.ts'

const message = (to: string[], n: number): SendInput => ({
  to, kind: 'report', tlp: 'AMBER', topic: 'drug-trafficking', legalBasis: 'EU-2024-17', body: { n, text: `report ${n}` }
})

async function sendMany (client: LiaisonService, to: string[], count: number, concurrency = 32): Promise<string[]> {
  const ids: string[] = []
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const n = next++
      const res = await client.send(message(to, n))
      ids.push(res.id)
    }
  }))
  return ids
}

describe('two and three nodes over real TCP', () => {
  let root: string
  let a: TestNode, b: TestNode, c: TestNode

  beforeAll(async () => {
    root = await tempDir()
    ;[a, b, c] = await Promise.all(['a', 'b', 'c'].map(async name => await TestNode.create({ name, root })))
    await a.trust(b); await a.trust(c)
    await b.trust(a); await b.trust(c)
    await c.trust(a); await c.trust(b)
    await Promise.all([a.start(), b.start(), c.start()])
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it('exchanges 1,000 messages each way, each delivered exactly once with an accepted receipt', async () => {
    const ca = await a.client()
    const cb = await b.client()
    const [idsAB, idsBA] = await Promise.all([sendMany(ca, [b.peerId], 1000), sendMany(cb, [a.peerId], 1000)])
    await until(async () => (await ca.outbox()).filter(r => r.status === 'delivered' && r.recipient === b.peerId).length === 1000, 120_000, 'A→B delivered')
    await until(async () => (await cb.outbox()).filter(r => r.status === 'delivered' && r.recipient === a.peerId).length === 1000, 120_000, 'B→A delivered')
    const inboxB = (await cb.inbox()).filter(m => m.from === a.peerId)
    const inboxA = (await ca.inbox()).filter(m => m.from === b.peerId)
    expect(inboxB.map(m => m.id).sort()).toEqual([...idsAB].sort())
    expect(inboxA.map(m => m.id).sort()).toEqual([...idsBA].sort())
    // Each delivered message has B's signed receipt stored at A.
    const sample = await ca.message(idsAB[0])
    expect(sample.receipts.map(r => r.by)).toContain(b.peerId)
    expect(sample.deliveries?.[0].status).toBe('delivered')
  })

  it('delivers a message to two recipients to both, and only to them', async () => {
    const ca = await a.client()
    const res = await ca.send(message([b.peerId, c.peerId], 1), { wait: true, timeoutMs: 30_000 })
    expect(res.recipients.map(r => r.status)).toEqual(['delivered', 'delivered'])
    const cc = await c.client()
    const cb = await b.client()
    expect((await cc.inbox()).filter(m => m.id === res.id)).toHaveLength(1)
    expect((await cb.inbox()).filter(m => m.id === res.id)).toHaveLength(1)
    // A's own inbox never receives its sent message.
    expect((await ca.inbox()).filter(m => m.id === res.id)).toHaveLength(0)
  })

  it('keeps messages for an offline peer and delivers them when it returns', async () => {
    const ca = await a.client()
    await c.stop()
    const sent = await sendMany(ca, [c.peerId], 20, 4)
    await new Promise(resolve => setTimeout(resolve, 1000))
    expect((await ca.outbox()).filter(r => sent.includes(r.messageId)).every(r => r.status === 'pending')).toBe(true)
    await c.start()
    await until(async () => (await ca.outbox()).filter(r => sent.includes(r.messageId) && r.status === 'delivered').length === 20, 60_000, 'delivery after return')
    const cc = await c.client()
    expect((await cc.inbox()).filter(m => sent.includes(m.id))).toHaveLength(20)
  })

  it('send --wait reports the receipt and the CLI exits 0', async () => {
    const { cli } = await import('../helpers/node-process.ts')
    const res = await cli(['send', '--data-dir', a.dir, '--to', b.peerId, '--tlp', 'GREEN', '--topic', 'cybercrime', '--legal-basis', 'EU-2024-17', '--body', '-', '--wait'], { input: '{"x":1}' })
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    expect(res.stdout).toMatch(/delivered/)
  })
})
