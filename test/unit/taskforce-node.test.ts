/**
 * Task forces on a node's store (node/taskforce/), against a real LevelDB in a temp dir: versions
 * and signatures are only ever added (two notices at once cannot lose a signature), the view
 * opened from the store decides what is in effect, and forwarding between members follows the
 * task force's rule while forwarding to anyone else does not; a member removed and re-added is
 * addressed, and admits messages, once it signs the version that re-adds it.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Store } from '../../node/store/index.ts'
import { TaskForceRecords, addressTaskForce, loadTaskForce, taskForceRefusal } from '../../node/taskforce/index.ts'
import { forwardRuleFor } from '../../node/taskforce/forwarding.ts'
import {
  addSignature,
  checkCharterEnvelope,
  encodeCharter,
  memberIds,
  signCharter,
  type CharterV1,
  type SignedCharter
} from '../../protocol/taskforce/index.ts'
import type { Signer } from '../../protocol/types.ts'
import { signerFromSeed } from '../../protocol/keys.ts'
import { buildTaskForceExample } from '../../scripts/make-taskforce-fixtures.ts'

const example = buildTaskForceExample()
const [A, B, C] = example.signers
const T0 = Date.parse('2026-05-01T00:00:00.000Z')
const D = signerFromSeed(new Uint8Array(32).fill(9))

describe('task force records and views', () => {
  let dir: string
  let store: Store
  let records: TaskForceRecords
  const charter = { ...example.v1, maxTlp: 'AMBER' as const }
  const one = checkCharterEnvelope(signCharter(encodeCharter(charter), A))
  const withB = checkCharterEnvelope(addSignature(one, B))
  const withC = checkCharterEnvelope(addSignature(one, C))

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'liaison-tf-'))
    store = await Store.open(join(dir, 'store'))
    records = new TaskForceRecords(store.db)
  })

  afterAll(async () => {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('merges signatures written by two notices in the same batch; the view puts the charter in effect', async () => {
    const put = async (s: SignedCharter, known: boolean): Promise<void> => {
      await store.commit(records.versionOps(s, T0, known))
    }
    await put(one, false)
    expect((await loadTaskForce(records, charter.id, B.peerId, T0))?.effect.state).toBe('awaiting-signatures')
    // B's and C's signatures arrive at once, each notice holding only its own: both are kept.
    await Promise.all([put(withB, true), put(withC, true)])
    const view = await loadTaskForce(records, charter.id, C.peerId, T0)
    expect(view?.versions).toHaveLength(1)
    expect(view?.chain.valid[0].signers).toEqual([A.peerId, B.peerId, C.peerId].sort())
    expect(view?.effect).toMatchObject({ state: 'in-effect', effective: { digest: one.digest } })
    expect(await records.ids()).toEqual([charter.id])
  })

  it('lets members forward AMBER among themselves without a grant, but not to an outsider, and never RED', async () => {
    const msg = { from: A.peerId, tlp: 'AMBER' as const, handling: ['no-judicial-use-without-consent'], taskForce: { id: charter.id, charter: one.digest } }
    expect(await forwardRuleFor(records, B.peerId, msg, B.peerId, C.peerId, T0)).toBe('free')
    expect(await forwardRuleFor(records, B.peerId, msg, B.peerId, D.peerId, T0)).toBe('grant-required')
    expect(await forwardRuleFor(records, B.peerId, { ...msg, handling: ['no-onward-without-consent'] }, B.peerId, C.peerId, T0)).toBe('grant-required')
    expect(await forwardRuleFor(records, B.peerId, { ...msg, tlp: 'RED' }, B.peerId, C.peerId, T0)).toBe('never')
    // Once the charter has expired, the usual rule again.
    expect(await forwardRuleFor(records, B.peerId, msg, B.peerId, C.peerId, Date.parse(charter.validUntil) + 1)).toBe('grant-required')
  })

  it('addresses a member removed and re-added only once it signs the version that re-adds it, and its node then admits the message', async () => {
    const sign = (c: CharterV1, by: Signer[], previousMembers: string[]): SignedCharter => {
      let s = checkCharterEnvelope(signCharter(encodeCharter(c), by[0]), previousMembers)
      for (const x of by.slice(1)) s = checkCharterEnvelope(addSignature(s, x), previousMembers)
      return s
    }
    const v1 = { ...example.v1, id: '01960b1a-0000-7000-8000-00000000c0de' }
    const f = sign(v1, [A, B, C], [])
    const v2 = sign({ ...v1, version: 2, previous: f.digest, members: v1.members.slice(0, 2), proposedBy: A.peerId }, [A, B], memberIds(v1))
    const v3c: CharterV1 = { ...v1, version: 3, previous: v2.digest, proposedBy: A.peerId }
    const v3 = sign(v3c, [A, B], memberIds(v2.charter))
    for (const [s, known] of [[f, false], [v2, false], [v3, false]] as const) await store.commit(records.versionOps(s, T0, known))
    const subject = { topic: 'fraud', tlp: 'AMBER' as const, legalBasis: v1.legalBasis, handling: v1.handling, kind: 'report' as const }
    const before = await addressTaskForce(records, A.peerId, v1.id, subject, T0)
    expect(before).toMatchObject({ ref: { charter: v3.digest }, to: [B.peerId], refused: [{ peerId: C.peerId, reason: 'TASKFORCE_NOT_PERMITTED' }] })
    expect((await loadTaskForce(records, v1.id, C.peerId, T0))?.effect.state).toBe('awaiting-signatures')

    await store.commit(records.versionOps(checkCharterEnvelope(addSignature(v3, C), memberIds(v2.charter)), T0, true))
    const after = await addressTaskForce(records, A.peerId, v1.id, subject, T0)
    expect(after.to).toEqual([B.peerId, C.peerId])
    const m = { ...subject, from: A.peerId, to: after.to }
    expect(await taskForceRefusal(records, C.peerId, after.ref, m, T0)).toBeUndefined()
    // A message naming the version that removed C is refused there.
    expect(await taskForceRefusal(records, C.peerId, { id: v1.id, charter: v2.digest }, m, T0)).toMatch(/version 3 is in effect/)
  })
})
