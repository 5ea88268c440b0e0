/**
 * Ed25519 signature verification (two implementations with identical verdicts) and the
 * admission check for public keys that go on a trust list.
 *
 * "Ed25519 verification" is not one rule: implementations differ on small-order and mixed-order
 * points, non-canonical encodings and the cofactor (see Chalkias et al., "Taming the many
 * EdDSAs", and the speccheck / Wycheproof vectors in test/unit/ed25519-vectors.test.ts). The
 * rule here is the one node:crypto applies — OpenSSL 3.5's `ossl_ed25519_verify` plus the
 * small-order rejection Node itself adds in front of it (nodejs/node#64026, in Node 24) —
 * pinned by those tests:
 *
 * 1. the signature is 64 bytes and S < L (no malleable S);
 * 2. A is decoded leniently, as OpenSSL does (y is taken mod p; x = 0 with the sign bit set is
 *    read as x = 0), and the challenge k = SHA-512(R ‖ A ‖ M) uses the bytes as sent;
 * 3. A must not be a small-order point, in any encoding (Node);
 * 4. cofactorless check: the canonical encoding of [S]B − [k]A must equal R byte for byte, so
 *    a non-canonical R never verifies (OpenSSL); and R must not be of small order (Node).
 *
 * `opensslVerify` is node:crypto (fast; the hot path). `nobleVerify` applies the same rule with
 * @noble/ed25519's point arithmetic and @noble/hashes' SHA-512: an independent second opinion,
 * not a configuration of noble's own `verify`, because neither of noble's modes gives these
 * verdicts — the default (ZIP-215) accepts Wycheproof tcId 151, and `{ zip215: false }` is
 * cofactored, so it accepts speccheck cases 2, 4 and 5, which node:crypto rejects.
 *
 * Admission (`isAdmissiblePublicKey`) is stricter than verification: a trust-list key must be a
 * canonical encoding (y < p, no x = 0 with the sign bit set) of a point in the prime-order
 * subgroup. Honest keys ([a]B) always are; small-order and mixed-order keys only come from
 * someone trying to make signatures mean more than one thing.
 *
 * @module
 */
import { verify } from 'node:crypto'
import { Point } from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import { ProtocolError } from './errors.ts'
import { publicKeyObject } from './keys.ts'
import type { VerifyKey } from './types.ts'

/** A verifier: true iff `signature` is a valid Ed25519 signature of `message` under the key. */
export type Ed25519Verifier = (publicKey: VerifyKey, message: Uint8Array, signature: Uint8Array) => boolean

/** Order of the prime-order subgroup. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n

function checkArgs (publicKey: VerifyKey | Uint8Array, message: Uint8Array, signature: Uint8Array): void {
  if (!(message instanceof Uint8Array)) throw new TypeError('message must be a Uint8Array')
  if (!(signature instanceof Uint8Array)) throw new TypeError('signature must be a Uint8Array')
  if (!(publicKey instanceof Uint8Array) && !(publicKey?.publicKey instanceof Uint8Array)) {
    throw new TypeError('publicKey must be a VerifyKey or a Uint8Array')
  }
}

/**
 * node:crypto (OpenSSL) verification. Pass a VerifyKey on hot paths: a raw key is parsed into a
 * KeyObject on every call. Never throws on hostile input: wrong lengths give false.
 */
export function opensslVerify (publicKey: VerifyKey | Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  checkArgs(publicKey, message, signature)
  if (signature.length !== 64) return false
  if (publicKey instanceof Uint8Array) {
    if (publicKey.length !== 32) return false
    return verify(null, message, publicKeyObject(publicKey), signature)
  }
  return verify(null, message, publicKey.keyObject, signature)
}

/**
 * The same verdicts as `opensslVerify`, computed with @noble/ed25519 and @noble/hashes (see the
 * module header for the rule). About a hundred times slower; for cross-checking, not hot paths.
 */
export function nobleVerify (publicKey: VerifyKey | Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  checkArgs(publicKey, message, signature)
  const pub = publicKey instanceof Uint8Array ? publicKey : publicKey.publicKey
  if (pub.length !== 32 || signature.length !== 64) return false
  const r = signature.subarray(0, 32)
  const s = bytesToBigIntLE(signature.subarray(32))
  if (s >= L) return false
  let A: Point
  try {
    A = Point.fromBytes(pub, true) // lenient decoding, as OpenSSL's ge_frombytes_vartime
  } catch {
    return false
  }
  if (A.isSmallOrder()) return false
  const k = bytesToBigIntLE(sha512.create().update(r).update(pub).update(message).digest()) % L
  const R = Point.BASE.multiply(s, false).subtract(A.multiply(k, false))
  if (R.isSmallOrder()) return false
  return equalBytes(R.toBytes(), r)
}

/** Why `publicKey` may not go on a trust list, or undefined if it may. */
function inadmissibleBecause (publicKey: Uint8Array): string | undefined {
  if (!(publicKey instanceof Uint8Array)) throw new TypeError('publicKey must be a Uint8Array')
  if (publicKey.length !== 32) return `is ${publicKey.length} bytes, not 32`
  let A: Point
  try {
    A = Point.fromBytes(publicKey, false) // strict RFC 8032 decoding: y < p, no "negative zero" x
  } catch {
    return 'is not a canonical encoding of a curve point'
  }
  if (!equalBytes(A.toBytes(), publicKey)) return 'is not a canonical encoding of a curve point'
  if (A.isSmallOrder()) return 'is a small-order point'
  if (!A.isTorsionFree()) return 'has a small-order (torsion) component'
  return undefined
}

/**
 * True iff `publicKey` is 32 bytes encoding, canonically, a point of the prime-order subgroup
 * (not the identity or another small-order point, and without a torsion component).
 */
export function isAdmissiblePublicKey (publicKey: Uint8Array): boolean {
  return inadmissibleBecause(publicKey) === undefined
}

/** Throws ProtocolError('BAD_KEY') naming `what` unless `publicKey` is admissible. */
export function assertAdmissiblePublicKey (publicKey: Uint8Array, what = 'public key'): void {
  const reason = inadmissibleBecause(publicKey)
  if (reason !== undefined) throw new ProtocolError('BAD_KEY', `${what} ${reason}`)
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

function bytesToBigIntLE (bytes: Uint8Array): bigint {
  let hex = '0x'
  for (let i = bytes.length - 1; i >= 0; i--) hex += HEX[bytes[i]]
  return BigInt(hex)
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i]
  return diff === 0
}
