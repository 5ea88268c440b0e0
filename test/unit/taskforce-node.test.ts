/**
 * Task forces on a node's store (node/taskforce/), against a real LevelDB in a temp dir: versions
 * and signatures are only ever added (two notices at once cannot lose a signature), the view
 * opened from the store decides what is in effect, and forwarding between members follows the
 * task force's rule while forwarding to anyone else does not.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Store } from '../../node/store/store.ts'
import { TaskForceRecords, loadTaskForce } from '../../node/taskforce/index.ts'
import { forwardRuleFor } from '../../node/taskforce/forwarding.ts'
import { addSignature, checkCharterEnvelope, encodeCharter, signCharter, type SignedCharter } from '../../protocol/taskforce/index.ts'
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
})
