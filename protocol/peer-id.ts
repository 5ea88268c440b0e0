/**
 * libp2p peer IDs for Ed25519 keys, and the base58btc codec they are written in.
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
import { ProtocolError } from './errors.ts'

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const DIGIT = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i

/** Multihash (identity, 36 bytes) + protobuf PublicKey header (Type=Ed25519, Data length 32). */
const PREFIX = Uint8Array.of(0x00, 0x24, 0x08, 0x01, 0x12, 0x20)
const ID_BYTES = PREFIX.length + 32
/** Every Ed25519 identity peer ID is exactly this long in base58btc. */
const ID_LENGTH = 52

/** base58btc (Bitcoin alphabet); each leading zero byte becomes a leading '1'. */
export function encodeBase58btc (bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array')
  let zeros = 0
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++
  // Base-58 digits, least significant first; log(256)/log(58) < 1.37.
  const digits = new Uint8Array(Math.ceil((bytes.length - zeros) * 1.37) + 1)
  let used = 0
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i]
    for (let j = 0; j < used; j++) {
      carry += digits[j] << 8
      digits[j] = carry % 58
      carry = (carry / 58) | 0
    }
    while (carry > 0) {
      digits[used++] = carry % 58
      carry = (carry / 58) | 0
    }
  }
  let out = '1'.repeat(zeros)
  for (let j = used - 1; j >= 0; j--) out += ALPHABET[digits[j]]
  return out
}

/** Decodes base58btc, or returns undefined on any character outside the alphabet. */
export function tryDecodeBase58btc (text: string): Uint8Array | undefined {
  if (typeof text !== 'string') throw new TypeError('text must be a string')
  let zeros = 0
  while (zeros < text.length && text.charCodeAt(zeros) === 0x31) zeros++ // '1'
  // Bytes, least significant first; log(58)/log(256) < 0.733.
  const bytes = new Uint8Array(Math.ceil((text.length - zeros) * 0.733) + 1)
  let used = 0
  for (let i = zeros; i < text.length; i++) {
    const c = text.charCodeAt(i)
    let carry = c < 128 ? DIGIT[c] : -1
    if (carry < 0) return undefined
    for (let j = 0; j < used; j++) {
      carry += bytes[j] * 58
      bytes[j] = carry & 0xff
      carry >>= 8
    }
    while (carry > 0) {
      bytes[used++] = carry & 0xff
      carry >>= 8
    }
  }
  const out = new Uint8Array(zeros + used)
  for (let j = 0; j < used; j++) out[zeros + j] = bytes[used - 1 - j]
  return out
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
