import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rm } from 'node:fs/promises'
import { readFileSync, writeFileSync } from 'node:fs'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { TestNode, tempDir, until } from '../helpers/node-process.ts'
import type { LiaisonService, SendInput } from '../../node/service/liaison-service.ts'

const message = (to: string[], n: number): SendInput => ({
  to,
  kind: 'report',
  tlp: 'AMBER',
  topic: 'drug-trafficking',
  legalBasis: 'EU-2024-17',
  body: { n, text: `report ${n}` }
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
    await a.trust(b)
    await a.trust(c)
    await b.trust(a)
    await b.trust(c)
    await c.trust(a)
    await c.trust(b)
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
    await until(
      async () => (await ca.outbox()).filter(r => sent.includes(r.messageId) && r.status === 'delivered').length === 20,
      60_000,
      'delivery after return'
    )
    const cc = await c.client()
    expect((await cc.inbox()).filter(m => sent.includes(m.id))).toHaveLength(20)
  })

  it('send --wait reports the receipt and the CLI exits 0', async () => {
    const { cli } = await import('../helpers/node-process.ts')
    const res = await cli([
      'send',
      '--data-dir',
      a.dir,
      '--to',
      b.peerId,
      '--tlp',
      'GREEN',
      '--topic',
      'cybercrime',
      '--legal-basis',
      'EU-2024-17',
      '--body',
      '-',
      '--wait'
    ], { input: '{"x":1}' })
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    expect(res.stdout).toMatch(/delivered/)
  })
})

describe('receipt evidence: checkable with OpenSSL and sha256sum by the recipe of PROTOCOL.md §22.5', () => {
  let root: string
  let a: TestNode, b: TestNode
  const protocolMd = readFileSync(new URL('../../PROTOCOL.md', import.meta.url), 'utf8')
  const recipe = /<!-- verify-receipt-evidence -->\n```sh\n([\s\S]*?)```/.exec(protocolMd)?.[1] ?? ''
  const runRecipe = async (cwd: string): Promise<{ code: number, stdout: string }> => {
    try {
      const { stdout } = await promisify(execFile)('bash', ['-e', '-o', 'pipefail', '-c', recipe], { cwd })
      return { code: 0, stdout }
    } catch (err) {
      const e = err as { code?: number, stdout?: string }
      return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '' }
    }
  }

  beforeAll(async () => {
    root = await tempDir()
    ;[a, b] = await Promise.all(['ea', 'eb'].map(async name => await TestNode.create({ name, root })))
    await a.trust(b)
    await b.trust(a)
    await Promise.all([a.start(), b.start()])
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it('liaison message evidence exports what the recipe verifies; one flipped byte of the entry, proof or signature fails it', async () => {
    expect(recipe).toContain('openssl pkeyutl -verify')
    const ca = await a.client()
    // A batch: several messages in flight together; the evidence of each stands alone.
    const sent = await sendMany(ca, [b.peerId], 40, 8)
    await until(async () => (await ca.outbox()).filter(r => sent.includes(r.messageId) && r.status === 'delivered').length === 40, 60_000, 'delivered')
    const { cli } = await import('../helpers/node-process.ts')
    const out = join(root, 'evidence')
    for (const id of [sent[0], sent[39]]) {
      const res = await cli(['message', 'evidence', id, '--data-dir', a.dir, '--out', join(out, id)])
      expect(res.stderr).toBe('')
      expect(res.code).toBe(0)
      const dir = join(out, id, b.peerId)
      const ok = await runRecipe(dir)
      expect(ok.stdout).toContain('Signature Verified Successfully')
      expect(ok.stdout).toContain('the entry is leaf')
      expect(ok.code).toBe(0)
      const entry = readFileSync(join(dir, 'entry.json'), 'utf8')
      expect(entry).toContain('"type":"message.received"')
      expect(entry).toContain(`"id":"${id}"`)
      for (const [file, at] of [['entry.json', 40], ['proof.txt', 3], ['checkpoint.sig', 10]] as const) {
        const original = readFileSync(join(dir, file))
        const flipped = Buffer.from(original)
        flipped[at] = file === 'proof.txt' ? (flipped[at] === 0x61 ? 0x62 : 0x61) : flipped[at] ^ 0x01
        writeFileSync(join(dir, file), flipped)
        expect((await runRecipe(dir)).code, file).not.toBe(0)
        writeFileSync(join(dir, file), original)
      }
    }
    // Every sender is a witness: A holds B's newest receipt checkpoint in its witness records.
    const seen = (await ca.witnesses()).seen.find(w => w.peerId === b.peerId)
    expect(seen?.via).toBe('receipt')
    expect(seen?.size).toBeGreaterThanOrEqual(40)
    // Unknown messages and bad arguments: stable codes.
    const none = await cli(['message', 'evidence', '019bc0fd-89c0-7c4d-9e21-5a7703b8e16f', '--data-dir', a.dir, '--out', out])
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/NOT_FOUND/)
    const noOut = await cli(['message', 'evidence', sent[0], '--data-dir', a.dir])
    expect(noOut.code).toBe(2)
    expect(noOut.stderr).toMatch(/BAD_ARGUMENT/)
  })
})
