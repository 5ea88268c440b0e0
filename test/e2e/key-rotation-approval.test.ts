/**
 * `keys status` says when each peer approved this node's rotation: the approving peer (its
 * operator, B, or its auto-approval, C) sends a signed approval notice over the still-trusted
 * old identity just before it re-keys its record; the rotating node records it. `approved` was
 * always null before. Audit verify passes on all three nodes with the notices stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rm } from 'node:fs/promises'
import { TestNode, cli, tempDir, until } from '../helpers/node-process.ts'
import type { ApiClient } from '../../node/api/client.ts'

describe('rotation approval notices', () => {
  let root: string
  let a: TestNode, b: TestNode, c: TestNode
  let ca: ApiClient

  beforeAll(async () => {
    root = await tempDir()
    ;[a, b, c] = await Promise.all(['a', 'b', 'c'].map(async name => await TestNode.create({ name, root })))
    await a.trust(b)
    await a.trust(c)
    await b.trust(a)
    await c.trust(a, ['--auto-approve-rotation', 'true'])
    await Promise.all([a.start(), b.start(), c.start()])
    ca = await a.client()
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it('records who approved and when: automatically (C) at once, by the operator (B) when it approves', async () => {
    const oldA = a.peerId
    const rotate = await cli(['keys', 'rotate', '--data-dir', a.dir, '--json'])
    expect(rotate.code, rotate.stderr).toBe(0)
    const approvedBy = async (peerId: string): Promise<string | null | undefined> => (await ca.keyStatus()).peers.find(p => p.peerId === peerId)?.approved

    await until(async () => await approvedBy(c.peerId) != null, 20_000, "C's approval seen by A")
    await until(async () => (await ca.keyStatus()).peers.find(p => p.peerId === b.peerId)?.answer === 'accepted', 20_000, 'B received the statement')
    // B received the statement but its operator has not approved: A must not say it did.
    expect(await approvedBy(b.peerId)).toBeNull()

    const before = Date.now()
    const approve = await cli(['keys', 'approve', oldA, '--data-dir', b.dir])
    expect(approve.code, approve.stderr).toBe(0)
    const at = await approvedBy(b.peerId)
    expect(at).toEqual(expect.any(String))
    expect(Date.parse(at as string)).toBeGreaterThanOrEqual(before - 5_000)
    expect(b.output).toContain('rotation approval notice delivered')

    await Promise.all([a.stop(), b.stop(), c.stop()])
    for (const node of [a, b, c]) {
      const verify = await cli(['audit', 'verify', '--data-dir', node.dir, '--json'])
      expect(verify.code, `${node.name}: ${verify.stdout}${verify.stderr}`).toBe(0)
    }
  }, 120_000)
})
