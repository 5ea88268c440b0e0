/**
 * `evaluateMany` (the index build's batch Evaluate inside libsodium's heap) gives byte for byte
 * what the per-value path gives: the RFC 9497 vectors' outputs for OPRF and VOPRF, `evaluate`
 * and `indexOutput` on random keys and inputs (fast-check), batches large enough to grow the
 * heap, and the empty batch. It leaves no copy of the key in the heap it used.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { deriveKeyPair, evaluate, evaluateMany, MODE, type Mode } from '../../protocol/oprf/index.ts'
import { indexOutput } from '../../protocol/query/index.ts'
import { selectorInput } from '../../protocol/selectors/index.ts'

interface Group {
  mode: Mode
  seed: string
  keyInfo: string
  vectors: Array<{ Input: string, Output: string }>
}

const groups = JSON.parse(readFileSync(new URL('../vectors/oprf/ristretto255-sha512.json', import.meta.url), 'utf8')) as Group[]
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const lib = (createRequire(import.meta.url)('libsodium-wrappers-sumo') as {
  libsodium: { HEAPU8: Uint8Array, _malloc: (n: number) => number, _free: (p: number) => void }
}).libsodium
const split = (packed: Uint8Array): string[] => Array.from({ length: packed.length / 64 }, (_, i) => toHex(packed.subarray(i * 64, (i + 1) * 64)))

describe('evaluateMany', () => {
  for (const g of groups.filter((x) => x.mode !== MODE.poprf)) {
    it(`matches every RFC 9497 vector output of mode ${g.mode}, one batch and one by one`, () => {
      const keys = deriveKeyPair(g.mode, hex(g.seed), hex(g.keyInfo))
      const inputs = g.vectors.flatMap((v) => v.Input.split(',').map(hex))
      const outputs = g.vectors.flatMap((v) => v.Output.split(','))
      expect(split(evaluateMany(g.mode, keys.secretKey, inputs))).toEqual(outputs)
      expect(inputs.map((input) => split(evaluateMany(g.mode, keys.secretKey, [input]))[0])).toEqual(outputs)
    })
  }

  it('equals evaluate and indexOutput on random keys and inputs', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(MODE.oprf, MODE.voprf),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        (mode, seed, inputs) => {
          const keys = deriveKeyPair(mode, seed, new Uint8Array())
          expect(split(evaluateMany(mode, keys.secretKey, inputs))).toEqual(inputs.map((input) => toHex(evaluate(mode, keys.secretKey, input))))
        }
      ),
      { numRuns: 60 }
    )
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 10 }), (seed, values) => {
        const keys = deriveKeyPair(MODE.voprf, seed, new Uint8Array())
        const packed = evaluateMany(MODE.voprf, keys.secretKey, values.map((v) => selectorInput('phone', v)))
        expect(split(packed)).toEqual(values.map((v) => toHex(indexOutput(keys, 'phone', v))))
      }),
      { numRuns: 40 }
    )
  })

  it('handles a batch whose buffer grows the heap (HEAPU8 replaced), and the empty batch', () => {
    const keys = deriveKeyPair(MODE.voprf, new Uint8Array(32).fill(7), new Uint8Array())
    const inputs = Array.from({ length: 3000 }, (_, i) => selectorInput('phone', `+4915${100000000 + i}`))
    // Fill the heap nearly to its end so that evaluateMany's allocation has to grow it.
    const before = lib.HEAPU8
    const probe = lib._malloc(16)
    lib._free(probe)
    const filler = lib._malloc(before.length - probe - 64 * 1024)
    expect(filler).not.toBe(0)
    let packed: Uint8Array
    try {
      packed = evaluateMany(MODE.voprf, keys.secretKey, inputs)
    } finally {
      lib._free(filler)
    }
    expect(lib.HEAPU8.length).toBeGreaterThan(before.length)
    for (const i of [0, 1, 1499, 2999]) expect(toHex(packed.subarray(i * 64, (i + 1) * 64))).toBe(toHex(evaluate(MODE.voprf, keys.secretKey, inputs[i])))
    expect(evaluateMany(MODE.voprf, keys.secretKey, []).length).toBe(0)
  })

  it('leaves no copy of the key in the heap and refuses POPRF and a bad key', () => {
    const keys = deriveKeyPair(MODE.voprf, new Uint8Array(32).fill(9), new Uint8Array())
    evaluateMany(MODE.voprf, keys.secretKey, [new Uint8Array([1, 2, 3])])
    expect(Buffer.from(lib.HEAPU8).indexOf(Buffer.from(keys.secretKey))).toBe(-1)
    expect(() => evaluateMany(MODE.poprf, keys.secretKey, [])).toThrow(RangeError)
    expect(() => evaluateMany(MODE.voprf, new Uint8Array(31), [new Uint8Array()])).toThrow(/32 bytes/)
  })
})
