/**
 * Inbound key rotation statement: the authenticated peer (its current, old key) announces its
 * next key. Both signatures must be present. The statement is stored as pending; the operator
 * approves it (or the peer's record says to apply rotations automatically — the node does that
 * once the statement is durable).
 *
 * @module
 */
import { parseKeyRotation, type KeyRotationV1 } from '../../protocol/key-rotation.ts'
import { verifyEnvelope } from '../../protocol/envelope.ts'
import { verifyKeyFromPeerId } from '../../protocol/keys.ts'
import { ProtocolError } from '../../protocol/errors.ts'
import { PAYLOAD_TYPES } from '../../protocol/types.ts'
import { admit } from '../trust/trust-list.ts'
import { refuse, type Admission, type Incoming } from './admission.ts'
import type { PeerRotation } from '../store/index.ts'

export function handleKeyRotation (incoming: Incoming): Admission {
  let rot: KeyRotationV1
  try {
    rot = parseKeyRotation(incoming.env.payload)
  } catch (err) {
    return refuse(err instanceof ProtocolError ? err.code : 'SCHEMA_INVALID')
  }
  if (rot.oldPeerId !== incoming.remote || incoming.signedAs !== incoming.remote) {
    return refuse('SIGNER_MISMATCH', rot.id, 'a rotation must come from the key it retires')
  }
  if (Date.parse(rot.created) > incoming.nowMs + incoming.policy.clockSkewMs) return refuse('CLOCK_SKEW', rot.id)
  try {
    admit(rot.newPeerId)
  } catch {
    return refuse('BAD_KEY', rot.id, 'the new key is not admissible')
  }
  if (!verifyEnvelope(incoming.env, verifyKeyFromPeerId(rot.newPeerId))) return refuse('BAD_SIGNATURE', rot.id, 'not signed by the new key')
  const peer = incoming.trust.get(rot.oldPeerId)
  if (peer == null) return refuse('UNKNOWN_SIGNER', rot.id)
  const record: PeerRotation = {
    oldPeerId: rot.oldPeerId,
    newPeerId: rot.newPeerId,
    id: rot.id,
    created: rot.created,
    statementDigest: incoming.digest,
    status: 'pending',
    updatedAt: incoming.nowMs,
    ...(rot.courier != null ? { courier: rot.courier } : {})
  }
  return {
    ok: true,
    meta: {
      digest: incoming.digest,
      id: rot.id,
      payloadType: PAYLOAD_TYPES.keyRotation,
      direction: 'in',
      from: rot.oldPeerId,
      to: [incoming.self.peerId],
      kind: 'alert',
      tlp: 'CLEAR',
      topic: 'key-rotation',
      legalBasis: 'liaison',
      handling: [],
      created: rot.created,
      expires: new Date(Date.parse(rot.created) + 365 * 24 * 3600_000).toISOString(),
      storedAt: incoming.nowMs
    },
    ops: [incoming.store.rotationOp(record)],
    events: []
  }
}
