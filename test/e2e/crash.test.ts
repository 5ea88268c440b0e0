import { afterEach, describe, expect, it } from 'vitest'
import { rm } from 'node:fs/promises'
import { TEST_AGREEMENT, TestNode, tempDir, until } from '../helpers/node-process.ts'
import type { ApiClient } from '../../node/api/client.ts'

const ROUNDS = Number(process.env.LIAISON_CRASH_ROUNDS ?? 4)
const TOTAL = 2000

const pause = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
const randomBetween = (lo: number, hi: number): number => lo + Math.floor(Math.random() * (hi - lo))

async function enqueue (client: ApiClient, to: string, count: number): Promise<string[]> {
  const ids: string[] = []
  let next = 0
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < count) {
      next++
      const res = await client.send({ to: [to], kind: 'report', tlp: 'GREEN', topic: 'crash-test', legalBasis: TEST_AGREEMENT, body: { n: next } })
      ids.push(res.id)
    }
  }))
  return ids
}

async function checkDelivery (sender: TestNode, receiver: TestNode, acknowledged: string[]): Promise<void> {
  const cs = await sender.client()
  const cr = await receiver.client()
  await until(async () => (await cs.outbox()).every(r => r.status !== 'pending'), 120_000, 'outbox to drain')
  const outbox = await cs.outbox()
  const delivered = outbox.filter(r => r.status === 'delivered').map(r => r.messageId)
  expect(outbox.filter(r => r.status !== 'delivered')).toEqual([])
  const inbox = (await cr.inbox()).map(m => m.id)
  // Each message exactly once in the inbox…
  expect(new Set(inbox).size).toBe(inbox.length)
  // …every acknowledged message is there, and everything with an accepted receipt is there.
  const inboxSet = new Set(inbox)
  expect(acknowledged.filter(id => !inboxSet.has(id))).toEqual([])
  expect(delivered.filter(id => !inboxSet.has(id))).toEqual([])
  expect(inbox.length).toBe(acknowledged.length)
}

describe('crashes: kill -9 during a 2,000-message stream', () => {
  let root: string
  let nodes: TestNode[] = []

  afterEach(async () => {
    await Promise.all(nodes.map(async n => await n.stop()))
    nodes = []
    await rm(root, { recursive: true, force: true })
  })

  async function pair (): Promise<[TestNode, TestNode]> {
    root = await tempDir()
    const a = await TestNode.create({ name: 'sender', root })
    const b = await TestNode.create({ name: 'receiver', root })
    nodes = [a, b]
    await a.trust(b)
    await b.trust(a)
    await Promise.all([a.start(), b.start()])
    return [a, b]
  }

  it(`loses nothing acknowledged when the receiver is killed ${ROUNDS} times`, async () => {
    const [a, b] = await pair()
    const sending = enqueue(await a.client(), b.peerId, TOTAL)
    for (let round = 0; round < ROUNDS; round++) {
      await pause(randomBetween(100, 700))
      await b.crash()
      await pause(randomBetween(50, 300))
      await b.start()
    }
    const acknowledged = await sending
    await checkDelivery(a, b, acknowledged)
  })

  it(`loses nothing acknowledged when the sender is killed ${ROUNDS} times`, async () => {
    const [a, b] = await pair()
    const acknowledged: string[] = []
    const perRound = Math.ceil(TOTAL / ROUNDS)
    for (let round = 0; round < ROUNDS; round++) {
      acknowledged.push(...await enqueue(await a.client(), b.peerId, perRound))
      await pause(randomBetween(20, 300))
      await a.crash()
      await a.start()
    }
    await checkDelivery(a, b, acknowledged)
  })
})
