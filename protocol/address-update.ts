/**
 * Address update v1: the payload of `application/vnd.liaison.address-update.v1+json`. A node
 * whose listen addresses changed tells each peer where it can now be dialled. Signed by the
 * node itself (the only key a peer accepts it under), so nobody else can move a peer's
 * entry on a trust list; `created` orders the updates of one node, so an old one replayed
 * later cannot move it back.
 *
 * | field     | rule |
 * |-----------|------|
 * | v         | 1 |
 * | id        | UUIDv7 |
 * | peerId    | the node whose addresses these are (the signer) |
 * | addresses | 1..MAX_ADDRESSES TCP multiaddrs, unique, without `/p2p/` |
 * | created   | RFC 3339 UTC ms |
 *
 * @module
 */
import { compactJson } from './json.ts'
import { bad, parsePayload, peerIdField, timeField, uuidField, versionedObject } from './schema-kit.ts'

export interface AddressUpdateV1 {
  v: 1
  id: string
  peerId: string
  addresses: string[]
  created: string
}

/** Most addresses one update may carry. */
export const MAX_ADDRESSES = 16
/** Longest address in an update. */
export const MAX_ADDRESS_LENGTH = 256

/** A TCP multiaddr over an IP address or DNS name, no peer ID (`/ip4/192.0.2.10/tcp/4001`). */
export const TCP_MULTIADDR = new RegExp(
  String.raw`^\/(ip4\/(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}|ip6\/[0-9a-fA-F:.]{2,45}` +
    String.raw`|dns4\/[A-Za-z0-9.-]{1,253}|dns6\/[A-Za-z0-9.-]{1,253}|dns\/[A-Za-z0-9.-]{1,253})\/tcp\/([1-9]\d{0,4})$`
)

const KEYS: ReadonlySet<string> = new Set(['v', 'id', 'peerId', 'addresses', 'created'])

export function validateAddressUpdate (value: unknown): AddressUpdateV1 {
  const o = versionedObject(value, KEYS, 'address update')
  const list = o.addresses
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ADDRESSES) bad('addresses', list, `must be an array of 1..${MAX_ADDRESSES} addresses`)
  for (const a of list) {
    if (typeof a !== 'string' || a.length > MAX_ADDRESS_LENGTH || !TCP_MULTIADDR.test(a) || Number(a.slice(a.lastIndexOf('/') + 1)) > 65535) {
      bad('addresses', a, 'must hold TCP multiaddrs such as /ip4/192.0.2.10/tcp/4001 (no /p2p/ part)')
    }
  }
  if (new Set(list).size !== list.length) bad('addresses', list, 'must not repeat an address')
  return { v: 1, id: uuidField(o, 'id'), peerId: peerIdField(o, 'peerId'), addresses: [...list] as string[], created: timeField(o, 'created') }
}

export const parseAddressUpdate = (payload: Uint8Array): AddressUpdateV1 => validateAddressUpdate(parsePayload(payload, 'address update'))
export const encodeAddressUpdate = (u: AddressUpdateV1): Uint8Array => new TextEncoder().encode(compactJson(validateAddressUpdate(u)))
