/**
 * The third-party rule per handling code (PROTOCOL.md §10.1), through real nodes A → B → C:
 * each code on the send path (A signs it), the receive path (B stores and shows it) and the
 * forward path (B refuses to sign a forward the code forbids, C rejects a hand-made one, a
 * grant lifts it, a use restriction travels to C unchanged), and a forward to D, who does not
 * know the originator, rejected with UNKNOWN_ORIGINATOR naming the originator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { TEST_AGREEMENT, TestNode, cli, tempDir, until } from '../helpers/node-process.ts'
import type { ApiClient } from '../../node/api/client.ts'
import type { SendInput } from '../../node/service/liaison-service.ts'
import { signerFromPkcs8Pem } from '../../protocol/keys.ts'
import { encodeEnvelope, signEnvelope } from '../../protocol/envelope.ts'
import { envelopeDigest } from '../../protocol/digest.ts'
import { encodeForward } from '../../protocol/forward.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import { PAYLOAD_TYPES } from '../../protocol/types.ts'
import { Store } from '../../node/store/index.ts'
import { enqueueOutbound } from '../../node/exchange/index.ts'

/** Codes that restrict dissemination (a forward needs A's grant) and codes that restrict use. */
const RESTRICTING = ['no-onward-without-consent', 'originator-only', 'x-eu-restricted']
const USE_ONLY = ['no-judicial-use-without-consent', 'no-operational-use-without-consent']

const green = (to: string, handling: string[]): SendInput => ({
  to: [to],
  kind: 'report',
  tlp: 'GREEN',
  handling,
  topic: 'fraud',
  legalBasis: TEST_AGREEMENT,
  body: { case: 'K-17', handling }
})

describe('handling codes on send, receive and forward (A → B → C)', () => {
  let root: string
  let a: TestNode, b: TestNode, c: TestNode, d: TestNode
  let ca: ApiClient, cb: ApiClient, cc: ApiClient
  /** Message id at B per handling code, sent by A. */
  const received = new Map<string, string>()

  beforeAll(async () => {
    root = await tempDir()
    ;[a, b, c, d] = await Promise.all(['a', 'b', 'c', 'd'].map(async name => await TestNode.create({ name, root })))
    await a.trust(b)
    await b.trust(a)
    await b.trust(c)
    await c.trust(b)
    await c.trust(a)
    // D knows B but not A.
    await b.trust(d)
    await d.trust(b)
    await Promise.all([a.start(), b.start(), c.start(), d.start()])
    ;[ca, cb, cc] = await Promise.all([a.client(), b.client(), c.client()])
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop(), d?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it('send and receive: every code is signed by A, accepted by B and stored and shown with the message', async () => {
    for (const code of [...RESTRICTING, ...USE_ONLY]) {
      const res = await ca.send(green(b.peerId, [code]), { wait: true })
      expect(res.recipients[0].status, code).toBe('delivered')
      expect((await cb.message(res.id)).meta.handling, code).toEqual([code])
      received.set(code, res.id)
    }
    const inbox = await cli(['inbox', '--data-dir', b.dir, '--json'])
    for (const code of received.keys()) expect(inbox.stdout, code).toContain(code)
  })

  it('forward at B: a code that restricts dissemination stops a TLP:GREEN forward without a grant', async () => {
    for (const code of RESTRICTING) {
      await expect(cb.forward(received.get(code) as string, [c.peerId]), code).rejects.toMatchObject({ code: 'FORWARD_NOT_PERMITTED' })
      const res = await cli(['forward', received.get(code) as string, '--to', c.peerId, '--data-dir', b.dir])
      expect(res.code, code).toBe(1)
      expect(res.stderr).toContain(code)
    }
    expect((await cc.inbox()).filter(m => m.from === b.peerId)).toEqual([])
  })

  it("forward at B: a use restriction does not block the forward and reaches C unchanged in A's signed original", async () => {
    for (const code of USE_ONLY) {
      const fwd = await cb.forward(received.get(code) as string, [c.peerId])
      await until(async () => (await cc.inbox()).some(m => m.id === fwd.id), 20_000, `forward (${code}) at C`)
      expect((await cc.message(fwd.id)).meta, code).toMatchObject({ handling: [code], original: { from: a.peerId } })
    }
  })

  it('receive at C: a hand-made forward B signed without a grant is rejected for every restricting code', async () => {
    const signer = signerFromPkcs8Pem(await readFile(join(b.dir, 'identity.key'), 'utf8'))
    const views = await Promise.all(RESTRICTING.map(async code => await cb.message(received.get(code) as string, { envelope: true })))
    const now = Date.now()
    const crafted = views.map(view => {
      const fwd = {
        v: 1 as const,
        id: uuidV7(now, randomBytes(10)),
        from: b.peerId,
        to: [c.peerId],
        created: new Date(now).toISOString(),
        expires: new Date(now + 3600_000).toISOString(),
        legalBasis: TEST_AGREEMENT,
        original: new Uint8Array(Buffer.from(view.envelope as string, 'base64'))
      }
      const env = signEnvelope(PAYLOAD_TYPES.forward, encodeForward(fwd), signer)
      return { view, fwd, env, digest: envelopeDigest(env) }
    })
    await b.stop()
    const store = await Store.open(join(b.dir, 'store'))
    for (const x of crafted) {
      await enqueueOutbound(
        store,
        { ...x.view.meta, digest: x.digest, id: x.fwd.id, payloadType: PAYLOAD_TYPES.forward, direction: 'out', from: b.peerId, to: [c.peerId], storedAt: now },
        encodeEnvelope(x.env),
        [c.peerId],
        now
      )
    }
    await store.close()
    await b.start()
    cb = await b.client()
    await until(
      async () => {
        const out = await cb.outbox()
        return crafted.every(x => out.some(r => r.digest === x.digest && r.status !== 'pending'))
      },
      30_000,
      'crafted forwards answered'
    )
    const out = await cb.outbox()
    for (const [i, x] of crafted.entries()) {
      expect(out.find(r => r.digest === x.digest), RESTRICTING[i]).toMatchObject({ status: 'rejected', reason: 'FORWARD_NOT_PERMITTED' })
    }
  })

  it("forward with a grant: the originator's release lifts originator-only for that recipient", async () => {
    const id = received.get('originator-only') as string
    await cb.requestRelease(id, c.peerId, 'joint investigation K-17')
    await until(async () => (await ca.releases()).some(r => r.messageId === id && r.status === 'pending'), 20_000, 'request at A')
    const pending = (await ca.releases()).find(r => r.messageId === id)
    await ca.answerRelease(pending?.requestId as string, 'granted', { validMs: 86_400_000 })
    await until(async () => (await cb.releases()).some(r => r.messageId === id && r.status === 'granted'), 20_000, 'grant at B')
    const fwd = await cb.forward(id, [c.peerId])
    await until(async () => (await cc.inbox()).some(m => m.id === fwd.id), 20_000, 'granted forward at C')
    expect((await cc.message(fwd.id)).meta).toMatchObject({ handling: ['originator-only'], original: { id, from: a.peerId } })
  })

  it('a forward to a node that does not know the originator is rejected UNKNOWN_ORIGINATOR, naming the originator', async () => {
    const res = await ca.send(green(b.peerId, []), { wait: true })
    const fwd = await cb.forward(res.id, [d.peerId])
    let final: { status: string, reason?: string } = { status: 'pending' }
    await until(
      async () => {
        const r = (await cb.outbox()).find(o => o.messageId === fwd.id)
        if (r != null && r.status !== 'pending') final = r
        return final.status !== 'pending'
      },
      30_000,
      'forward to D answered'
    )
    expect(final).toMatchObject({ status: 'rejected', reason: 'UNKNOWN_ORIGINATOR' })
    // D's log says which originator it lacks (the receipt carries the code).
    await until(() => d.output.split('\n').some(l => l.includes('UNKNOWN_ORIGINATOR') && l.includes(a.peerId)), 10_000, 'D to log the missing originator')
  })
})
