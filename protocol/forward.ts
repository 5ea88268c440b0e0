/**
 * Forward v1: the payload of `application/vnd.liaison.forward.v1+json`. A forwarder (B) wraps
 * a message it received from its originator (A) — the original envelope, byte for byte — in an
 * envelope signed by B, so the final recipient (C) verifies both signatures. When the
 * original's marking requires the originator's consent, B attaches A's signed release grant.
 *
 * | field      | rule |
 * |------------|------|
 * | v          | 1 |
 * | id         | UUIDv7 of this forward |
 * | from       | the forwarder's peer ID (must be the envelope's signer) |
 * | to         | 1..MAX_RECIPIENTS unique peer IDs |
 * | created    | RFC 3339 UTC ms |
 * | expires    | RFC 3339 UTC ms, after created |
 * | legalBasis | the forwarder–recipient agreement this forward relies on |
 * | original   | standard base64 of the original message envelope's exact JSON bytes |
 * | grant      | optional: standard base64 of the originator's release-grant envelope bytes |
 *
 * @module
 */
import { compactJson } from './json.ts'
import { MAX_FORWARD_PAYLOAD_BYTES, MAX_LEGAL_BASIS_LENGTH, MAX_RECIPIENTS } from './limits.ts'
import { encodeBase64, tryDecodeBase64 } from './base64.ts'
import { bad, invalid, parsePayload, peerIdField, stringField, timeField, uuidField, versionedObject } from './schema-kit.ts'
import { isPeerId } from './peer-id.ts'

export interface ForwardV1 {
  v: 1
  id: string
  from: string
  to: string[]
  created: string
  expires: string
  legalBasis: string
  /** The original envelope bytes. */
  original: Uint8Array
  grant?: Uint8Array
}

const KEYS: ReadonlySet<string> = new Set(['v', 'id', 'from', 'to', 'created', 'expires', 'legalBasis', 'original', 'grant'])
const LEGAL_BASIS = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/

export function parseForward (payload: Uint8Array): ForwardV1 {
  const o = versionedObject(parsePayload(payload, 'forward', MAX_FORWARD_PAYLOAD_BYTES), KEYS, 'forward')
  const f: ForwardV1 = {
    v: 1,
    id: uuidField(o, 'id'),
    from: peerIdField(o, 'from'),
    to: recipients(o.to),
    created: timeField(o, 'created'),
    expires: timeField(o, 'expires'),
    legalBasis: stringField(o, 'legalBasis', MAX_LEGAL_BASIS_LENGTH, LEGAL_BASIS),
    original: bytesField(o, 'original')
  }
  if (Date.parse(f.expires) <= Date.parse(f.created)) invalid('expires must be after created')
  if (o.grant !== undefined) f.grant = bytesField(o, 'grant')
  return f
}

export function encodeForward (f: ForwardV1): Uint8Array {
  const value: Record<string, unknown> = {
    v: 1,
    id: f.id,
    from: f.from,
    to: f.to,
    created: f.created,
    expires: f.expires,
    legalBasis: f.legalBasis,
    original: encodeBase64(f.original)
  }
  if (f.grant != null) value.grant = encodeBase64(f.grant)
  const bytes = new TextEncoder().encode(compactJson(value))
  parseForward(bytes)
  return bytes
}

function recipients (value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_RECIPIENTS) bad('to', value, `must be an array of 1..${MAX_RECIPIENTS} peer IDs`)
  const seen = new Set<string>()
  value.forEach((id, i) => {
    if (!isPeerId(id)) invalid(`to[${i}] is not a peer ID`)
    if (seen.has(id)) invalid(`to[${i}] repeats ${id}`)
    seen.add(id)
  })
  return [...value as string[]]
}

function bytesField (o: Record<string, unknown>, field: string): Uint8Array {
  const value = o[field]
  const bytes = typeof value === 'string' ? tryDecodeBase64(value) : undefined
  if (bytes == null || bytes.length === 0) bad(field, value, 'is not non-empty base64')
  return bytes
}
