/**
 * libp2p peer IDs for Ed25519 keys, and the base58btc codec they are written in (multiformats',
 * behind a strict alphabet check).
 *
 * An Ed25519 key is small enough to be inlined in its peer ID: the ID is the base58btc text of
 * the identity multihash of the protobuf-encoded libp2p PublicKey:
 *
 *     0x00 0x24                 identity multihash, 36-byte digest
 *     0x08 0x01 0x12 0x20 <32>  PublicKey { Type: Ed25519 (1), Data: 32 bytes }
 *
 * which always reads "12D3KooW…" and is 52 characters long. Only this form is accepted: no CID
 * spelling, no sha2-256 multihash (RSA/secp256k1), no other key type. The signer's peer ID is
 * the DSSE `keyid`.
 *
 * @example
 * ```ts
 * const id = peerIdFromPublicKey(pub)   // '12D3KooW…'
 * publicKeyFromPeerId(id)               // pub
 * ```
 *
 * @module
 */
import { base58btc } from 'multiformats/bases/base58'
import { ProtocolError } from './errors.ts'

/** Multihash (identity, 36 bytes) + protobuf PublicKey header (Type=Ed25519, Data length 32). */
const PREFIX = Uint8Array.of(0x00, 0x24, 0x08, 0x01, 0x12, 0x20)
const ID_BYTES = PREFIX.length + 32
/** Every Ed25519 identity peer ID is exactly this long in base58btc. */
const ID_LENGTH = 52
/**
 * Text made only of the Bitcoin alphabet. Checked before decoding because the codec underneath
 * (multiformats' base-x) reads a character above U+00FF as no digit at all rather than refusing
 * it: `'€'` would decode to zero bytes.
 */
const BASE58 = /^[1-9A-HJ-NP-Za-km-z]*$/

/** base58btc (Bitcoin alphabet, no multibase prefix); each leading zero byte becomes a leading '1'. */
export function encodeBase58btc (bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array')
  return base58btc.baseEncode(bytes)
}

/** Decodes base58btc (no multibase prefix), or returns undefined on any character outside the alphabet. */
export function tryDecodeBase58btc (text: string): Uint8Array | undefined {
  if (typeof text !== 'string') throw new TypeError('text must be a string')
  if (!BASE58.test(text)) return undefined
  return base58btc.baseDecode(text)
}

/** The peer ID of a raw 32-byte Ed25519 public key. */
export function peerIdFromPublicKey (publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array)) throw new TypeError('publicKey must be a Uint8Array')
  if (publicKey.length !== 32) throw new ProtocolError('BAD_KEY', `public key is ${publicKey.length} bytes, not 32`)
  const bytes = new Uint8Array(ID_BYTES)
  bytes.set(PREFIX)
  bytes.set(publicKey, PREFIX.length)
  return encodeBase58btc(bytes)
}

/**
 * The raw 32-byte Ed25519 public key inlined in `peerId`. Throws ProtocolError('BAD_PEER_ID')
 * for anything else: bad base58btc, wrong length, another multihash or key type.
 * (Whether the key is an admissible curve point is a separate check: see ed25519.ts.)
 */
export function publicKeyFromPeerId (peerId: string): Uint8Array {
  if (typeof peerId !== 'string') throw new TypeError('peerId must be a string')
  if (peerId.length !== ID_LENGTH) {
    throw new ProtocolError('BAD_PEER_ID', `peer ID is ${peerId.length} characters, an Ed25519 peer ID has ${ID_LENGTH}`)
  }
  const bytes = tryDecodeBase58btc(peerId)
  if (bytes === undefined) throw new ProtocolError('BAD_PEER_ID', 'peer ID is not base58btc')
  if (bytes.length !== ID_BYTES) throw new ProtocolError('BAD_PEER_ID', 'peer ID is not an Ed25519 identity multihash')
  for (let i = 0; i < PREFIX.length; i++) {
    if (bytes[i] !== PREFIX[i]) throw new ProtocolError('BAD_PEER_ID', 'peer ID is not an Ed25519 identity multihash')
  }
  return bytes.subarray(PREFIX.length)
}

/**
 * Peer IDs recently found valid. Every message names a handful of peer IDs and they repeat
 * endlessly (the same agencies), so the base58 decode is worth remembering; bounded, and it
 * only ever holds strings that passed the full check.
 */
const VALID = new Set<string>()
const VALID_MAX = 4096

/** True if `value` is an Ed25519 identity peer ID string. */
export function isPeerId (value: unknown): value is string {
  if (typeof value !== 'string') return false
  if (VALID.has(value)) return true
  try {
    publicKeyFromPeerId(value)
  } catch {
    return false
  }
  if (VALID.size >= VALID_MAX) VALID.clear()
  VALID.add(value)
  return true
}
