import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rm, writeFile, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { TEST_AGREEMENT, TestNode, cli, tempDir, until } from '../helpers/node-process.ts'
import type { SendInput } from '../../node/service/liaison-service.ts'
import type { ApiClient } from '../../node/api/client.ts'
import { decodeEnvelope, verifyEnvelope } from '../../protocol/envelope.ts'
import { verifyKeyFromPeerId } from '../../protocol/keys.ts'

const msg = (to: string, over: Partial<SendInput> = {}): SendInput => ({
  to: [to],
  kind: 'report',
  tlp: 'GREEN',
  topic: 'fraud',
  legalBasis: TEST_AGREEMENT,
  body: { x: 1 },
  ...over
})

describe('policy through real nodes', () => {
  let root: string
  let a: TestNode, b: TestNode, c: TestNode
  let ca: ApiClient, cb: ApiClient

  beforeAll(async () => {
    root = await tempDir()
    ;[a, b, c] = await Promise.all(['a', 'b', 'c'].map(async name => await TestNode.create({ name, root })))
    // A lets everything out to B up to RED; B accepts from A only up to AMBER, topics fraud and cyber.
    await a.trust(b, ['--max-tlp-out', 'RED', '--agreement', 'OLD-1:2019-01-01:2020-12-31', '--add-agreement', `${TEST_AGREEMENT}:2020-01-01:2099-12-31`])
    await b.trust(a, ['--max-tlp-in', 'AMBER', '--topics-in', 'fraud,cyber,handled', '--kinds', 'report,alert'])
    await a.trust(c)
    await c.trust(a)
    // B's node policy requires a handling code on topic "handled".
    await writeFile(join(b.dir, 'policy.json'), JSON.stringify({ requiredHandling: { handled: ['no-onward-without-consent'] } }))
    await Promise.all([a.start(), b.start(), c.start()])
    ca = await a.client()
    cb = await b.client()
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  async function sendExpect (to: string, over: Partial<SendInput>, expected: string): Promise<void> {
    const res = await ca.send(msg(to, over), { wait: true, timeoutMs: 20_000 })
    expect(res.recipients[0]).toMatchObject({ status: 'rejected', reason: expected })
  }

  it('refuses at send time, per recipient, before signing: nothing is queued for a refused recipient', async () => {
    const cases: Array<[Partial<SendInput>, string]> = [
      [{ legalBasis: 'NO-SUCH-AGREEMENT' }, 'AGREEMENT_INVALID'],
      [{ legalBasis: 'OLD-1' }, 'AGREEMENT_INVALID'],
      [{ tlp: 'RED', to: [c.peerId] }, 'TLP_NOT_PERMITTED']
    ]
    for (const [over, reason] of cases) {
      const input = msg(b.peerId, over)
      await expect(ca.send(input)).rejects.toMatchObject({ code: 'RECIPIENT_REFUSED', details: [expect.objectContaining({ reason })] })
    }
    // Mixed: C refuses TLP:RED, B takes it; only B is queued and named in `to`.
    const res = await ca.send(msg(b.peerId, { to: [b.peerId, c.peerId], tlp: 'AMBER' }))
    expect(res.recipients.find(r => r.peerId === c.peerId)).toMatchObject({ status: 'queued' })
    const red = await ca.send(msg(b.peerId, { to: [b.peerId, c.peerId], tlp: 'RED' }))
    expect(red.recipients.find(r => r.peerId === c.peerId)).toMatchObject({ status: 'refused', reason: 'TLP_NOT_PERMITTED' })
    const view = await ca.message(red.id)
    expect(view.meta.to).toEqual([b.peerId])
  })

  it('refuses outbound for each per-peer and node-policy reason', async () => {
    await ca.updatePeer(c.peerId, { topicsOut: ['cyber'], kinds: ['report'] })
    await writeFile(join(a.dir, 'policy.json'), JSON.stringify({ requiredHandling: { cyber: ['no-judicial-use-without-consent'] } }))
    await ca.reloadPolicy()
    const refused = async (over: Partial<SendInput>): Promise<string | undefined> => {
      try {
        await ca.send(msg(c.peerId, over))
        return undefined
      } catch (err) {
        return ((err as { details?: Array<{ reason: string }> }).details ?? [])[0]?.reason
      }
    }
    expect(await refused({ topic: 'fraud' })).toBe('TOPIC_NOT_PERMITTED')
    expect(await refused({ topic: 'cyber', kind: 'alert' })).toBe('KIND_NOT_PERMITTED')
    expect(await refused({ topic: 'cyber' })).toBe('HANDLING_REQUIRED')
    expect(await refused({ to: [b.peerId + 'x'] })).toBeDefined()
    const unknown = (await import('../../protocol/keys.ts')).generateSigner().signer.peerId
    expect(await refused({ to: [unknown] })).toBe('UNKNOWN_PEER')
    await ca.setPeerStatus(c.peerId, 'suspended')
    expect(await refused({ topic: 'cyber', handling: ['no-judicial-use-without-consent'] })).toBe('PEER_SUSPENDED')
    await ca.setPeerStatus(c.peerId, 'active')
    expect(await refused({ topic: 'cyber', handling: ['no-judicial-use-without-consent'] })).toBeUndefined()
    await ca.updatePeer(c.peerId, { topicsOut: ['*'], kinds: ['report', 'alert', 'rfi', 'response'] })
    await writeFile(join(a.dir, 'policy.json'), '{}')
    await ca.reloadPolicy()
  })

  it('rejects inbound with a signed receipt naming each policy reason', async () => {
    await sendExpect(b.peerId, { tlp: 'RED' }, 'TLP_NOT_PERMITTED')
    await sendExpect(b.peerId, { topic: 'terrorism' }, 'TOPIC_NOT_PERMITTED')
    await sendExpect(b.peerId, { kind: 'rfi' }, 'KIND_NOT_PERMITTED')
    await sendExpect(b.peerId, { topic: 'handled' }, 'HANDLING_REQUIRED')
    const ok = await ca.send(msg(b.peerId, { topic: 'handled', handling: ['no-onward-without-consent'] }), { wait: true })
    expect(ok.recipients[0].status).toBe('delivered')
    // B's agreement with A lapses: B refuses what A may still send.
    await cb.updatePeer(a.peerId, { agreements: [{ id: TEST_AGREEMENT, validFrom: '2020-01-01T00:00:00.000Z', validUntil: '2021-01-01T00:00:00.000Z' }] })
    await sendExpect(b.peerId, {}, 'AGREEMENT_INVALID')
    await cb.updatePeer(a.peerId, { agreements: [{ id: TEST_AGREEMENT, validFrom: '2020-01-01T00:00:00.000Z', validUntil: '2099-12-31T23:59:59.999Z' }] })
    // Nothing rejected was stored.
    expect((await cb.inbox()).every(m => m.tlp !== 'RED' && m.topic !== 'terrorism')).toBe(true)
  })

  it('explains a decision with `policy check` without sending anything', async () => {
    const res = await cli(['policy', 'check', '--data-dir', a.dir, '--to', c.peerId, '--tlp', 'RED', '--topic', 'fraud', '--legal-basis', TEST_AGREEMENT])
    expect(res.code).toBe(1)
    expect(res.stdout).toMatch(/FAIL\s+TLP within peer ceiling/)
    expect(res.stdout).toMatch(/decision: reject TLP_NOT_PERMITTED/)
    const ok = await cli([
      'policy',
      'check',
      '--data-dir',
      a.dir,
      '--to',
      c.peerId,
      '--tlp',
      'GREEN',
      '--topic',
      'fraud',
      '--legal-basis',
      TEST_AGREEMENT,
      '--json'
    ])
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.stdout).decision).toBe('accept')
  })

  it('reloads the node policy without a restart', async () => {
    await writeFile(join(a.dir, 'policy.json'), JSON.stringify({ maxTlpOut: 'GREEN' }))
    const reload = await cli(['policy', 'reload', '--data-dir', a.dir])
    expect(reload.code).toBe(0)
    await expect(ca.send(msg(b.peerId, { tlp: 'AMBER' }))).rejects.toMatchObject({
      code: 'RECIPIENT_REFUSED',
      details: [expect.objectContaining({ reason: 'TLP_NOT_PERMITTED' })]
    })
    await writeFile(join(a.dir, 'policy.json'), '{"maxTlpOut": "PURPLE"}')
    const bad = await cli(['policy', 'reload', '--data-dir', a.dir])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/CONFIG_INVALID.*maxTlpOut/s)
    // The previous policy stays in force.
    expect((await ca.policy()).maxTlpOut).toBe('GREEN')
    await writeFile(join(a.dir, 'policy.json'), '{}')
    await ca.reloadPolicy()
  })

  it('suspension drops the live connection within 1 s, keeps messages queued, and resume delivers them', async () => {
    await ca.send(msg(b.peerId), { wait: true })
    expect((await cb.health()).connected).toContain(a.peerId)
    const t0 = Date.now()
    // B suspends A: B closes the live connection at once and refuses new ones.
    await cb.setPeerStatus(a.peerId, 'suspended')
    await until(async () => !((await cb.health()).connected ?? []).includes(a.peerId), 1000, 'connection closed within 1 s')
    expect(Date.now() - t0).toBeLessThan(1000)
    await expect(ca.send(msg(b.peerId))).resolves.toBeTruthy()
    const queued = (await ca.outbox()).filter(r => r.recipient === b.peerId && r.status === 'pending')
    expect(queued.length).toBeGreaterThan(0)
    await new Promise(resolve => setTimeout(resolve, 700))
    expect((await ca.outbox()).filter(r => r.recipient === b.peerId && r.status === 'pending').length).toBe(queued.length)
    await cb.setPeerStatus(a.peerId, 'active')
    await until(
      async () => (await ca.outbox()).filter(r => r.recipient === b.peerId && r.status === 'pending').length === 0,
      20_000,
      'queued messages delivered after resume'
    )
  })

  it('revocation cancels queued messages, refuses new ones, and keeps old messages verifiable', async () => {
    const before = (await cb.inbox()).filter(m => m.from === a.peerId)
    expect(before.length).toBeGreaterThan(0)
    await cb.setPeerStatus(a.peerId, 'suspended')
    const queued = await ca.send(msg(b.peerId))
    const change = await ca.setPeerStatus(b.peerId, 'revoked')
    expect(change.cancelled.map(r => r.messageId)).toContain(queued.id)
    expect((await ca.message(queued.id)).deliveries?.[0]).toMatchObject({ status: 'cancelled', reason: 'PEER_REVOKED' })
    await expect(ca.send(msg(b.peerId))).rejects.toMatchObject({ code: 'RECIPIENT_REFUSED', details: [expect.objectContaining({ reason: 'PEER_REVOKED' })] })
    await expect(ca.setPeerStatus(b.peerId, 'active')).rejects.toMatchObject({ code: 'PEER_REVOKED' })
    // B revokes A: A's earlier messages still verify under A's key, which B keeps.
    await cb.setPeerStatus(a.peerId, 'revoked')
    const view = await cb.message(before[0].id, { envelope: true })
    const env = decodeEnvelope(Buffer.from(view.envelope!, 'base64'))
    expect(verifyEnvelope(env, verifyKeyFromPeerId(a.peerId))).toBe(true)
    expect((await cb.peer(a.peerId)).status).toBe('revoked')
  })

  it('introduces agencies with trust cards: self-signature checked, fingerprint shown', async () => {
    const out = join(root, 'c.card')
    const exp = await cli(['card', 'export', '--data-dir', c.dir, '--out', out])
    expect(exp.code).toBe(0)
    const fingerprint = /fingerprint (\S+)/.exec(exp.stdout)![1]
    expect(fingerprint).toMatch(/^([A-Z2-7]{4}-){5}[A-Z2-7]{4}$/)
    const add = await cli([
      'peers',
      'add',
      '--data-dir',
      b.dir,
      '--card',
      out,
      '--fingerprint',
      fingerprint,
      '--agreement',
      `${TEST_AGREEMENT}:2020-01-01:2099-12-31`,
      '--max-tlp-in',
      'GREEN'
    ])
    expect(add.code).toBe(0)
    expect(add.stdout).toContain(fingerprint)
    expect(await cb.peer(c.peerId)).toMatchObject({ name: 'c', maxTlpIn: 'GREEN', addresses: [c.address] })
    // A tampered card is refused.
    const card = JSON.parse(await readFile(out, 'utf8'))
    const payload = JSON.parse(Buffer.from(card.payload, 'base64').toString())
    payload.name = 'Mallory'
    card.payload = Buffer.from(JSON.stringify(payload)).toString('base64')
    await writeFile(out, JSON.stringify(card))
    const bad = await cli(['peers', 'add', '--data-dir', a.dir, '--card', out, '--no-fingerprint-check'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/BAD_SIGNATURE|PEER_EXISTS/)
  })
})
