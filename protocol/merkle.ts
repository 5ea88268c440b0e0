/**
 * RFC 9162 (Certificate Transparency v2) Merkle tree hashing and proof verification, SHA-256.
 *
 * - leaf hash  = SHA-256(0x00 ‖ entry)
 * - node hash  = SHA-256(0x01 ‖ left ‖ right)
 * - empty root = SHA-256("")
 *
 * `verifyInclusion` and `verifyConsistency` follow RFC 9162 §2.1.3.2 and §2.1.4.2 step by step.
 * They take hostile values (sizes, indexes and hashes read off the wire) and answer `false` for
 * anything that does not verify: a size that is negative, fractional or beyond 2^53 − 1, an index
 * outside the tree, a hash that is not 32 bytes, a proof of the wrong length. Only caller bugs
 * (a size that is not a number, a hash that is not a Uint8Array) throw TypeError.
 *
 * Edge cases the RFC leaves open, decided as transparency-dev/merkle decides them (its test
 * vectors check exactly these):
 * - consistency between equal sizes holds iff the proof is empty and the roots are equal bytes;
 * - consistency from size 0 never verifies (every tree extends the empty tree, so such a proof
 *   says nothing, and accepting it would let a caller skip a real check by mistake).
 *
 * @example
 * ```ts
 * const ok = verifyInclusion(5, 8, leafHash(entry), proof, checkpointRoot)
 * ```
 *
 * @module
 */
import { hash } from 'node:crypto'

/** Bytes in a SHA-256 hash: every leaf, node and root hash. */
export const HASH_BYTES = 32

const LEAF_PREFIX = 0x00
const NODE_PREFIX = 0x01

function sha256 (data: Uint8Array): Uint8Array {
  const out = hash('sha256', data, 'buffer')
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

/**
 * Reused input buffer: building a large tree hashes millions of 65-byte node inputs, and a fresh
 * off-heap allocation for each one costs more than the hash. Safe because hashing is synchronous.
 */
let scratch = new Uint8Array(1024)
const SCRATCH_MAX = 64 * 1024

function prefixed (prefix: number, length: number): Uint8Array {
  if (length + 1 > scratch.length) {
    if (length + 1 > SCRATCH_MAX) return new Uint8Array(length + 1)
    scratch = new Uint8Array(SCRATCH_MAX)
  }
  const data = scratch.subarray(0, length + 1)
  data[0] = prefix
  return data
}

function abytes (value: unknown, field: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${field} must be a Uint8Array`)
}

function anumber (value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`${field} must be a number`)
}

function aproof (proof: unknown, field: string): asserts proof is Uint8Array[] {
  if (!Array.isArray(proof)) throw new TypeError(`${field} must be an array of Uint8Array`)
  for (let i = 0; i < proof.length; i++) abytes(proof[i], `${field}[${i}]`)
}

/** A tree size or leaf index as this module accepts it: an integer in [0, 2^53 − 1]. */
function isIndex (value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0
}

function isHash (value: Uint8Array): boolean {
  return value.length === HASH_BYTES
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i]
  return diff === 0
}

/** Least significant bit of a safe integer (bitwise operators would truncate to 32 bits). */
function lsb (value: number): boolean {
  return value % 2 === 1
}

function half (value: number): number {
  return Math.floor(value / 2)
}

/** SHA-256(0x00 ‖ entry): the hash of one log entry. */
export function leafHash (entry: Uint8Array): Uint8Array {
  abytes(entry, 'entry')
  const data = prefixed(LEAF_PREFIX, entry.length)
  data.set(entry, 1)
  return sha256(data)
}

/** SHA-256(0x01 ‖ left ‖ right): the hash of an interior node. */
export function nodeHash (left: Uint8Array, right: Uint8Array): Uint8Array {
  abytes(left, 'left')
  abytes(right, 'right')
  const data = prefixed(NODE_PREFIX, left.length + right.length)
  data.set(left, 1)
  data.set(right, 1 + left.length)
  return sha256(data)
}

/** SHA-256(""): the root of the empty tree. */
export function emptyRoot (): Uint8Array {
  return sha256(new Uint8Array(0))
}

/**
 * The root that an inclusion proof implies (RFC 9162 §2.1.3.2 steps 1–4), or undefined if the
 * proof cannot be valid for this index and size (wrong length, index out of range, bad sizes).
 */
export function rootFromInclusionProof (
  leafIndex: number,
  treeSize: number,
  leaf: Uint8Array,
  proof: Uint8Array[]
): Uint8Array | undefined {
  anumber(leafIndex, 'leafIndex')
  anumber(treeSize, 'treeSize')
  abytes(leaf, 'leafHash')
  aproof(proof, 'proof')
  if (!isIndex(leafIndex) || !isIndex(treeSize) || leafIndex >= treeSize) return undefined
  if (!isHash(leaf) || !proof.every(isHash)) return undefined

  let fn = leafIndex
  let sn = treeSize - 1
  let r = leaf
  for (const p of proof) {
    if (sn === 0) return undefined
    if (lsb(fn) || fn === sn) {
      r = nodeHash(p, r)
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn)
          sn = half(sn)
        }
      }
    } else {
      r = nodeHash(r, p)
    }
    fn = half(fn)
    sn = half(sn)
  }
  return sn === 0 ? r : undefined
}

/** RFC 9162 §2.1.3.2: does `proof` show the leaf at `leafIndex` is in the tree of `treeSize`? */
export function verifyInclusion (
  leafIndex: number,
  treeSize: number,
  leaf: Uint8Array,
  proof: Uint8Array[],
  root: Uint8Array
): boolean {
  abytes(root, 'root')
  const computed = rootFromInclusionProof(leafIndex, treeSize, leaf, proof)
  return computed !== undefined && isHash(root) && equalBytes(computed, root)
}

/**
 * RFC 9162 §2.1.4.2: does `proof` show the tree of `size2` (root2) extends the tree of `size1`
 * (root1)? See the module header for the equal-size and size-0 cases.
 */
export function verifyConsistency (
  size1: number,
  size2: number,
  proof: Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array
): boolean {
  anumber(size1, 'size1')
  anumber(size2, 'size2')
  aproof(proof, 'proof')
  abytes(root1, 'root1')
  abytes(root2, 'root2')
  if (!isIndex(size1) || !isIndex(size2) || size1 === 0 || size1 > size2) return false
  if (size1 === size2) return proof.length === 0 && equalBytes(root1, root2)
  if (proof.length === 0) return false
  if (!isHash(root1) || !isHash(root2) || !proof.every(isHash)) return false

  // Step 2: a power-of-2 first tree is itself a node of the second; the proof omits its hash.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof
  let fn = size1 - 1
  let sn = size2 - 1
  while (lsb(fn)) {
    fn = half(fn)
    sn = half(sn)
  }
  let fr = path[0]
  let sr = path[0]
  for (let i = 1; i < path.length; i++) {
    const c = path[i]
    if (sn === 0) return false
    if (lsb(fn) || fn === sn) {
      fr = nodeHash(c, fr)
      sr = nodeHash(c, sr)
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn)
          sn = half(sn)
        }
      }
    } else {
      sr = nodeHash(sr, c)
    }
    fn = half(fn)
    sn = half(sn)
  }
  return sn === 0 && equalBytes(fr, root1) && equalBytes(sr, root2)
}

/** True for 1, 2, 4, 8, … up to 2^52 (safe integers only). */
function isPowerOfTwo (value: number): boolean {
  if (!isIndex(value) || value === 0) return false
  let v = value
  while (v % 2 === 0) v /= 2
  return v === 1
}
