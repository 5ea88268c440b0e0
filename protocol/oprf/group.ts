/**
 * The ristretto255 group of RFC 9497's suite ristretto255-SHA512, on libsodium
 * (`libsodium-wrappers-sumo`; `sodium-native` has no ristretto255 functions).
 *
 * libsodium multiplies a ristretto255 point by a scalar in ~0.11 ms here against ~0.94 ms for
 * @noble/curves' whole `blindEvaluate` (scripts/measure/oprf-primitives.ts), so the group
 * operations are libsodium's and the RFC 9497 framing (hash-to-group, hash-to-scalar, proofs)
 * is ours, pinned to every RFC 9497 vector (test/unit/oprf-vectors.test.ts).
 *
 * - `hashToGroup`: RFC 9380 `hash_to_ristretto255` = expand_message_xmd(SHA-512, 64 bytes)
 *   then libsodium's `crypto_core_ristretto255_from_hash` (the one-way map, RFC 9496 §4.3.4).
 * - `hashToScalar`: expand_message_xmd(SHA-512, 64 bytes) reduced mod ℓ, little-endian.
 * - `deserializeElement` rejects non-canonical encodings and the identity (RFC 9497 §2.1).
 *
 * Loaded with a top-level await: importing this module waits for libsodium's WebAssembly.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'

interface Sodium {
  ready: Promise<void>
  crypto_scalarmult_ristretto255: (n: Uint8Array, p: Uint8Array) => Uint8Array
  crypto_scalarmult_ristretto255_base: (n: Uint8Array) => Uint8Array
  crypto_core_ristretto255_from_hash: (h: Uint8Array) => Uint8Array
  crypto_core_ristretto255_is_valid_point: (p: Uint8Array) => boolean
  crypto_core_ristretto255_add: (p: Uint8Array, q: Uint8Array) => Uint8Array
  crypto_core_ristretto255_scalar_add: (x: Uint8Array, y: Uint8Array) => Uint8Array
  crypto_core_ristretto255_scalar_sub: (x: Uint8Array, y: Uint8Array) => Uint8Array
  crypto_core_ristretto255_scalar_mul: (x: Uint8Array, y: Uint8Array) => Uint8Array
  crypto_core_ristretto255_scalar_invert: (x: Uint8Array) => Uint8Array
  crypto_core_ristretto255_scalar_reduce: (x: Uint8Array) => Uint8Array
  crypto_core_ristretto255_scalar_random: () => Uint8Array
}

const sodium = createRequire(import.meta.url)('libsodium-wrappers-sumo') as Sodium
await sodium.ready

/** Element and scalar sizes (Ne, Ns) and the hash output size (Nh), bytes. */
export const NE = 32
export const NS = 32
export const NH = 64

/** The group order ℓ = 2^252 + 27742317777372353535851937790883648493, little-endian bytes. */
const ORDER_LE = Uint8Array.from(Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex'))

/** Thrown for any invalid group input; callers map it to their reason code. */
export class GroupError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'GroupError'
  }
}

/** I2OSP(n, len), big-endian. */
export function i2osp (n: number, len: number): Uint8Array {
  const out = new Uint8Array(len)
  for (let i = len - 1, v = n; i >= 0; i--, v = Math.floor(v / 256)) out[i] = v & 0xff
  if (n >= 256 ** len) throw new RangeError(`i2osp: ${n} does not fit in ${len} bytes`)
  return out
}

/** Concatenates byte strings. */
export function concat (...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts))
}

/** Prefixes `bytes` with its length as two big-endian bytes (the RFC's I2OSP(len(x), 2) || x). */
export function lp (bytes: Uint8Array): Uint8Array {
  return concat(i2osp(bytes.length, 2), bytes)
}

const ZPAD = new Uint8Array(128)
const L64 = i2osp(64, 2)
const ZERO1 = i2osp(0, 1)
const ONE1 = i2osp(1, 1)
/** DST_prime = DST ‖ I2OSP(len(DST), 1), per DST (a handful of fixed labels): the index build calls this per selector. */
const dstPrimes = new WeakMap<Uint8Array, Uint8Array>()

/** RFC 9380 §5.3.1 expand_message_xmd with SHA-512, 64 output bytes (ell = 1). */
export function expandMessageXmd64 (msg: Uint8Array, dst: Uint8Array): Uint8Array {
  let dstPrime = dstPrimes.get(dst)
  if (dstPrime === undefined) {
    if (dst.length > 255) throw new RangeError('expand_message_xmd: DST longer than 255 bytes')
    dstPrime = concat(dst, i2osp(dst.length, 1))
    dstPrimes.set(dst, dstPrime)
  }
  const b0 = createHash('sha512').update(ZPAD).update(msg).update(L64).update(ZERO1).update(dstPrime).digest()
  const b1 = createHash('sha512').update(b0).update(ONE1).update(dstPrime).digest()
  return new Uint8Array(b1.buffer, b1.byteOffset, b1.byteLength)
}

/** SHA-512. */
export function hash (bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(createHash('sha512').update(bytes).digest())
}

/** RFC 9497 HashToGroup for ristretto255: a point, never the identity for real inputs. */
export function hashToGroup (msg: Uint8Array, dst: Uint8Array): Uint8Array {
  return sodium.crypto_core_ristretto255_from_hash(expandMessageXmd64(msg, dst))
}

/** RFC 9497 HashToScalar for ristretto255. */
export function hashToScalar (msg: Uint8Array, dst: Uint8Array): Uint8Array {
  return sodium.crypto_core_ristretto255_scalar_reduce(expandMessageXmd64(msg, dst))
}

function isZero (bytes: Uint8Array): boolean {
  let acc = 0
  for (const b of bytes) acc |= b
  return acc === 0
}

/** True if `bytes` is the canonical encoding of the identity element. */
export function isIdentity (point: Uint8Array): boolean {
  return point.length === NE && isZero(point)
}

/** DeserializeElement: canonical, not the identity, else GroupError. */
export function deserializeElement (bytes: Uint8Array): Uint8Array {
  if (bytes.length !== NE) throw new GroupError(`an element is ${NE} bytes, got ${bytes.length}`)
  if (isZero(bytes)) throw new GroupError('the identity element is not allowed')
  if (!sodium.crypto_core_ristretto255_is_valid_point(bytes)) throw new GroupError('not a canonical ristretto255 encoding')
  return bytes
}

/** DeserializeScalar: canonical (< ℓ), else GroupError. Zero is allowed here; callers decide. */
export function deserializeScalar (bytes: Uint8Array): Uint8Array {
  if (bytes.length !== NS) throw new GroupError(`a scalar is ${NS} bytes, got ${bytes.length}`)
  for (let i = NS - 1; i >= 0; i--) {
    if (bytes[i] < ORDER_LE[i]) return bytes
    if (bytes[i] > ORDER_LE[i]) break
  }
  throw new GroupError('scalar is not reduced mod the group order')
}

/** True if the scalar is zero. */
export function scalarIsZero (s: Uint8Array): boolean {
  return isZero(s)
}

/** s·P. P must not be the identity and s not zero (libsodium refuses an identity result). */
export function mul (s: Uint8Array, p: Uint8Array): Uint8Array {
  return sodium.crypto_scalarmult_ristretto255(s, p)
}

/** s·G for the generator G. */
export function mulBase (s: Uint8Array): Uint8Array {
  return sodium.crypto_scalarmult_ristretto255_base(s)
}

/** P + Q. */
export function add (p: Uint8Array, q: Uint8Array): Uint8Array {
  return sodium.crypto_core_ristretto255_add(p, q)
}

/** Scalar arithmetic mod ℓ. */
export const scalar = {
  add: (x: Uint8Array, y: Uint8Array): Uint8Array => sodium.crypto_core_ristretto255_scalar_add(x, y),
  sub: (x: Uint8Array, y: Uint8Array): Uint8Array => sodium.crypto_core_ristretto255_scalar_sub(x, y),
  mul: (x: Uint8Array, y: Uint8Array): Uint8Array => sodium.crypto_core_ristretto255_scalar_mul(x, y),
  invert: (x: Uint8Array): Uint8Array => sodium.crypto_core_ristretto255_scalar_invert(x),
  random: (): Uint8Array => sodium.crypto_core_ristretto255_scalar_random()
}

/** Constant-time equality of two byte strings of the same length. */
export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let acc = 0
  for (let i = 0; i < a.length; i++) acc |= a[i] ^ b[i]
  return acc === 0
}
