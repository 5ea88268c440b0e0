/**
 * Inbound rotation approval notice (protocol/rotation-approval.ts): a peer says it applied this
 * node's announced rotation. It must be signed by the authenticated peer's current key, name
 * that peer as `by`, and match the rotation this node has in progress (statement digest, both
 * identities); it is then stored (like a release request: a control message, not an inbox
 * item) together with the approval record `keys status` reads.
 *
 * @module
 */
import { parseRotationApproval, type RotationApprovalV1 } from '../../protocol/rotation-approval.ts'
import { ProtocolError } from '../../protocol/errors.ts'
import { PAYLOAD_TYPES } from '../../protocol/types.ts'
import { refuse, type Admission, type Incoming } from './admission.ts'

export async function handleRotationApproval (incoming: Incoming): Promise<Admission> {
  let notice: RotationApprovalV1
  try {
    notice = parseRotationApproval(incoming.env.payload)
  } catch (err) {
    return refuse(err instanceof ProtocolError ? err.code : 'SCHEMA_INVALID')
  }
  if (notice.by !== incoming.remote || incoming.signedAs !== incoming.remote) {
    return refuse('SIGNER_MISMATCH', notice.id, 'an approval comes from the approving peer itself')
  }
  if (Date.parse(notice.approved) > incoming.nowMs + incoming.policy.clockSkewMs) return refuse('CLOCK_SKEW', notice.id)
  const own = await incoming.store.ownRotation()
  if (own == null || own.statementDigest !== notice.statement || own.oldPeerId !== notice.oldPeerId || own.newPeerId !== notice.newPeerId) {
    return refuse('NOT_ADDRESSED', notice.id, 'no rotation of this node matches the approval')
  }
  return {
    ok: true,
    meta: {
      digest: incoming.digest,
      id: notice.id,
      payloadType: PAYLOAD_TYPES.rotationApproval,
      direction: 'in',
      from: notice.by,
      to: [notice.oldPeerId],
      kind: 'alert',
      tlp: 'CLEAR',
      topic: 'key-rotation',
      legalBasis: 'liaison',
      handling: [],
      created: notice.approved,
      expires: new Date(Date.parse(notice.approved) + 365 * 24 * 3600_000).toISOString(),
      storedAt: incoming.nowMs
    },
    ops: [incoming.store.rotationApprovalOp(notice.statement, notice.by, { approved: notice.approved, notice: incoming.digest })],
    events: []
  }
}
