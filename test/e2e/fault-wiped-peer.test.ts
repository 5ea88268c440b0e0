import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPrivateKey } from 'node:crypto'
import { readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { TEST_AGREEMENT, tempDir, until, startTrustedPair, type TestNode } from '../helpers/node-process.ts'
import { HostileClient, Identity, MESSAGE_TYPE, batch, envelopeBytes, jsonBytes, messageFields, openReceipt } from '../helpers/hostile-client.ts'
import type { ApiClient } from '../../node/api/client.ts'

/** Files a wiped node keeps: its key and its operator's settings. Everything it remembered goes. */
const KEPT = new Set(['identity.key', 'config.json', 'api-token', 'policy.json'])

async function wipe (dir: string): Promise<void> {
  for (const name of await readdir(dir)) if (!KEPT.has(name)) await rm(join(dir, name), { recursive: true, force: true })
}

/** The wiped node's key, as a client that can say anything A could say, byte for byte. */
async function identityOf (dir: string): Promise<Identity> {
  const jwk = createPrivateKey(await readFile(join(dir, 'identity.key'), 'utf8')).export({ format: 'jwk' })
  return await Identity.create(new Uint8Array(Buffer.from(jwk.d as string, 'base64url')))
}

/*
 * What a peer restarting with a wiped data directory (same key) threatens: it has forgotten
 * which envelopes it sent and which receipts it holds, so it may send them again (a retry
 * queue rebuilt from a backup, an operator re-importing) or reuse a message id for new content.
 * The receiver must remember for both of them: the same bytes get the original receipt and
 * nothing new is stored; the same id with other bytes is REPLAY. And the wiped node's audit log
 * starts again from nothing, which its witnesses must notice (a shrunk log is ROLLBACK, a regrown one that does not extend the old head FORK).
 */
describe('fault: a peer restarts with a wiped data directory and the same key', () => {
  let root: string
  let a: TestNode, b: TestNode
  let cb: ApiClient
  let original: { id: string, envelope: Uint8Array, receipt: Uint8Array }

  beforeAll(async () => {
    root = await tempDir()
    ;[a, b] = await startTrustedPair(root)
    const ca = await a.client()
    cb = await b.client()
    const sent = await ca.send({ to: [b.peerId], kind: 'report', tlp: 'GREEN', topic: 'wipe', legalBasis: TEST_AGREEMENT, body: { n: 1 } }, {
      wait: true,
      timeoutMs: 20_000
    })
    expect(sent.recipients[0].status).toBe('delivered')
    expect(await ca.witness()).toEqual([{ peerId: b.peerId, status: 'cosigned' }])
    const view = await ca.message(sent.id, { envelope: true })
    const receipt = view.receipts.find(r => r.by === b.peerId)
    original = { id: sent.id, envelope: Buffer.from(view.envelope ?? '', 'base64'), receipt: Buffer.from(receipt?.envelope ?? '', 'base64') }
    expect(original.envelope.length).toBeGreaterThan(0)
    await a.stop()
    await wipe(a.dir)
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it('the very same envelope sent again gets its original leaf and entry (what the wiped node had kept as evidence) and is not stored as new', async () => {
    const wiped = await HostileClient.create(await identityOf(a.dir))
    expect(wiped.peerId).toBe(a.peerId)
    try {
      const s = await wiped.openStream(b.address)
      await s.write(batch(original.envelope))
      const bytes = await s.readFrame()
      const kept = JSON.parse(Buffer.from(original.receipt).toString('utf8')) as { leaf: number, entry: string }
      expect(openReceipt(bytes, b.peerId)).toMatchObject({ status: 'accepted', messageId: original.id, leaf: kept.leaf, entry: kept.entry })
    } finally {
      await wiped.stop()
    }
    expect((await cb.inbox()).filter(m => m.id === original.id)).toHaveLength(1)
  })

  it('a new envelope reusing the message id with other content is refused with REPLAY', async () => {
    const wiped = await HostileClient.create(await identityOf(a.dir))
    try {
      const payload = jsonBytes(messageFields(a.peerId, [b.peerId], { id: original.id, topic: 'wipe', body: { n: 1, changed: true } }))
      const s = await wiped.openStream(b.address)
      await s.write(batch(envelopeBytes(MESSAGE_TYPE, payload, [wiped.identity.signature(MESSAGE_TYPE, payload)])))
      expect(openReceipt(await s.readFrame(), b.peerId)).toMatchObject({ status: 'rejected', reason: 'REPLAY', messageId: original.id })
    } finally {
      await wiped.stop()
    }
    const inbox = (await cb.inbox()).filter(m => m.id === original.id)
    expect(inbox).toHaveLength(1)
    const stored = await cb.message(original.id, { envelope: true })
    expect(Buffer.from(stored.envelope ?? '', 'base64').equals(Buffer.from(original.envelope))).toBe(true)
  })

  it('the restarted node works again, and its witness raises an alert (ROLLBACK or FORK) for the log that started over', async () => {
    await a.trust(b)
    await a.start()
    const ca = await a.client()
    const res = await ca.send({ to: [b.peerId], kind: 'report', tlp: 'GREEN', topic: 'wipe', legalBasis: TEST_AGREEMENT, body: { n: 2 } }, {
      wait: true,
      timeoutMs: 20_000
    })
    expect(res.recipients[0].status).toBe('delivered')
    expect((await cb.inbox()).filter(m => m.from === a.peerId)).toHaveLength(2)
    const outcome = await ca.witness()
    expect(outcome.map(o => o.status)).not.toEqual(['cosigned'])
    await until(async () => (await cb.witnesses()).alerts.some(x => x.peerId === a.peerId), 10_000, 'witness alert')
    const alerts = (await cb.witnesses()).alerts.filter(x => x.peerId === a.peerId)
    // Smaller than the tree head B cosigned: ROLLBACK; as large or larger but not an extension
    // of it: FORK. Either way the witness will not vouch for the new log.
    expect(alerts.length).toBeGreaterThan(0)
    for (const alert of alerts) expect(['ROLLBACK', 'FORK']).toContain(alert.reason)
  })
})
