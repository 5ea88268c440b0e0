import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { TEST_AGREEMENT, TestNode, cli, tempDir, until } from '../helpers/node-process.ts'
import type { ApiClient } from '../../node/api/client.ts'
import type { SendInput } from '../../node/service/liaison-service.ts'
import { decodeEnvelope, verifyEnvelope } from '../../protocol/envelope.ts'
import { verifyKeyFromPeerId } from '../../protocol/keys.ts'
import { openRevocation } from '../../protocol/revocation.ts'
import { parseKit } from '../../node/courier/kit.ts'
import { Store } from '../../node/store/index.ts'
import { enqueueOutbound } from '../../node/exchange/index.ts'

const msg = (to: string): SendInput => ({ to: [to], kind: 'report', tlp: 'GREEN', topic: 'fraud', legalBasis: TEST_AGREEMENT, body: { n: 1 } })

describe('key rotation', () => {
  let root: string
  let a: TestNode, b: TestNode, c: TestNode
  let cb: ApiClient, cc: ApiClient
  let oldA: string

  beforeAll(async () => {
    root = await tempDir()
    ;[a, b, c] = await Promise.all(['a', 'b', 'c'].map(async name => await TestNode.create({ name, root })))
    await a.trust(b)
    await a.trust(c)
    await b.trust(a)
    await c.trust(a, ['--auto-approve-rotation', 'true'])
    await Promise.all([a.start(), b.start(), c.start()])
    ;[cb, cc] = await Promise.all([b.client(), c.client()])
    oldA = a.peerId
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it('rotates: announced with both signatures, approved by the operator (B) or automatically (C), switched at restart', async () => {
    const ca = await a.client()
    const m1 = await ca.send(msg(b.peerId), { wait: true })
    expect(m1.recipients[0].status).toBe('delivered')

    const rotate = await cli(['keys', 'rotate', '--data-dir', a.dir, '--json'])
    expect(rotate.code).toBe(0)
    const own = JSON.parse(rotate.stdout)
    expect(own.oldPeerId).toBe(oldA)
    // The new key has its revocation certificate from the start (mode 0600), signed by itself.
    const certFile = join(a.dir, 'revocation', `${own.newPeerId}.revocation.json`)
    expect((await stat(certFile)).mode & 0o777).toBe(0o600)
    expect(openRevocation(await readFile(certFile)).revocation.peerId).toBe(own.newPeerId)

    // C applies it by itself; B waits for its operator.
    await until(async () => (await cc.peers()).some(p => p.peerId === own.newPeerId), 20_000, 'auto-approval at C')
    await until(async () => (await cb.keyStatus()).peerRotations.some(r => r.oldPeerId === oldA && r.status === 'pending'), 20_000, 'pending at B')
    expect((await cb.peers()).some(p => p.peerId === own.newPeerId)).toBe(false)
    const approve = await cli(['keys', 'approve', oldA, '--data-dir', b.dir])
    expect(approve.code).toBe(0)
    const record = await cb.peer(own.newPeerId)
    expect(record.keyHistory.map(k => k.peerId)).toEqual([oldA, own.newPeerId])
    expect(record.keyHistory[0].validUntil).toBeDefined()
    // The statement announced the new key's courier (its kit, 0600, beside the certificate);
    // B records it on the new key's entry, so `keys revoke` with the new kit reaches B.
    const kitFile = join(a.dir, 'revocation', `${own.newPeerId}.kit.json`)
    expect((await stat(kitFile)).mode & 0o777).toBe(0o600)
    const kit = parseKit(await readFile(kitFile, 'utf8'))
    expect(kit.peers.map(p => p.peerId)).toContain(b.peerId)
    expect(record.keyHistory[1].courier).toBe(kit.courier.peerId)
    await expect(cb.peer(oldA)).rejects.toMatchObject({ code: 'NOT_FOUND' })

    // Every peer answered: the next start switches to the new key.
    await until(async () => (await (await a.client()).keyStatus()).waiting.length === 0, 20_000, 'announcement answered')
    await a.stop()
    await a.start()
    const id = await cli(['id', '--data-dir', a.dir])
    expect(id.stdout.split('\n')[0]).toBe(own.newPeerId)
    a.peerId = own.newPeerId

    const m2 = await (await a.client()).send(msg(b.peerId), { wait: true })
    expect(m2.recipients[0].status).toBe('delivered')
    expect((await cb.message(m2.id)).meta.from).toBe(own.newPeerId)

    // The old message still verifies under the old key, which B keeps.
    const old = await cb.message(m1.id, { envelope: true })
    expect(verifyEnvelope(decodeEnvelope(Buffer.from(old.envelope!, 'base64')), verifyKeyFromPeerId(oldA))).toBe(true)
  })

  it("accepts the old key over the new key's connection within the grace window (exactly once), and refuses it after", async () => {
    // Replay the old envelope as if it were still queued, from the new identity's connection.
    const old = (await cb.inbox()).find(m => m.from === oldA)!
    const view = await cb.message(old.id, { envelope: true })
    const bytes = new Uint8Array(Buffer.from(view.envelope!, 'base64'))
    const requeue = async (): Promise<void> => {
      await a.stop()
      const store = await Store.open(join(a.dir, 'store'))
      await enqueueOutbound(store, { ...view.meta, direction: 'out', storedAt: Date.now() }, bytes, [b.peerId], Date.now())
      await store.close()
      await a.start()
    }
    const answer = async (): Promise<Record<string, unknown>> => {
      const ca = await a.client()
      await until(
        async () => (await ca.outbox()).some(r => r.digest === view.meta.digest && r.recipient === b.peerId && r.status !== 'pending'),
        20_000,
        'answer'
      )
      return (await ca.outbox()).find(r => r.digest === view.meta.digest && r.recipient === b.peerId)! as unknown as Record<string, unknown>
    }
    // Within the grace window: B answers with its original receipt; the message is not stored twice.
    await requeue()
    expect(await answer()).toMatchObject({ status: 'delivered' })
    expect((await cb.inbox()).filter(m => m.id === old.id)).toHaveLength(1)

    // Past it (B's policy: no grace): traffic signed by the old key is refused.
    await writeFile(join(b.dir, 'policy.json'), JSON.stringify({ rotationGraceMs: 0 }))
    expect((await cli(['policy', 'reload', '--data-dir', b.dir])).code).toBe(0)
    await requeue()
    expect(await answer()).toMatchObject({ status: 'rejected', reason: 'SIGNER_MISMATCH' })
  })

  it('a node with no peers rotates with its statement in its own audit log (audit verify passes)', async () => {
    const lone = await TestNode.create({ name: 'lone', root })
    const rotate = await cli(['keys', 'rotate', '--data-dir', lone.dir, '--json'])
    expect(rotate.code).toBe(0)
    const verify = await cli(['audit', 'verify', '--data-dir', lone.dir])
    expect(verify.code, verify.stdout + verify.stderr).toBe(0)
  })
})
