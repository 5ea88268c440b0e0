/**
 * RFC 9497 Evaluate (OPRF and VOPRF modes) of a whole batch inside libsodium's WebAssembly heap:
 * the index build's hot loop (PROTOCOL.md §19.3). Per input it is exactly `evaluate`:
 * HashToGroup (expand_message_xmd, then the one-way map), skS·P, the Finalize hash, so the
 * outputs are byte-identical (test/unit/oprf-evaluate-many.test.ts checks the RFC's vectors
 * and random inputs against `evaluate`).
 *
 * Why: the index build is bounded by these primitives, and the wrappers of
 * `libsodium-wrappers-sumo` malloc, copy in, check, copy out and free for every call. Here one
 * heap buffer per batch holds the key, all the 64-byte map inputs, the points and the products;
 * the raw exports (`_crypto_core_ristretto255_from_hash`, `_crypto_scalarmult_ristretto255`)
 * run over it, and the products are read back once. The whole buffer (the key copy first among
 * it) is zeroised before it is freed, also when a call fails.
 *
 * The heap can grow during `_malloc`, which replaces `HEAPU8`: it is read after the allocation.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { CONTEXT, LABEL, MODE, type Mode } from './context.ts'
import { expandMessageXmd64, GroupError, i2osp, NE, NH, NS } from './group.ts'

/** The raw libsodium module behind the wrappers (`sodium.libsodium`). */
interface SodiumModule {
  HEAPU8: Uint8Array
  _malloc: (size: number) => number
  _free: (ptr: number) => void
  _crypto_core_ristretto255_from_hash: (p: number, h: number) => number
  _crypto_scalarmult_ristretto255: (q: number, n: number, p: number) => number
}

const sodium = createRequire(import.meta.url)('libsodium-wrappers-sumo') as { ready: Promise<void>, libsodium: SodiumModule }
await sodium.ready
const lib = sodium.libsodium

const NHASH = 64
const LEN_NE = i2osp(NE, 2)

/**
 * Evaluate(skS, input) for every input (mode OPRF or VOPRF), outputs packed NH bytes each in
 * input order. GroupError('InvalidInputError') if an input maps to the identity (as `evaluate`).
 */
export function evaluateMany (mode: Mode, secretKey: Uint8Array, inputs: readonly Uint8Array[]): Uint8Array {
  if (mode === MODE.poprf) throw new RangeError('evaluateMany: POPRF evaluation needs its info tweak; use poprfEvaluate')
  if (secretKey.length !== NS) throw new GroupError(`a scalar is ${NS} bytes, got ${secretKey.length}`)
  const n = inputs.length
  const out = new Uint8Array(n * NH)
  if (n === 0) return out
  const dst = CONTEXT[mode].hashToGroupDst
  // Layout: key (32) | map inputs (64 each) | points (32 each) | products (32 each).
  const size = NS + n * (NHASH + 2 * NE)
  const base = lib._malloc(size)
  if (base === 0) throw new Error('evaluateMany: libsodium could not allocate its heap buffer')
  const key = base
  const hashes = key + NS
  const points = hashes + n * NHASH
  const products = points + n * NE
  try {
    let heap = lib.HEAPU8
    heap.set(secretKey, key)
    for (let i = 0; i < n; i++) heap.set(expandMessageXmd64(inputs[i], dst), hashes + i * NHASH)
    for (let i = 0; i < n; i++) {
      lib._crypto_core_ristretto255_from_hash(points + i * NE, hashes + i * NHASH)
      // libsodium refuses (-1) an identity product: with a non-zero key only an identity point.
      if (lib._crypto_scalarmult_ristretto255(products + i * NE, key, points + i * NE) !== 0) throw new GroupError('InvalidInputError')
    }
    heap = lib.HEAPU8
    for (let i = 0; i < n; i++) {
      const input = inputs[i]
      const d = createHash('sha512').update(i2osp(input.length, 2)).update(input).update(LEN_NE).update(
        heap.subarray(products + i * NE, products + (i + 1) * NE)
      )
        .update(LABEL.finalize).digest()
      out.set(d, i * NH)
    }
    return out
  } finally {
    lib.HEAPU8.fill(0, base, base + size)
    lib._free(base)
  }
}
