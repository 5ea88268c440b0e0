/**
 * Issue 13 item 2: nothing queued across a key rotation is lost. A announces a rotation, B
 * receives and approves it (B now knows A only by its new key), B goes offline, A queues 200
 * messages signed by its old key, restarts (switching to the new key) and B comes back: every
 * one of the 200 is delivered exactly once — accepted under the old key within the rotation
 * grace window over the connection authenticated by the new key — and `audit verify` passes on
 * both nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rm } from 'node:fs/promises'
import { TEST_AGREEMENT, cli, createTrusting, startAll, tempDir, until, type TestNode } from '../helpers/node-process.ts'
import type { SendInput } from '../../node/service/liaison-service.ts'

const COUNT = 200
const msg = (to: string, n: number): SendInput => ({ to: [to], kind: 'report', tlp: 'GREEN', topic: 'fraud', legalBasis: TEST_AGREEMENT, body: { n } })

describe('a message queued across a key rotation', () => {
  let root: string
  let a: TestNode, b: TestNode

  beforeAll(async () => {
    root = await tempDir()
    ;[a, b] = await createTrusting(root, [{ name: 'a' }, { name: 'b' }])
    await startAll([a, b])
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it('is delivered exactly once, and audit verify passes on both nodes', async () => {
    const oldA = a.peerId
    const rotate = await cli(['keys', 'rotate', '--data-dir', a.dir, '--json'])
    expect(rotate.code, rotate.stderr).toBe(0)
    const newA = JSON.parse(rotate.stdout).newPeerId as string
    const ca = await a.client()
    const cb = await b.client()

    // keys status says what B did: received the statement (its receipt), not yet known to have approved.
    await until(async () => (await ca.keyStatus()).peers.some(p => p.peerId === b.peerId && p.received != null), 20_000, 'announcement received by B')
    expect((await ca.keyStatus()).peers.find(p => p.peerId === b.peerId)).toMatchObject({ announced: expect.any(String), answer: 'accepted', approved: null })
    await until(async () => (await cb.keyStatus()).peerRotations.some(r => r.oldPeerId === oldA && r.status === 'pending'), 20_000, 'pending at B')
    const approve = await cli(['keys', 'approve', oldA, '--data-dir', b.dir])
    expect(approve.code, approve.stderr).toBe(0)

    await b.stop()
    const ids: string[] = []
    for (let n = 0; n < COUNT; n++) ids.push((await ca.send(msg(b.peerId, n))).id)
    await a.stop()
    await a.start() // switches to the new key: every peer answered
    a.peerId = newA
    await b.start()

    const ca2 = await a.client()
    const wanted = new Set(ids)
    await until(async () => (await ca2.outbox()).filter(r => wanted.has(r.messageId) && r.status !== 'pending').length === COUNT, 90_000, 'all 200 answered')
    const outcomes = (await ca2.outbox()).filter(r => wanted.has(r.messageId))
    expect(outcomes.filter(r => r.status === 'delivered')).toHaveLength(COUNT)

    const inbox = (await (await b.client()).inbox({ limit: 10_000 })).filter(m => wanted.has(m.id))
    expect(inbox).toHaveLength(COUNT)
    expect(new Set(inbox.map(m => m.id)).size).toBe(COUNT)
    expect(inbox.every(m => m.from === oldA)).toBe(true)

    await Promise.all([a.stop(), b.stop()])
    for (const node of [a, b]) {
      const res = await cli(['audit', 'verify', '--data-dir', node.dir])
      expect(res.code, `${node.name}: ${res.stdout}${res.stderr}`).toBe(0)
    }
  })
})
