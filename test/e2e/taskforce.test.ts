import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { TEST_AGREEMENT, cli, startTrustingViaApi, tempDir, until, type TestNode } from '../helpers/node-process.ts'
import { HostileClient, batch, envelopeBytes, openReceipt, trustPeer } from '../helpers/hostile-client.ts'
import { CLOCK_SHIFT_MODULE } from '../../scripts/soak/clock-shift.ts'
import type { ApiClient } from '../../node/api/client.ts'
import type { SendInput } from '../../node/service/liaison-service.ts'
import type { TaskForceDetail, TaskForceSummary } from '../../node/taskforce/index.ts'
import { Store, metaOf } from '../../node/store/index.ts'
import { AuditLog } from '../../node/audit/audit-log.ts'
import { enqueueOutbound } from '../../node/exchange/index.ts'
import { decodeEnvelope, encodeEnvelope, signEnvelope, verifyEnvelope } from '../../protocol/envelope.ts'
import { envelopeDigest } from '../../protocol/digest.ts'
import { signerFromPkcs8Pem, verifyKeyFromPeerId } from '../../protocol/keys.ts'
import { encodeMessage, parseMessage } from '../../protocol/message.ts'
import { encodeCharter, encodeNotice, signCharter, verifyHistory, type CharterV1 } from '../../protocol/taskforce/index.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import { PAYLOAD_TYPES, type MessageV1, type Signer } from '../../protocol/types.ts'
import { freshMessage } from '../helpers/messages.ts'

const DAY = 86_400_000

async function signerOf (node: TestNode): Promise<Signer> {
  return signerFromPkcs8Pem(await readFile(join(node.dir, 'identity.key'), 'utf8'))
}

// Four agencies on loopback, each trusting the others. A, B and C form a task force (quorum 2
// of 3); D is a partner of each but outside it.
describe('joint task forces', () => {
  let root: string
  let a: TestNode, b: TestNode, c: TestNode, d: TestNode
  let ca: ApiClient, cb: ApiClient, cc: ApiClient, cd: ApiClient
  let id: string
  let v1: string
  let earlier: string

  const tf = async (client: ApiClient): Promise<TaskForceDetail> => await client.call<TaskForceDetail>('GET', `/v1/taskforces/${id}`)
  const tfMessage = (fields: Partial<SendInput> = {}): SendInput => ({
    to: [],
    taskForce: id,
    kind: 'report',
    tlp: 'GREEN',
    topic: 'fraud',
    legalBasis: TEST_AGREEMENT,
    expires: new Date(Date.now() + 7 * DAY).toISOString(),
    body: { case: 'JIT-7' },
    ...fields
  })

  /** Stop `node`, queue hand-made envelopes signed with its key in its outbox, start it, and return each recipient's verdict. */
  async function crafted (node: TestNode, messages: MessageV1[]): Promise<Array<Array<[string, string, string | undefined]>>> {
    const signer = await signerOf(node)
    await node.stop()
    const store = await Store.open(join(node.dir, 'store'))
    // Logged like any write on a stopped node, so the audit log still verifies afterwards.
    const audit = await AuditLog.open(store, { signer, checkpointIntervalMs: 0 })
    const digests: string[] = []
    for (const m of messages) {
      const env = signEnvelope(PAYLOAD_TYPES.message, encodeMessage(m), signer)
      const digest = envelopeDigest(env)
      digests.push(digest)
      await enqueueOutbound(store, metaOf(m, digest, 'out', Date.now()), encodeEnvelope(env), m.to, Date.now())
    }
    await audit.stop()
    await store.close()
    await node.start()
    const client = await node.client()
    const done = async (): Promise<boolean> =>
      (await client.outbox()).filter(r => digests.includes(r.digest) && r.status !== 'pending').length === messages.reduce((n, m) => n + m.to.length, 0)
    await until(done, 30_000, 'verdicts on the crafted messages')
    const records = await client.outbox()
    return digests.map((dg, i) =>
      messages[i].to.map(to => {
        const r = records.find(x => x.digest === dg && x.recipient === to)
        return [to, r?.status ?? '', r?.reason]
      })
    )
  }

  beforeAll(async () => {
    root = await tempDir()
    // Every node trusts every other one, with the test agreement (through the API: no process per peer).
    const { nodes, clients } = await startTrustingViaApi(root, ['a', 'b', 'c', 'd'])
    ;[a, b, c, d] = nodes
    ;[ca, cb, cc, cd] = clients
  }, 180_000)

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop(), d?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it('takes effect on each member once the quorum and its own signature are on the charter; restarts in the middle of signing lose nothing', async () => {
    await c.stop()
    const out = await cli([
      'taskforce',
      'propose',
      '--data-dir',
      a.dir,
      '--json',
      '--name',
      'JIT Rhine',
      '--purpose',
      'a cross-border fraud ring',
      '--legal-basis',
      TEST_AGREEMENT,
      '--member',
      b.peerId,
      '--member',
      c.peerId,
      '--topic',
      'fraud',
      '--max-tlp',
      'GREEN',
      '--handling',
      'no-judicial-use-without-consent',
      '--until',
      '1d',
      '--quorum',
      '2'
    ])
    expect(out.code, out.stderr).toBe(0)
    const proposed = JSON.parse(out.stdout) as TaskForceDetail
    id = proposed.id
    v1 = proposed.versions[0].digest
    expect(proposed).toMatchObject({ state: 'awaiting-signatures', version: null, latest: 1, charter: { governance: { quorum: 2 } } })
    expect(proposed.charter.members.map(m => m.peerId)).toEqual([a.peerId, b.peerId, c.peerId])

    await until(
      async () => (await cb.call<TaskForceSummary[]>('GET', '/v1/taskforces')).some(t => t.id === id && t.awaitingMySignature),
      20_000,
      'the proposal at B'
    )
    const signed = await cli(['taskforce', 'sign', id, '--data-dir', b.dir])
    expect(signed.code, signed.stderr).toBe(0)
    expect((await tf(cb)).state).toBe('in-effect')
    await until(async () => (await tf(ca)).state === 'in-effect', 20_000, "B's signature at A")

    // A goes down before C has seen anything; C learns the charter from B's notice and signs
    // while A is down; A gets C's signature when it is back.
    await a.stop()
    await c.start()
    cc = await c.client()
    await until(
      async () => (await cc.call<TaskForceSummary[]>('GET', '/v1/taskforces')).some(t => t.id === id && t.awaitingMySignature),
      20_000,
      'the charter at C'
    )
    expect((await tf(cc)).state).toBe('awaiting-signatures')
    await cc.call('POST', `/v1/taskforces/${id}/sign`, {})
    expect((await tf(cc)).state).toBe('in-effect')
    await a.start()
    ca = await a.client()
    for (const client of [ca, cb]) await until(async () => (await tf(client)).versions[0].signers.length === 3, 20_000, "C's signature everywhere")
    for (const client of [ca, cb, cc]) expect(await tf(client)).toMatchObject({ state: 'in-effect', version: 1, digest: v1 })
    expect(await cd.call('GET', '/v1/taskforces')).toEqual([])
  })

  it('delivers a task force message to exactly its members, tied to the charter version', async () => {
    const res = await ca.send(tfMessage(), { wait: true, timeoutMs: 20_000 })
    expect(res.recipients.map(r => [r.peerId, r.status]).sort()).toEqual([[b.peerId, 'delivered'], [c.peerId, 'delivered']].sort())
    earlier = res.id
    for (const client of [cb, cc]) {
      const view = await client.message(res.id)
      expect(view.meta).toMatchObject({ taskForce: { id, charter: v1 }, handling: ['no-judicial-use-without-consent'] })
    }
    expect((await cd.inbox()).some(m => m.id === res.id)).toBe(false)
    const sent = await cli([
      'send',
      '--task-force',
      id,
      '--tlp',
      'GREEN',
      '--topic',
      'fraud',
      '--legal-basis',
      TEST_AGREEMENT,
      '--expires',
      '7d',
      '--data-dir',
      a.dir
    ])
    expect(sent.code, sent.stderr).toBe(0)
    expect(sent.stdout).toContain(`${b.peerId}  queued`)
    // A's own check refuses what the charter does not cover, before anything is signed.
    await expect(ca.send(tfMessage({ topic: 'drugs' }))).rejects.toMatchObject({ code: 'TASKFORCE_NOT_PERMITTED' })
    await expect(ca.send(tfMessage({ tlp: 'AMBER' }))).rejects.toMatchObject({ code: 'TASKFORCE_NOT_PERMITTED' })
    await expect(cd.send(tfMessage())).rejects.toMatchObject({ code: 'NOT_FOUND' })

    // A TAXII outbound collection that names the task force reaches the same members.
    const col = await ca.call<{ id: string }>('POST', '/v1/taxii/collections', {
      title: 'JIT Rhine',
      outbound: { to: [], taskForce: id, topic: 'fraud', tlp: 'GREEN', legalBasis: TEST_AGREEMENT, kind: 'report' }
    })
    const client = await ca.call<{ name: string, secret: string }>('POST', '/v1/taxii/clients', { name: 'misp', collections: { [col.id]: 'rw' } })
    const taxii = 'application/taxii+json;version=2.1'
    const indicator = {
      type: 'indicator',
      spec_version: '2.1',
      id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd77',
      created: '2026-01-15T09:30:00.000Z',
      modified: '2026-01-15T09:30:00.000Z',
      name: 'fraud site',
      indicator_types: ['malicious-activity'],
      pattern: "[domain-name:value = 'invest-now.example']",
      pattern_type: 'stix',
      valid_from: '2026-01-15T09:30:00Z'
    }
    const posted = await fetch(`${(a.runtime?.taxiiUrl as string).replace(/taxii2\/$/, 'api1/')}collections/${col.id}/objects/`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from(`${client.name}:${client.secret}`).toString('base64'), accept: taxii, 'content-type': taxii },
      body: JSON.stringify({ objects: [indicator] })
    })
    expect(posted.status).toBe(202)
    for (const member of [cb, cc]) {
      await until(
        async () => (await member.inbox()).some(m => m.taskForce?.id === id && m.topic === 'fraud' && m.id !== res.id),
        20_000,
        'the TAXII bundle at a member'
      )
    }
  })

  it("applies each member's own per-peer policy before the charter: a refusal there carries the policy code", async () => {
    // The charter allows GREEN; C's own ceiling for A is CLEAR. B receives, C refuses with its policy's code.
    const before = await cc.peer(a.peerId)
    await cc.updatePeer(a.peerId, { maxTlpIn: 'CLEAR' })
    try {
      const res = await ca.send(tfMessage(), { wait: true, timeoutMs: 20_000 })
      expect(res.recipients.map(r => [r.peerId, r.status, r.reason]).sort()).toEqual(
        [[b.peerId, 'delivered', undefined], [c.peerId, 'rejected', 'TLP_NOT_PERMITTED']].sort()
      )
      expect((await cc.inbox()).some(m => m.id === res.id)).toBe(false)
    } finally {
      await cc.updatePeer(a.peerId, { maxTlpIn: before.maxTlpIn })
    }
  })

  it("refuses at every member a message outside the charter's topic, TLP, handling or legal basis, or from outside the task force", async () => {
    const ref = { id, charter: v1 }
    const handling = ['no-judicial-use-without-consent']
    const members = [b.peerId, c.peerId]
    // B and C also hold a second agreement with A, valid for a message but not the charter's legal basis.
    const other = { id: 'JIT-2026-99', validFrom: '2020-01-01T00:00:00.000Z', validUntil: '2099-12-31T23:59:59.999Z' }
    for (const client of [cb, cc]) await client.updatePeer(a.peerId, { agreements: [...(await client.peer(a.peerId)).agreements, other] })
    const verdicts = await crafted(a, [
      freshMessage(a.peerId, members, { topic: 'drugs', taskForce: ref, handling, legalBasis: TEST_AGREEMENT }, 7 * DAY),
      freshMessage(a.peerId, members, { tlp: 'AMBER', taskForce: ref, handling, legalBasis: TEST_AGREEMENT }, 7 * DAY),
      freshMessage(a.peerId, members, { taskForce: ref, handling: [], legalBasis: TEST_AGREEMENT }, 7 * DAY),
      freshMessage(a.peerId, members, { taskForce: { id, charter: 'ab'.repeat(32) }, handling, legalBasis: TEST_AGREEMENT }, 7 * DAY),
      freshMessage(a.peerId, members, { taskForce: ref, handling, legalBasis: other.id }, 7 * DAY)
    ])
    for (const v of verdicts) expect(v).toEqual(members.map(m => [m, 'rejected', 'TASKFORCE_NOT_PERMITTED']))
    ca = await a.client()
    const outsider = await crafted(d, [freshMessage(d.peerId, members, { taskForce: ref, handling, legalBasis: TEST_AGREEMENT }, 7 * DAY)])
    expect(outsider[0]).toEqual(members.map(m => [m, 'rejected', 'TASKFORCE_NOT_PERMITTED']))
    cd = await d.client()
  })

  it(
    'an amendment takes effect with the quorum only; the removed member receives nothing after it and is refused; earlier messages stay ' +
      'verifiable',
    async () => {
      const amended = await ca.call<TaskForceDetail>('POST', `/v1/taskforces/${id}/amend`, { remove: [c.peerId] })
      const v2 = amended.versions.find(v => v.version === 2)
      expect(v2).toMatchObject({ status: 'pending', signers: [a.peerId] })
      expect(amended).toMatchObject({ state: 'in-effect', version: 1 })
      await until(async () => (await tf(cb)).awaitingMySignature, 20_000, 'the amendment at B')
      // One signature of two: version 1 still governs, C still receives.
      const before = await ca.send(tfMessage(), { wait: true, timeoutMs: 20_000 })
      expect(before.recipients.map(r => r.status)).toEqual(['delivered', 'delivered'])

      await cb.call('POST', `/v1/taskforces/${id}/sign`, {})
      expect(await tf(cb)).toMatchObject({ state: 'in-effect', version: 2 })
      await until(async () => (await tf(ca)).version === 2, 20_000, "B's signature at A")
      await until(async () => (await tf(cc)).state === 'removed', 20_000, 'the amendment at C')

      const after = await ca.send(tfMessage(), { wait: true, timeoutMs: 20_000 })
      expect(after.recipients.map(r => [r.peerId, r.status])).toEqual([[b.peerId, 'delivered']])
      expect((await cc.inbox()).some(m => m.id === after.id)).toBe(false)
      await expect(cc.send(tfMessage())).rejects.toMatchObject({ code: 'TASKFORCE_NOT_PERMITTED' })
      const removed = await crafted(c, [
        freshMessage(c.peerId, [a.peerId, b.peerId], {
          taskForce: { id, charter: v1 },
          handling: ['no-judicial-use-without-consent'],
          legalBasis: TEST_AGREEMENT
        }, 7 * DAY)
      ])
      expect(removed[0]).toEqual([[a.peerId, 'rejected', 'TASKFORCE_NOT_PERMITTED'], [b.peerId, 'rejected', 'TASKFORCE_NOT_PERMITTED']])
      cc = await c.client()

      // The message C got under version 1 is still signed by A and names version 1, whose
      // signatures an auditor checks from the exported history alone.
      const view = await cc.message(earlier, { envelope: true })
      const env = decodeEnvelope(Buffer.from(view.envelope as string, 'base64'))
      expect(verifyEnvelope(env, verifyKeyFromPeerId(a.peerId))).toBe(true)
      expect(parseMessage(env.payload).taskForce).toEqual({ id, charter: v1 })
      const history = (await ca.call<TaskForceDetail>('GET', `/v1/taskforces/${id}?history=true`)).history ?? []
      const chain = verifyHistory(history.map(h => new Uint8Array(Buffer.from(h, 'base64'))))
      expect(chain.valid.map(l => [l.charter.version, l.kind, l.signers.length])).toEqual([[1, 'founding', 3], [2, 'amendment', 2]])
      expect(chain.valid[0].digest).toBe(v1)
    }
  )

  it('rejects a charter with a forged member signature', async () => {
    const hostile = await HostileClient.create()
    try {
      await trustPeer(a.dir, hostile.peerId, 'e')
      const now = Date.now()
      const charter: CharterV1 = {
        v: 1,
        id: uuidV7(now, randomBytes(10)),
        version: 1,
        previous: null,
        name: 'fake',
        purpose: "take A's data",
        legalBasis: TEST_AGREEMENT,
        members: [{ peerId: hostile.peerId, name: 'e' }, { peerId: a.peerId, name: 'a' }, { peerId: b.peerId, name: 'b' }],
        topics: ['fraud'],
        maxTlp: 'RED',
        handling: [],
        validFrom: new Date(now).toISOString(),
        validUntil: new Date(now + DAY).toISOString(),
        governance: { quorum: 2 },
        status: 'active',
        proposedBy: hostile.peerId,
        proposed: new Date(now).toISOString()
      }
      const env = signCharter(encodeCharter(charter), hostile.identity)
      env.signatures.push({ keyid: b.peerId, sig: new Uint8Array(randomBytes(64)) })
      const notice = encodeNotice({
        v: 1,
        id: uuidV7(now, randomBytes(10)),
        from: hostile.peerId,
        to: [a.peerId],
        created: new Date(now).toISOString(),
        expires: new Date(now + DAY).toISOString(),
        action: 'sign',
        taskForce: charter.id,
        charter: envelopeDigest(env),
        chain: [encodeEnvelope(env)]
      })
      const s = await hostile.openStream(a.address)
      s.write(batch(envelopeBytes(PAYLOAD_TYPES.taskforceNotice, notice, [hostile.identity.signature(PAYLOAD_TYPES.taskforceNotice, notice)])))
      expect(openReceipt(await s.readFrame(), a.peerId)).toMatchObject({ status: 'rejected', reason: 'BAD_SIGNATURE' })
      expect((await ca.call<TaskForceSummary[]>('GET', '/v1/taskforces')).map(t => t.id)).toEqual([id])
    } finally {
      await hostile.stop()
    }
  })

  it("records a member's decline; a dissolution with one signature of two does not take effect", async () => {
    const proposed = await ca.call<TaskForceDetail>('POST', `/v1/taskforces/${id}/dissolve`)
    expect(proposed).toMatchObject({ state: 'in-effect', version: 2 })
    await until(async () => (await tf(cb)).awaitingMySignature, 20_000, 'the dissolution at B')
    const declined = await cli(['taskforce', 'decline', id, '--reason', 'the case is still open', '--data-dir', b.dir])
    expect(declined.code, declined.stderr).toBe(0)
    await until(
      async () => (await tf(ca)).versions.some(v => v.version === 3 && v.declines.some(x => x.peerId === b.peerId && x.reason === 'the case is still open')),
      20_000,
      "B's decline at A"
    )
    expect(await tf(ca)).toMatchObject({ state: 'in-effect', version: 2 })
  })

  it("ends delivery at expiry (a member on a clock past the charter's validity)", async () => {
    await b.stop()
    await b.start([], undefined, { execArgv: ['--import', CLOCK_SHIFT_MODULE], env: { LIAISON_CLOCK_SHIFT_MS: String(2 * DAY) } })
    cb = await b.client()
    expect((await tf(cb)).state).toBe('expired')
    await expect(cb.send(tfMessage())).rejects.toMatchObject({ code: 'TASKFORCE_NOT_PERMITTED' })
    const res = await ca.send(tfMessage(), { wait: true, timeoutMs: 20_000 })
    expect(res.recipients).toMatchObject([{ peerId: b.peerId, status: 'rejected', reason: 'TASKFORCE_NOT_PERMITTED' }])
    await b.stop()
    await b.start()
    cb = await b.client()
  })

  it("lets a member leave alone: in effect at once on its node and the others'", async () => {
    const left = await cli(['taskforce', 'leave', id, '--data-dir', b.dir, '--json'])
    expect(left.code, left.stderr).toBe(0)
    expect(JSON.parse(left.stdout)).toMatchObject({ state: 'left' })
    await until(async () => (await tf(ca)).charter.members.length === 1, 20_000, "B's leave at A")
    const view = await tf(ca)
    expect(view.versions.filter(v => v.version === 3).map(v => [v.status, v.kind])).toEqual(expect.arrayContaining([['valid', 'leave'], ['superseded', null]]))
    await expect(ca.send(tfMessage())).rejects.toMatchObject({ code: 'TASKFORCE_NOT_PERMITTED' })
    // The whole history, exported by B, checks out offline with the signatures alone.
    const file = join(root, 'history.json')
    await writeFile(file, JSON.stringify(await cb.call('GET', `/v1/taskforces/${id}?history=true`)))
    const verified = await cli(['taskforce', 'verify', file, '--json'])
    expect(verified.code, verified.stderr).toBe(0)
    expect((JSON.parse(verified.stdout) as { valid: Array<{ kind: string }> }).valid.map(v => v.kind)).toEqual(['founding', 'amendment', 'leave'])
  })

  /** Stop `node`, check its audit log with `liaison audit verify`, and return its entries. */
  async function verifiedAudit (node: TestNode): Promise<Array<{ type: string, action?: string, version?: number, direction?: string }>> {
    await node.stop()
    const res = await cli(['audit', 'verify', '--data-dir', node.dir, '--json'])
    expect(res.code, res.stderr + res.stdout).toBe(0)
    const store = await Store.open(join(node.dir, 'store'))
    try {
      const entries = []
      for await (const v of store.db.sublevel<string, Uint8Array>('audit-entry', { valueEncoding: 'view' }).values()) {
        entries.push(JSON.parse(Buffer.from(v).toString('utf8')))
      }
      return entries
    } finally {
      await store.close()
    }
  }

  it("keeps every charter version and task force message in each member's verifiable audit log", async () => {
    const entries = await verifiedAudit(a)
    const charters = entries.filter(e => e.type === 'taskforce.charter')
    expect(charters.map(e => [e.version, e.action])).toEqual(
      expect.arrayContaining([[1, 'taskforce.proposed'], [1, 'taskforce.received'], [2, 'taskforce.proposed'], [2, 'taskforce.received']])
    )
    expect(entries.filter(e => e.type === 'taskforce.message').length).toBeGreaterThanOrEqual(4)
    // And in B's and C's: each version they saw (C saw the one that removed it, not those after), each message they received.
    for (const [node, versions] of [[b, [1, 2, 3]], [c, [1, 2]]] as const) {
      const theirs = await verifiedAudit(node)
      expect([...new Set(theirs.filter(e => e.type === 'taskforce.charter').map(e => e.version))].sort()).toEqual(versions)
      expect(theirs.filter(e => e.type === 'taskforce.message' && e.direction === 'in').length).toBeGreaterThanOrEqual(3)
    }
    // The cooperation report breaks every message figure down by task force (--by taskforce),
    // and `report verify` recomputes the same figures from the log.
    const file = join(root, 'report-by-taskforce.json')
    const report = await cli(['report', '--format', 'json', '--by', 'taskforce,peer', '--out', file, '--data-dir', a.dir])
    expect(report.code, report.stderr).toBe(0)
    const figures = (JSON.parse(await readFile(file, 'utf8')) as { figures: Record<string, { rows: unknown[][] }> }).figures
    expect(figures.taskforces.rows).toEqual(expect.arrayContaining([[b.peerId, id, 'out', 7], [c.peerId, id, 'out', 5]]))
    // [taskforce, peer, direction, messages, accepted, rejected, pending]: B refused the one sent after its charter expired,
    // C the one above its own TLP ceiling for A.
    const out = figures.messages.rows.filter(r => r[0] === id && r[2] === 'out').map(r => [r[1], r[3], r[5]])
    expect(out).toEqual(expect.arrayContaining([[b.peerId, 7, 1], [c.peerId, 5, 1]]))
    expect(figures.rejections.rows).toContainEqual([id, b.peerId, 'out', 'TASKFORCE_NOT_PERMITTED', 1])
    expect(figures.rejections.rows).toContainEqual([id, c.peerId, 'out', 'TLP_NOT_PERMITTED', 1])
    const verified = await cli(['report', 'verify', file, '--data-dir', a.dir, '--json'])
    expect(verified.code, verified.stderr + verified.stdout).toBe(0)
  })
})
