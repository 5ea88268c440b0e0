import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { TEST_AGREEMENT, TestNode, cli, tempDir, until } from '../helpers/node-process.ts'
import type { ApiClient } from '../../node/api/client.ts'
import type { SendInput } from '../../node/service/liaison-service.ts'
import { signerFromPkcs8Pem, verifyKeyFromPeerId } from '../../protocol/keys.ts'
import { decodeEnvelope, encodeEnvelope, signEnvelope, verifyEnvelope } from '../../protocol/envelope.ts'
import { envelopeDigest } from '../../protocol/digest.ts'
import { encodeForward, parseForward } from '../../protocol/forward.ts'
import { encodeReleaseGrant } from '../../protocol/release.ts'
import { parseMessage } from '../../protocol/message.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import { PAYLOAD_TYPES, type Signer } from '../../protocol/types.ts'
import { Store } from '../../node/store/index.ts'
import { enqueueOutbound } from '../../node/exchange/index.ts'

const base = (to: string, tlp: SendInput['tlp'], handling: string[] = []): SendInput => ({
  to: [to],
  kind: 'report',
  tlp,
  handling,
  topic: 'fraud',
  legalBasis: TEST_AGREEMENT,
  body: { case: 'K-17', tlp }
})

async function signerOf (node: TestNode): Promise<Signer> {
  return signerFromPkcs8Pem(await readFile(join(node.dir, 'identity.key'), 'utf8'))
}

describe('forwarding under originator control', () => {
  let root: string
  let a: TestNode, b: TestNode, c: TestNode
  let ca: ApiClient, cb: ApiClient, cc: ApiClient

  beforeAll(async () => {
    root = await tempDir()
    ;[a, b, c] = await Promise.all(['a', 'b', 'c'].map(async name => await TestNode.create({ name, root })))
    await a.trust(b, ['--max-tlp-out', 'RED'])
    await b.trust(a, ['--max-tlp-in', 'RED'])
    await b.trust(c, ['--max-tlp-out', 'RED'])
    await c.trust(b, ['--max-tlp-in', 'RED'])
    // C knows A (so it can verify A's signature) but never talks to it directly.
    await c.trust(a, ['--max-tlp-in', 'RED'])
    await Promise.all([a.start(), b.start(), c.start()])
    ;[ca, cb, cc] = await Promise.all([a.client(), b.client(), c.client()])
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  async function receivedAtB (input: SendInput): Promise<string> {
    const res = await ca.send(input, { wait: true })
    expect(res.recipients[0].status).toBe('delivered')
    return res.id
  }

  /** Put a hand-made forward into B's outbox (B stopped meanwhile) and return C's verdict. */
  async function craftedForward (originalId: string, grant?: Uint8Array): Promise<{ status: string, reason?: string }> {
    const view = await cb.message(originalId, { envelope: true })
    const original = Buffer.from(view.envelope!, 'base64')
    const signer = await signerOf(b)
    const now = Date.now()
    const fwd = {
      v: 1 as const,
      id: uuidV7(now, randomBytes(10)),
      from: b.peerId,
      to: [c.peerId],
      created: new Date(now).toISOString(),
      expires: new Date(now + 3600_000).toISOString(),
      legalBasis: TEST_AGREEMENT,
      original: new Uint8Array(original),
      ...(grant != null ? { grant } : {})
    }
    const env = signEnvelope(PAYLOAD_TYPES.forward, encodeForward(fwd), signer)
    const digest = envelopeDigest(env)
    await b.stop()
    const store = await Store.open(join(b.dir, 'store'))
    await enqueueOutbound(
      store,
      { ...view.meta, digest, id: fwd.id, payloadType: PAYLOAD_TYPES.forward, direction: 'out', from: b.peerId, to: [c.peerId], storedAt: now },
      encodeEnvelope(env),
      [c.peerId],
      now
    )
    await store.close()
    await b.start()
    cb = await b.client()
    let final: { status: string, reason?: string } = { status: 'pending' }
    await until(
      async () => {
        const d = (await cb.outbox()).find(r => r.digest === digest)
        if (d != null && d.status !== 'pending') final = d
        return final.status !== 'pending'
      },
      30_000,
      'crafted forward to be answered'
    )
    return final
  }

  it("forwards TLP:GREEN freely; C verifies both the originator's and the forwarder's signatures", async () => {
    const id = await receivedAtB(base(b.peerId, 'GREEN'))
    const fwd = await cb.forward(id, [c.peerId])
    expect(fwd.recipients[0].status).toBe('queued')
    await until(async () => (await cc.inbox()).some(m => m.id === fwd.id), 20_000, 'forward at C')
    const view = await cc.message(fwd.id, { envelope: true })
    expect(view.meta).toMatchObject({ from: b.peerId, original: { id, from: a.peerId }, tlp: 'GREEN' })
    const outer = decodeEnvelope(Buffer.from(view.envelope!, 'base64'))
    expect(verifyEnvelope(outer, verifyKeyFromPeerId(b.peerId))).toBe(true)
    const inner = decodeEnvelope(parseForward(outer.payload).original)
    expect(verifyEnvelope(inner, verifyKeyFromPeerId(a.peerId))).toBe(true)
    expect(parseMessage(inner.payload).id).toBe(id)
  })

  it("refuses to forward TLP:AMBER without a grant at B's CLI, and C rejects a hand-made one", async () => {
    const id = await receivedAtB(base(b.peerId, 'AMBER'))
    const res = await cli(['forward', id, '--to', c.peerId, '--data-dir', b.dir])
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('FORWARD_NOT_PERMITTED')
    expect(await craftedForward(id)).toMatchObject({ status: 'rejected', reason: 'FORWARD_NOT_PERMITTED' })
    // A "grant" signed by B itself is no grant.
    const now = Date.now()
    const meta = (await cb.message(id)).meta
    const fake = encodeEnvelope(signEnvelope(
      PAYLOAD_TYPES.releaseGrant,
      encodeReleaseGrant({
        v: 1,
        id: uuidV7(now, randomBytes(10)),
        requestId: uuidV7(now, randomBytes(10)),
        from: a.peerId,
        to: b.peerId,
        created: new Date(now).toISOString(),
        expires: new Date(now + 3600_000).toISOString(),
        messageDigest: meta.digest,
        messageId: id,
        forwarder: b.peerId,
        recipient: c.peerId,
        decision: 'granted'
      }),
      await signerOf(b)
    ))
    expect(await craftedForward(id, fake)).toMatchObject({ status: 'rejected', reason: 'FORWARD_NOT_PERMITTED' })
  })

  it('forwards TLP:AMBER after the originator grants release; C sees both signatures and the grant', async () => {
    const id = await receivedAtB(base(b.peerId, 'AMBER', ['no-judicial-use-without-consent']))
    const req = await cli(['release', 'request', id, '--to', c.peerId, '--reason', 'joint investigation K-17', '--data-dir', b.dir])
    expect(req.code).toBe(0)
    await until(async () => (await ca.releases()).some(r => r.messageId === id && r.status === 'pending'), 20_000, 'request at A')
    const pending = (await ca.releases()).find(r => r.messageId === id)!
    expect(pending).toMatchObject({ forwarder: b.peerId, recipient: c.peerId, reason: 'joint investigation K-17' })
    const grant = await cli(['release', 'grant', pending.requestId, '--valid', '2d', '--data-dir', a.dir])
    expect(grant.code).toBe(0)
    await until(async () => (await cb.releases()).some(r => r.messageId === id && r.status === 'granted'), 20_000, 'grant at B')
    // At B's CLI, waiting for C's receipt like `send --wait`.
    const res = await cli(['forward', id, '--to', c.peerId, '--wait', '--timeout', '30s', '--json', '--data-dir', b.dir])
    expect(res.code, res.stderr).toBe(0)
    const fwd = JSON.parse(res.stdout) as { id: string, recipients: unknown[] }
    expect(fwd.recipients).toEqual([{ peerId: c.peerId, status: 'delivered' }])
    await until(async () => (await cc.inbox()).some(m => m.id === fwd.id), 20_000, 'granted forward at C')
    const view = await cc.message(fwd.id, { envelope: true })
    const payload = parseForward(decodeEnvelope(Buffer.from(view.envelope!, 'base64')).payload)
    expect(payload.grant).toBeDefined()
    expect(verifyEnvelope(decodeEnvelope(payload.grant!), verifyKeyFromPeerId(a.peerId))).toBe(true)
    // The grant names C only: forwarding the same message elsewhere still needs its own.
  })

  it('without --legal-basis a forward takes an agreement valid toward the new recipient, or says which to name', async () => {
    const id = await receivedAtB(base(b.peerId, 'GREEN'))
    const before = (await cb.peer(c.peerId)).agreements
    await cb.updatePeer(c.peerId, {
      agreements: [{ id: 'JIT-2026-4', validFrom: '2020-01-01T00:00:00.000Z', validUntil: '2099-12-31T23:59:59.999Z' }, {
        id: 'MLA-2026-9',
        validFrom: '2020-01-01T00:00:00.000Z',
        validUntil: '2099-12-31T23:59:59.999Z'
      }]
    })
    try {
      const ask = await cli(['forward', id, '--to', c.peerId, '--data-dir', b.dir])
      expect(ask.code).toBe(1)
      expect(ask.stderr).toMatch(/^error AGREEMENT_INVALID: .*not valid now with every new recipient.*--legal-basis.*JIT-2026-4, MLA-2026-9/)
      await cb.updatePeer(c.peerId, { agreements: [{ id: 'JIT-2026-4', validFrom: '2020-01-01T00:00:00.000Z', validUntil: '2099-12-31T23:59:59.999Z' }] })
      const taken = await cli(['forward', id, '--to', c.peerId, '--data-dir', b.dir])
      expect(taken.code, taken.stderr).toBe(0)
      expect(taken.stdout).toContain('legal basis JIT-2026-4')
    } finally {
      await cb.updatePeer(c.peerId, { agreements: before })
    }
  })

  it('denial is recorded and the forward stays refused', async () => {
    const id = await receivedAtB(base(b.peerId, 'AMBER'))
    await cb.requestRelease(id, c.peerId, 'please')
    await until(async () => (await ca.releases()).some(r => r.messageId === id), 20_000, 'request at A')
    const pending = (await ca.releases()).find(r => r.messageId === id)!
    await ca.answerRelease(pending.requestId, 'denied', { reason: 'ongoing operation' })
    await until(async () => (await cb.releases()).some(r => r.messageId === id && r.status === 'denied'), 20_000, 'denial at B')
    await expect(cb.forward(id, [c.peerId])).rejects.toMatchObject({ code: 'FORWARD_NOT_PERMITTED' })
  })

  it('never forwards TLP:RED, even with a real grant signed by the originator', async () => {
    const id = await receivedAtB(base(b.peerId, 'RED'))
    await expect(cb.forward(id, [c.peerId])).rejects.toMatchObject({ code: 'FORWARD_NOT_PERMITTED' })
    await expect(cb.requestRelease(id, c.peerId, 'x')).rejects.toMatchObject({ code: 'FORWARD_NOT_PERMITTED' })
    const now = Date.now()
    const meta = (await cb.message(id)).meta
    const realGrant = encodeEnvelope(signEnvelope(
      PAYLOAD_TYPES.releaseGrant,
      encodeReleaseGrant({
        v: 1,
        id: uuidV7(now, randomBytes(10)),
        requestId: uuidV7(now, randomBytes(10)),
        from: a.peerId,
        to: b.peerId,
        created: new Date(now).toISOString(),
        expires: new Date(now + 3600_000).toISOString(),
        messageDigest: meta.digest,
        messageId: id,
        forwarder: b.peerId,
        recipient: c.peerId,
        decision: 'granted'
      }),
      await signerOf(a)
    ))
    expect(await craftedForward(id, realGrant)).toMatchObject({ status: 'rejected', reason: 'FORWARD_NOT_PERMITTED' })
    expect((await cc.inbox()).some(m => m.original?.id === id)).toBe(false)
  })
})
