/**
 * Trust card v1: how two agencies introduce themselves out of band. The payload of
 * `application/vnd.liaison.card.v1+json`, self-signed: the envelope must verify under the key
 * of `peerId` itself. The card proves possession of the key, not identity — that is what the
 * fingerprint, compared over a separate channel (phone, in person), is for.
 *
 * | field        | rule |
 * |--------------|------|
 * | v            | 1 |
 * | peerId       | the agency node's peer ID (its Ed25519 key) |
 * | name         | 1..128 characters |
 * | jurisdiction | optional ISO 3166-1 alpha-2 (`NL`) |
 * | addresses    | 0..16 multiaddrs (strings ≤ 256) |
 * | created      | RFC 3339 UTC with milliseconds |
 * | courier      | optional peer ID of the node's courier key (below); differs from peerId |
 * | oprfKey      | optional `{ publicKey, keyId }`: the node's VOPRF key for hit/no-hit queries (PROTOCOL.md §19.2), base64 of 32 bytes and its key id |
 *
 * The courier key is the only key that may deliver this node's revocation certificate to a peer
 * (PROTOCOL.md §9.1).
 *
 * @module
 */
import { compactJson } from './json.ts'
import { tryDecodeBase64 } from './base64.ts'
import { oprfKeyId } from './query/tags.ts'
import { bad, invalid, parsePayload, peerIdField, stringField, timeField, versionedObject } from './schema-kit.ts'

export interface CardV1 {
  v: 1
  peerId: string
  name: string
  jurisdiction?: string
  addresses: string[]
  created: string
  courier?: string
  oprfKey?: { publicKey: string, keyId: string }
}

const KEYS: ReadonlySet<string> = new Set(['v', 'peerId', 'name', 'jurisdiction', 'addresses', 'created', 'courier', 'oprfKey'])

export function validateCard (value: unknown): CardV1 {
  const o = versionedObject(value, KEYS, 'card')
  const peerId = peerIdField(o, 'peerId')
  const name = stringField(o, 'name', 128)
  const addresses = o.addresses
  if (
    !Array.isArray(addresses) || addresses.length > 16 || !addresses.every(a => typeof a === 'string' && a.length > 0 && a.length <= 256 && a.startsWith('/'))
  ) {
    bad('addresses', addresses, 'must be an array of at most 16 multiaddr strings')
  }
  const created = timeField(o, 'created')
  const card: CardV1 = { v: 1, peerId, name, addresses: [...addresses as string[]], created }
  if (o.jurisdiction !== undefined) card.jurisdiction = stringField(o, 'jurisdiction', 2, /^[A-Z]{2}$/)
  let courier: string | undefined
  if (o.courier !== undefined) {
    courier = peerIdField(o, 'courier')
    if (courier === peerId) invalid('courier must differ from peerId')
  }
  const oprfKey = o.oprfKey === undefined ? undefined : validateOprfKey(o.oprfKey)
  return {
    v: 1,
    peerId,
    name,
    ...(card.jurisdiction != null ? { jurisdiction: card.jurisdiction } : {}),
    addresses: card.addresses,
    created,
    ...(courier != null ? { courier } : {}),
    ...(oprfKey !== undefined ? { oprfKey } : {})
  }
}

function validateOprfKey (value: unknown): { publicKey: string, keyId: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('oprfKey', value, 'must be an object { publicKey, keyId }')
  const o = value as Record<string, unknown>
  if (Object.keys(o).some(k => k !== 'publicKey' && k !== 'keyId')) bad('oprfKey', value, 'has only publicKey and keyId')
  const pk = typeof o.publicKey === 'string' ? tryDecodeBase64(o.publicKey) : undefined
  if (pk?.length !== 32) bad('oprfKey.publicKey', o.publicKey, 'must be base64 of 32 bytes')
  if (o.keyId !== oprfKeyId(pk!)) bad('oprfKey.keyId', o.keyId, 'must be the key id of publicKey')
  return { publicKey: o.publicKey as string, keyId: o.keyId as string }
}

export function parseCard (payload: Uint8Array): CardV1 {
  return validateCard(parsePayload(payload, 'card'))
}

export function encodeCard (card: CardV1): Uint8Array {
  return new TextEncoder().encode(compactJson(validateCard(card)))
}
