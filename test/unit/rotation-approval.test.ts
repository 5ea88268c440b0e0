/**
 * Rotation approval notices (PROTOCOL.md §9.2): the schema, and the rotating node's admission —
 * only from the approving peer itself, only for the rotation in progress.
 */
import { describe, expect, it } from 'vitest'
import { encodeRotationApproval, parseRotationApproval, type RotationApprovalV1 } from '../../protocol/rotation-approval.ts'
import { signEnvelope } from '../../protocol/envelope.ts'
import { generateSigner } from '../../protocol/keys.ts'
import { PAYLOAD_TYPES } from '../../protocol/types.ts'
import { DEFAULT_NODE_POLICY } from '../../node/policy/index.ts'
import { handleRotationApproval } from '../../node/exchange/handle-rotation-approval.ts'
import type { Incoming } from '../../node/exchange/index.ts'
import type { Store, OwnRotation } from '../../node/store/index.ts'
import { rejects } from '../helpers/expect-code.ts'

const a = generateSigner().signer
const aNext = generateSigner().signer
const b = generateSigner().signer
const own: OwnRotation = {
  id: '01890a5d-ac96-774b-bcce-b302099a8057',
  oldPeerId: a.peerId,
  newPeerId: aNext.peerId,
  created: '2026-01-01T00:00:00.000Z',
  statementDigest: 'ab'.repeat(32),
  announcedTo: [b.peerId]
}
const notice: RotationApprovalV1 = {
  v: 1,
  id: '01890a5d-ac96-774b-bcce-b302099a8058',
  statement: own.statementDigest,
  oldPeerId: a.peerId,
  newPeerId: aNext.peerId,
  by: b.peerId,
  approved: '2026-01-01T00:01:00.000Z'
}

function incoming (n: RotationApprovalV1, remote: string, rotation: OwnRotation | undefined): Incoming {
  const store = { ownRotation: async () => rotation, rotationApprovalOp: (s: string, by: string, v: unknown) => ({ s, by, v }) } as unknown as Store
  return {
    env: signEnvelope(PAYLOAD_TYPES.rotationApproval, encodeRotationApproval(n), b),
    digest: 'cd'.repeat(32),
    remote,
    signedAs: remote,
    nowMs: Date.parse('2026-01-01T00:02:00.000Z'),
    policy: DEFAULT_NODE_POLICY,
    self: a,
    selfIds: new Set([a.peerId]),
    trust: undefined as never,
    store
  }
}

describe('rotation approval notice', () => {
  it('round-trips; unknown members and equal identities are SCHEMA_INVALID', () => {
    expect(parseRotationApproval(encodeRotationApproval(notice))).toEqual(notice)
    rejects(() => parseRotationApproval(new TextEncoder().encode(JSON.stringify({ ...notice, extra: 1 }))), 'SCHEMA_INVALID')
    rejects(() => encodeRotationApproval({ ...notice, newPeerId: notice.oldPeerId }), 'SCHEMA_INVALID')
  })

  it('is admitted from the approving peer for the rotation in progress, and recorded', async () => {
    const ok = await handleRotationApproval(incoming(notice, b.peerId, own))
    expect(ok).toMatchObject({
      ok: true,
      meta: { from: b.peerId, payloadType: PAYLOAD_TYPES.rotationApproval },
      ops: [{ s: own.statementDigest, by: b.peerId, v: { approved: notice.approved } }]
    })
  })

  it('is refused from anyone else, or for another rotation', async () => {
    const other = generateSigner().signer.peerId
    expect(await handleRotationApproval(incoming(notice, other, own))).toMatchObject({ ok: false, reason: 'SIGNER_MISMATCH' })
    expect(await handleRotationApproval(incoming(notice, b.peerId, undefined))).toMatchObject({ ok: false, reason: 'NOT_ADDRESSED' })
    expect(await handleRotationApproval(incoming({ ...notice, statement: 'ef'.repeat(32) }, b.peerId, own))).toMatchObject({
      ok: false,
      reason: 'NOT_ADDRESSED'
    })
  })
})
