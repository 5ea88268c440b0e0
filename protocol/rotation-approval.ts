/**
 * Rotation approval notice v1: the payload of `application/vnd.liaison.rotation-approval.v1+json`.
 * A peer that applies a node's announced key rotation (its operator approved it, or its record
 * says to apply rotations automatically) tells the rotating node so, signed by the peer's own
 * key, over the connection of the node's old key — the last moment that connection is trusted.
 * The rotating node records it: `keys status` then says when each peer approved.
 *
 * | field     | rule |
 * |-----------|------|
 * | v         | 1 |
 * | id        | UUIDv7 |
 * | statement | 64 lowercase hex: digest of the rotation statement approved (PROTOCOL.md §8) |
 * | oldPeerId | the rotating node's old identity (the recipient) |
 * | newPeerId | its new identity, as the statement named it |
 * | by        | the approving peer (the signer) |
 * | approved  | RFC 3339 UTC ms: when it applied the rotation |
 *
 * @module
 */
import { compactJson } from './json.ts'
import { digestField, invalid, parsePayload, peerIdField, timeField, uuidField, versionedObject } from './schema-kit.ts'

export interface RotationApprovalV1 {
  v: 1
  id: string
  statement: string
  oldPeerId: string
  newPeerId: string
  by: string
  approved: string
}

const KEYS: ReadonlySet<string> = new Set(['v', 'id', 'statement', 'oldPeerId', 'newPeerId', 'by', 'approved'])

export function validateRotationApproval (value: unknown): RotationApprovalV1 {
  const o = versionedObject(value, KEYS, 'rotation approval')
  const r: RotationApprovalV1 = {
    v: 1,
    id: uuidField(o, 'id'),
    statement: digestField(o, 'statement'),
    oldPeerId: peerIdField(o, 'oldPeerId'),
    newPeerId: peerIdField(o, 'newPeerId'),
    by: peerIdField(o, 'by'),
    approved: timeField(o, 'approved')
  }
  if (r.oldPeerId === r.newPeerId) invalid('newPeerId must differ from oldPeerId')
  return r
}

export const parseRotationApproval = (payload: Uint8Array): RotationApprovalV1 => validateRotationApproval(parsePayload(payload, 'rotation approval'))
export const encodeRotationApproval = (r: RotationApprovalV1): Uint8Array => new TextEncoder().encode(compactJson(validateRotationApproval(r)))
