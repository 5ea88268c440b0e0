/**
 * Known answers: every ristretto255-SHA512 vector of RFC 9497 (test/vectors/oprf/, the RFC's
 * appendix A data) in all three modes, batched ones included — key derivation, blinded and
 * evaluated elements, proofs from the RFC's proof scalar, outputs, and the server's Evaluate.
 * Also: @noble/curves' `ristretto255_oprf` agrees with ours on fresh random inputs, and a
 * tampered proof or evaluation is refused.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ristretto255_oprf as noble } from '@noble/curves/ed25519.js'
import {
  MODE,
  blind,
  deriveKeyPair,
  evaluate,
  oprfBlindEvaluate,
  oprfFinalize,
  poprfBlind,
  poprfBlindEvaluate,
  poprfEvaluate,
  poprfFinalize,
  voprfBlindEvaluate,
  voprfFinalize,
  GroupError,
  type Mode
} from '../../protocol/oprf/index.ts'

interface Vector {
  Batch: number
  Blind: string
  BlindedElement: string
  EvaluationElement: string
  Input: string
  Output: string
  Info?: string
  Proof?: { proof: string, r: string }
}
interface Group {
  mode: Mode
  identifier: string
  seed: string
  keyInfo: string
  skSm: string
  pkSm?: string
  vectors: Vector[]
}

const groups = JSON.parse(readFileSync(new URL('../vectors/oprf/ristretto255-sha512.json', import.meta.url), 'utf8')) as Group[]
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))
const list = (s: string): Uint8Array[] => s.split(',').map(hex)
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('RFC 9497 ristretto255-SHA512 vectors', () => {
  it('covers OPRF, VOPRF and POPRF, batches included', () => {
    expect(groups.map((g) => g.mode).sort()).toEqual([0, 1, 2])
    expect(groups.every((g) => g.identifier === 'ristretto255-SHA512')).toBe(true)
    expect(groups.flatMap((g) => g.vectors).length).toBe(8)
    expect(groups.flatMap((g) => g.vectors).filter((v) => v.Batch > 1).length).toBe(2)
  })

  for (const g of groups) {
    describe(`mode ${g.mode}`, () => {
      const keys = deriveKeyPair(g.mode, hex(g.seed), hex(g.keyInfo))
      it('DeriveKeyPair', () => {
        expect(toHex(keys.secretKey)).toBe(g.skSm)
        if (g.pkSm !== undefined) expect(toHex(keys.publicKey)).toBe(g.pkSm)
      })
      g.vectors.forEach((v, n) => {
        it(`vector ${n + 1} (batch ${v.Batch})`, () => {
          const inputs = list(v.Input)
          const blinds = list(v.Blind)
          const info = v.Info === undefined ? new Uint8Array() : hex(v.Info)
          expect(inputs.length).toBe(v.Batch)
          const blinded = inputs.map((input, i) => g.mode === MODE.poprf ? poprfBlind(input, info, keys.publicKey, blinds[i]) : blind(g.mode, input, blinds[i]))
          expect(blinded.map((b) => toHex(b.blinded)).join(',')).toBe(v.BlindedElement)
          const r = v.Proof === undefined ? undefined : hex(v.Proof.r)
          const ev = g.mode === MODE.oprf
            ? oprfBlindEvaluate(keys.secretKey, blinded.map((b) => b.blinded))
            : g.mode === MODE.voprf
            ? voprfBlindEvaluate(keys, blinded.map((b) => b.blinded), r)
            : poprfBlindEvaluate(keys.secretKey, blinded.map((b) => b.blinded), info, r)
          expect(ev.evaluated.map(toHex).join(',')).toBe(v.EvaluationElement)
          if (v.Proof !== undefined) expect(toHex(ev.proof!)).toBe(v.Proof.proof)
          const items = inputs.map((input, i) => ({ input, blind: blinds[i], blinded: blinded[i].blinded, evaluated: ev.evaluated[i] }))
          const outputs = g.mode === MODE.oprf
            ? items.map((i) => oprfFinalize(i.input, i.blind, i.evaluated))
            : g.mode === MODE.voprf
            ? voprfFinalize(keys.publicKey, items, hex(v.Proof!.proof))
            : poprfFinalize(items, info, (blinded[0] as unknown as { tweakedKey: Uint8Array }).tweakedKey, hex(v.Proof!.proof))
          expect(outputs.map(toHex).join(',')).toBe(v.Output)
          const direct = inputs.map((input) => g.mode === MODE.poprf ? poprfEvaluate(keys.secretKey, input, info) : evaluate(g.mode, keys.secretKey, input))
          expect(direct.map(toHex).join(',')).toBe(v.Output)
        })
      })
    })
  }
})

describe('against @noble/curves and tampering', () => {
  const keys = noble.voprf.generateKeyPair()
  const inputs = Array.from({ length: 5 }, (_, i) => new TextEncoder().encode(`phone:+4915112345${i}`))

  it('noble blinds, we evaluate with a batched proof, noble finalises to our Evaluate', () => {
    const blinded = inputs.map((input) => noble.voprf.blind(input))
    const ev = voprfBlindEvaluate(keys, blinded.map((b) => b.blinded))
    const out = noble.voprf.finalizeBatch(
      inputs.map((input, i) => ({ input, blind: blinded[i].blind, blinded: blinded[i].blinded, evaluated: ev.evaluated[i] })),
      keys.publicKey,
      ev.proof!
    )
    expect(out.map(toHex)).toEqual(inputs.map((input) => toHex(evaluate(MODE.voprf, keys.secretKey, input))))
  })

  it('we blind, noble evaluates, we finalise and check its proof', () => {
    const blinded = inputs.map((input) => blind(MODE.voprf, input))
    const ev = noble.voprf.blindEvaluateBatch(keys.secretKey, keys.publicKey, blinded.map((b) => Uint8Array.from(b.blinded)))
    const out = voprfFinalize(keys.publicKey, inputs.map((input, i) => ({ input, ...blinded[i], evaluated: ev.evaluated[i] })), ev.proof)
    expect(out.map(toHex)).toEqual(
      inputs.map((input) =>
        toHex(
          noble.voprf.finalizeBatch(
            [{
              input,
              blind: Uint8Array.from(blinded[inputs.indexOf(input)].blind),
              evaluated: Uint8Array.from(ev.evaluated[inputs.indexOf(input)]),
              blinded: Uint8Array.from(blinded[inputs.indexOf(input)].blinded)
            }],
            keys.publicKey,
            noble.voprf.blindEvaluate(keys.secretKey, keys.publicKey, Uint8Array.from(blinded[inputs.indexOf(input)].blinded)).proof
          )[0]
        )
      )
    )
  })

  it('refuses a tampered proof, a swapped evaluation, another key, and a non-canonical element', () => {
    const blinded = inputs.map((input) => blind(MODE.voprf, input))
    const ev = voprfBlindEvaluate(keys, blinded.map((b) => b.blinded))
    const items = inputs.map((input, i) => ({ input, ...blinded[i], evaluated: ev.evaluated[i] }))
    const badProof = Uint8Array.from(ev.proof!)
    badProof[3] ^= 1
    expect(() => voprfFinalize(keys.publicKey, items, badProof)).toThrow(GroupError)
    const swapped = items.map((it, i) => ({ ...it, evaluated: items[(i + 1) % items.length].evaluated }))
    expect(() => voprfFinalize(keys.publicKey, swapped, ev.proof!)).toThrow(GroupError)
    const other = deriveKeyPair(MODE.voprf, new Uint8Array(32).fill(7), new Uint8Array())
    const tagged = voprfBlindEvaluate(other, blinded.map((b) => b.blinded))
    expect(() => voprfFinalize(keys.publicKey, inputs.map((input, i) => ({ input, ...blinded[i], evaluated: tagged.evaluated[i] })), tagged.proof!)).toThrow(
      GroupError
    )
    expect(() => voprfBlindEvaluate(keys, [new Uint8Array(32).fill(0xff)])).toThrow(GroupError)
    expect(() => voprfBlindEvaluate(keys, [new Uint8Array(32)])).toThrow(GroupError)
  })
})
