/**
 * Key rotation statement v1: the payload of `application/vnd.liaison.key-rotation.v1+json`.
 * It must carry two signatures — one by the old key and one by the new — so that it proves
 * both that the current identity authorises the change and that the new key is held.
 *
 * | field     | rule |
 * |-----------|------|
 * | v         | 1 |
 * | id        | UUIDv7 |
 * | oldPeerId | the identity being retired |
 * | newPeerId | the identity replacing it |
 * | created   | RFC 3339 UTC ms |
 * | courier   | optional: peer ID of the new key's courier (PROTOCOL.md §9.1); differs from both keys |
 *
 * @module
 */
import { compactJson } from './json.ts'
import { invalid, parsePayload, peerIdField, timeField, uuidField, versionedObject } from './schema-kit.ts'

export interface KeyRotationV1 {
  v: 1
  id: string
  oldPeerId: string
  newPeerId: string
  created: string
  courier?: string
}

const KEYS: ReadonlySet<string> = new Set(['v', 'id', 'oldPeerId', 'newPeerId', 'created', 'courier'])

export function validateKeyRotation (value: unknown): KeyRotationV1 {
  const o = versionedObject(value, KEYS, 'key rotation')
  const r: KeyRotationV1 = {
    v: 1,
    id: uuidField(o, 'id'),
    oldPeerId: peerIdField(o, 'oldPeerId'),
    newPeerId: peerIdField(o, 'newPeerId'),
    created: timeField(o, 'created')
  }
  if (r.oldPeerId === r.newPeerId) invalid('newPeerId must differ from oldPeerId')
  if (o.courier !== undefined) {
    r.courier = peerIdField(o, 'courier')
    if (r.courier === r.oldPeerId || r.courier === r.newPeerId) invalid('courier must differ from both keys')
  }
  return r
}

export const parseKeyRotation = (payload: Uint8Array): KeyRotationV1 => validateKeyRotation(parsePayload(payload, 'key rotation'))
export const encodeKeyRotation = (r: KeyRotationV1): Uint8Array => new TextEncoder().encode(compactJson(validateKeyRotation(r)))
