/**
 * Forwarding inside a task force (issue 20, PROTOCOL.md §21.6) on real nodes: A, B and C form a
 * task force whose charter allows TLP:AMBER, D is a partner of each outside it. Between members
 * the task force is the community the originator shared with, so B passes A's AMBER message on
 * to C without A's release grant, and C's node admits it by the same rule; to D the usual
 * third-party rule applies, at B's node and at D's. The charter's default handling codes govern
 * too: once an amendment adds `no-onward-without-consent`, a message sent under it needs the
 * grant inside the task force as well. A plain AMBER message (no task force) needs it as always.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { TEST_AGREEMENT, startTrustingViaApi, tempDir, until, type TestNode } from '../helpers/node-process.ts'
import type { ApiClient } from '../../node/api/client.ts'
import type { SendInput } from '../../node/service/liaison-service.ts'
import type { TaskForceDetail, TaskForceSummary } from '../../node/taskforce/index.ts'
import { Store } from '../../node/store/index.ts'
import { enqueueOutbound } from '../../node/exchange/index.ts'
import { encodeEnvelope, signEnvelope } from '../../protocol/envelope.ts'
import { envelopeDigest } from '../../protocol/digest.ts'
import { encodeForward } from '../../protocol/forward.ts'
import { signerFromPkcs8Pem } from '../../protocol/keys.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import { PAYLOAD_TYPES } from '../../protocol/types.ts'

const DAY = 86_400_000

describe('forwarding inside a task force', () => {
  let root: string
  let a: TestNode, b: TestNode, c: TestNode, d: TestNode
  let ca: ApiClient, cb: ApiClient, cc: ApiClient, cd: ApiClient
  let id: string

  const tf = async (client: ApiClient): Promise<TaskForceDetail> => await client.call<TaskForceDetail>('GET', `/v1/taskforces/${id}`)
  const message = (fields: Partial<SendInput>): SendInput => ({
    to: [],
    kind: 'report',
    tlp: 'AMBER',
    topic: 'fraud',
    legalBasis: TEST_AGREEMENT,
    expires: new Date(Date.now() + 7 * DAY).toISOString(),
    body: { case: 'JIT-9' },
    ...fields
  })
  /** A sends `input`; returns its id once B and C hold it. */
  const sentToMembers = async (input: SendInput): Promise<string> => {
    const res = await ca.send(input, { wait: true, timeoutMs: 20_000 })
    expect(res.recipients.map(r => r.status)).toEqual(['delivered', 'delivered'])
    return res.id
  }
  /** Every member signs the version awaiting its signature; resolves once `version` is in effect on A, B and C. */
  const everyoneSigns = async (version: number): Promise<void> => {
    for (const client of [cb, cc]) {
      await until(
        async () => (await client.call<TaskForceSummary[]>('GET', '/v1/taskforces')).some(t => t.id === id && t.awaitingMySignature),
        20_000,
        `version ${version} awaiting a signature`
      )
      await client.call('POST', `/v1/taskforces/${id}/sign`, {})
    }
    for (const client of [ca, cb, cc]) {
      await until(
        async () => {
          const t = await tf(client)
          return t.state === 'in-effect' && t.version === version && t.versions.find(v => v.version === version)?.signers.length === 3
        },
        20_000,
        `version ${version} in effect everywhere`
      )
    }
  }

  beforeAll(async () => {
    root = await tempDir()
    const { nodes, clients } = await startTrustingViaApi(root, ['a', 'b', 'c', 'd'])
    ;[a, b, c, d] = nodes
    ;[ca, cb, cc, cd] = clients
    const proposed = await ca.call<TaskForceDetail>('POST', '/v1/taskforces', {
      name: 'JIT Danube',
      purpose: 'an investment fraud ring',
      legalBasis: TEST_AGREEMENT,
      members: [b.peerId, c.peerId],
      topics: ['fraud'],
      maxTlp: 'AMBER',
      handling: ['no-judicial-use-without-consent'],
      validUntil: new Date(Date.now() + DAY).toISOString(),
      quorum: 2
    })
    id = proposed.id
    await everyoneSigns(1)
  }, 180_000)

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop(), d?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it("passes A's AMBER message from B to C without a grant; C's node admits it", async () => {
    const original = await sentToMembers(message({ taskForce: id }))
    const fwd = await cb.forward(original, [c.peerId])
    expect(fwd.recipients).toMatchObject([{ peerId: c.peerId, status: 'queued' }])
    await until(async () => (await cc.inbox()).some(m => m.id === fwd.id), 20_000, 'the forward at C')
    expect((await cc.message(fwd.id)).meta).toMatchObject({ from: b.peerId, original: { id: original, from: a.peerId }, tlp: 'AMBER' })
  })

  it("keeps the usual rule outside the task force: B refuses D without a grant, and D's node rejects a hand-made forward", async () => {
    const original = await sentToMembers(message({ taskForce: id }))
    await expect(cb.forward(original, [d.peerId])).rejects.toMatchObject({ code: 'FORWARD_NOT_PERMITTED' })

    // B's node would not sign it, so B's key signs it by hand, queued while B is stopped.
    const view = await cb.message(original, { envelope: true })
    const signer = signerFromPkcs8Pem(await readFile(join(b.dir, 'identity.key'), 'utf8'))
    const now = Date.now()
    const forward = {
      v: 1 as const,
      id: uuidV7(now, randomBytes(10)),
      from: b.peerId,
      to: [d.peerId],
      created: new Date(now).toISOString(),
      expires: new Date(now + 3600_000).toISOString(),
      legalBasis: TEST_AGREEMENT,
      original: new Uint8Array(Buffer.from(view.envelope as string, 'base64'))
    }
    const env = signEnvelope(PAYLOAD_TYPES.forward, encodeForward(forward), signer)
    const digest = envelopeDigest(env)
    await b.stop()
    const store = await Store.open(join(b.dir, 'store'))
    const meta = {
      ...view.meta,
      digest,
      id: forward.id,
      payloadType: PAYLOAD_TYPES.forward,
      direction: 'out' as const,
      from: b.peerId,
      to: [d.peerId],
      storedAt: now
    }
    await enqueueOutbound(store, meta, encodeEnvelope(env), [d.peerId], now)
    await store.close()
    await b.start()
    cb = await b.client()
    await until(async () => (await cb.outbox()).some(r => r.digest === digest && r.status !== 'pending'), 30_000, "D's verdict")
    expect((await cb.outbox()).find(r => r.digest === digest)).toMatchObject({ status: 'rejected', reason: 'FORWARD_NOT_PERMITTED' })
    expect((await cd.inbox()).some(m => m.id === forward.id)).toBe(false)
  })

  it('needs the grant between members too once the charter makes no-onward-without-consent a default, and for a plain AMBER message', async () => {
    await ca.call('POST', `/v1/taskforces/${id}/amend`, { handling: ['no-judicial-use-without-consent', 'no-onward-without-consent'] })
    await everyoneSigns(2)
    const restricted = await sentToMembers(message({ taskForce: id }))
    expect((await cb.message(restricted)).meta.handling).toContain('no-onward-without-consent')
    await expect(cb.forward(restricted, [c.peerId])).rejects.toMatchObject({ code: 'FORWARD_NOT_PERMITTED' })
    const plain = await sentToMembers(message({ to: [b.peerId, c.peerId], handling: ['no-judicial-use-without-consent'] }))
    await expect(cb.forward(plain, [c.peerId])).rejects.toMatchObject({ code: 'FORWARD_NOT_PERMITTED' })
  })
})
