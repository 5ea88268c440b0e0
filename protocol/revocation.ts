/**
 * Revocation certificate v1: the payload of `application/vnd.liaison.revocation.v1+json`. Made in
 * advance (at `liaison init` and at every key rotation) and signed by the key it revokes, like an
 * OpenPGP revocation certificate: whoever holds a copy can tell peers "stop trusting this key",
 * and no one without the key can make one. A thief of the key can make one too — which only
 * revokes the key it stole.
 *
 * | field   | rule |
 * |---------|------|
 * | v       | 1 |
 * | id      | UUIDv7 |
 * | peerId  | the identity revoked; the envelope must verify under its key |
 * | created | RFC 3339 UTC ms: when the certificate was made (not when it is used) |
 *
 * @module
 */
import { compactJson } from './json.ts'
import { decodeEnvelope, signEnvelope, verifyEnvelope } from './envelope.ts'
import { envelopeDigest } from './digest.ts'
import { verifyKeyFromPeerId } from './keys.ts'
import { ProtocolError } from './errors.ts'
import { parsePayload, peerIdField, timeField, uuidField, versionedObject } from './schema-kit.ts'
import { PAYLOAD_TYPES, type Envelope, type Signer } from './types.ts'

/**
 * The stream a courier opens to deliver a certificate (PROTOCOL.md §9.1): one frame (the
 * certificate envelope) in, one frame (the peer's signed receipt for it) out.
 */
export const REVOKE_PROTOCOL = '/liaison/revoke/1.0.0'

export interface RevocationV1 {
  v: 1
  id: string
  peerId: string
  created: string
}

const KEYS: ReadonlySet<string> = new Set(['v', 'id', 'peerId', 'created'])

export function validateRevocation (value: unknown): RevocationV1 {
  const o = versionedObject(value, KEYS, 'revocation')
  return { v: 1, id: uuidField(o, 'id'), peerId: peerIdField(o, 'peerId'), created: timeField(o, 'created') }
}

export const parseRevocation = (payload: Uint8Array): RevocationV1 => validateRevocation(parsePayload(payload, 'revocation'))
export const encodeRevocation = (r: RevocationV1): Uint8Array => new TextEncoder().encode(compactJson(validateRevocation(r)))

/** Sign a certificate revoking `signer`'s own key. */
export function signRevocation (signer: Signer, r: RevocationV1): Envelope {
  if (r.peerId !== signer.peerId) throw new TypeError('a revocation certificate is signed by the key it revokes')
  return signEnvelope(PAYLOAD_TYPES.revocation, encodeRevocation(r), signer)
}

/**
 * Decode and check a certificate: envelope, payload type, schema, and a signature by the key of
 * `peerId` itself. ProtocolError BAD_ENVELOPE / BAD_PAYLOAD_TYPE / SCHEMA_INVALID / BAD_SIGNATURE.
 */
export function openRevocation (bytes: Uint8Array): { revocation: RevocationV1, envelope: Envelope, digest: string } {
  const envelope = decodeEnvelope(bytes)
  if (envelope.payloadType !== PAYLOAD_TYPES.revocation) throw new ProtocolError('BAD_PAYLOAD_TYPE', `not a revocation certificate: ${envelope.payloadType}`)
  const revocation = parseRevocation(envelope.payload)
  if (!verifyEnvelope(envelope, verifyKeyFromPeerId(revocation.peerId))) {
    throw new ProtocolError('BAD_SIGNATURE', `the certificate is not signed by the key it revokes (${revocation.peerId})`)
  }
  return { revocation, envelope, digest: envelopeDigest(envelope) }
}
