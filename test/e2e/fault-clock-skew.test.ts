import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rm } from 'node:fs/promises'
import { TEST_AGREEMENT, TestNode, tempDir, until } from '../helpers/node-process.ts'
import { CLOCK_SHIFT_MODULE } from '../../scripts/soak/clock-shift.ts'
import type { NodeSpawnOptions } from '../../scripts/node-driver.ts'
import { DEFAULT_CLOCK_SKEW_MS } from '../../node/defaults.ts'
import type { SendInput } from '../../node/service/liaison-service.ts'

const message = (to: string, n: number): SendInput => ({
  to: [to],
  kind: 'report',
  tlp: 'GREEN',
  topic: 'skew',
  legalBasis: TEST_AGREEMENT,
  body: { n }
})
const shifted = (ms: number): NodeSpawnOptions => ({ execArgv: ['--import', CLOCK_SHIFT_MODULE], env: { LIAISON_CLOCK_SHIFT_MS: String(ms) } })

// Real processes, one of them on a wall clock shifted by a preload (scripts/soak/clock-shift.ts).
describe('fault: clock skew between nodes', () => {
  let root: string
  let fast: TestNode, slow: TestNode, honest: TestNode

  beforeAll(async () => {
    root = await tempDir()
    ;[fast, slow, honest] = await Promise.all(['fast', 'slow', 'honest'].map(async name => await TestNode.create({ name, root })))
    for (const [x, y] of [[fast, honest], [honest, fast], [slow, honest], [honest, slow]]) await x.trust(y)
    await Promise.all([
      fast.start([], undefined, shifted(DEFAULT_CLOCK_SKEW_MS + 5 * 60_000)),
      slow.start([], undefined, shifted(-(DEFAULT_CLOCK_SKEW_MS + 5 * 60_000))),
      honest.start()
    ])
  })

  afterAll(async () => {
    await Promise.all([fast?.stop(), slow?.stop(), honest?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it('rejects messages from a sender whose clock runs ahead beyond the window with CLOCK_SKEW, and stores none', async () => {
    const cf = await fast.client()
    const ch = await honest.client()
    const ids: string[] = []
    for (let n = 0; n < 5; n++) ids.push((await cf.send(message(honest.peerId, n))).id)
    await until(async () => (await cf.outbox()).filter(r => ids.includes(r.messageId) && r.status !== 'pending').length === ids.length, 30_000, 'verdicts')
    const records = (await cf.outbox()).filter(r => ids.includes(r.messageId))
    expect(records.map(r => [r.status, r.reason])).toEqual(ids.map(() => ['rejected', 'CLOCK_SKEW']))
    // Not a transient reason: the sender stops retrying instead of hammering the peer.
    expect((await ch.inbox()).filter(m => ids.includes(m.id))).toEqual([])
    const view = await cf.message(ids[0])
    const receipt = view.receipts.find(r => r.by === honest.peerId)
    expect(receipt).toBeDefined()
    // Exchange v2: the kept receipt is evidence from the batch receipt; its entry is the
    // receiver's message.rejected leaf with the reason.
    const evidence = JSON.parse(Buffer.from(receipt?.envelope ?? '', 'base64').toString('utf8')) as { status: string, reason: string, entry: string }
    expect(evidence).toMatchObject({ status: 'rejected', reason: 'CLOCK_SKEW' })
    expect(JSON.parse(evidence.entry)).toMatchObject({ type: 'message.rejected', reason: 'CLOCK_SKEW' })
  })

  it("accepts messages from a sender whose clock runs behind (created in the receiver's past, not yet expired)", async () => {
    const cs = await slow.client()
    const ch = await honest.client()
    const res = await cs.send(message(honest.peerId, 1), { wait: true, timeoutMs: 20_000 })
    expect(res.recipients.map(r => r.status)).toEqual(['delivered'])
    expect((await ch.inbox()).filter(m => m.id === res.id)).toHaveLength(1)
  })

  it('an honest sender talking to a node whose clock runs ahead gets its message accepted exactly once', async () => {
    const ch = await honest.client()
    const cf = await fast.client()
    const res = await ch.send(message(fast.peerId, 2), { wait: true, timeoutMs: 20_000 })
    expect(res.recipients.map(r => r.status)).toEqual(['delivered'])
    expect((await cf.inbox()).filter(m => m.id === res.id)).toHaveLength(1)
  })
})
