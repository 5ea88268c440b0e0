import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rm } from 'node:fs/promises'
import { TEST_AGREEMENT, TestNode, tempDir, until } from '../helpers/node-process.ts'

const pause = async (ms: number): Promise<void> => {
  await new Promise(resolve => setTimeout(resolve, ms))
}

/**
 * Send from `node` until `stop()` is called or the API goes away; returns the ids the API
 * acknowledged (HTTP 200: durably queued).
 */
function flow (node: TestNode, to: string): { acknowledged: string[], stop: () => Promise<void> } {
  const acknowledged: string[] = []
  let running = true
  const workers = (async () => {
    const client = await node.client()
    let n = 0
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (running) {
        try {
          const res = await client.send({ to: [to], kind: 'report', tlp: 'GREEN', topic: 'shutdown-test', legalBasis: TEST_AGREEMENT, body: { n: n++ } })
          acknowledged.push(res.id)
        } catch {
          return // the node is going down: nothing more is acknowledged
        }
      }
    }))
  })()
  return {
    acknowledged,
    stop: async () => {
      running = false
      await workers
    }
  }
}

describe('graceful shutdown while messages flow', () => {
  let root: string
  let a: TestNode, b: TestNode

  beforeAll(async () => {
    root = await tempDir('liaison-op-shutdown-')
    ;[a, b] = await Promise.all(['sender', 'receiver'].map(async name => await TestNode.create({ name, root })))
    await a.trust(b)
    await b.trust(a)
    await Promise.all([a.start(), b.start()])
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it('exits 0 on SIGTERM (receiver, then sender) and delivers every acknowledged message exactly once after restart', async () => {
    const acknowledged: string[] = []

    // SIGTERM the receiver mid-stream; the sender keeps acknowledging into its outbox.
    const first = flow(a, b.peerId)
    await until(() => first.acknowledged.length >= 300, 60_000, '300 acknowledged sends')
    expect(await b.stop('SIGTERM')).toBe(0)
    await pause(200)
    await b.start()
    await until(() => first.acknowledged.length >= 600, 60_000, '600 acknowledged sends')

    // SIGTERM the sender while its API is busy acknowledging and its lanes are delivering.
    const sigterm = a.stop('SIGTERM')
    await first.stop()
    expect(await sigterm).toBe(0)
    acknowledged.push(...first.acknowledged)
    await a.start()

    const ca = await a.client()
    const cb = await b.client()
    await until(async () => (await ca.outbox()).every(r => r.status !== 'pending'), 120_000, 'the outbox to drain')
    const outbox = await ca.outbox()
    expect(outbox.filter(r => r.status !== 'delivered')).toEqual([])
    const inbox = (await cb.inbox()).map(m => m.id)
    expect(new Set(inbox).size).toBe(inbox.length)
    const received = new Set(inbox)
    expect(acknowledged.filter(id => !received.has(id))).toEqual([])
    expect(acknowledged.length).toBeGreaterThanOrEqual(600)
  })
})
