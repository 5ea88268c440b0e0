/**
 * RFC 9497 §3 protocol functions for ristretto255-SHA512 in the three modes: key derivation,
 * Blind, BlindEvaluate (with batched proofs for VOPRF and POPRF), Finalize and the server-side
 * Evaluate. Bytes in, bytes out; errors are `GroupError` (invalid input, a failed proof).
 *
 * Randomness: `blind` and the proof scalar `r` are fresh unless given (the known-answer tests
 * give the RFC's).
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { CONTEXT, LABEL, MODE, type Mode } from './context.ts'
import { concat, deserializeElement, GroupError, hashToGroup, hashToScalar, i2osp, isIdentity, lp, mul, mulBase, scalar, scalarIsZero, add } from './group.ts'
import { generateProof, verifyProof } from './proof.ts'

/** A server key pair: skS (32-byte scalar) and pkS = skS·G. */
export interface KeyPair {
  readonly secretKey: Uint8Array
  readonly publicKey: Uint8Array
}

/** DeriveKeyPair(seed, info) of RFC 9497 §3.2.1. */
export function deriveKeyPair (mode: Mode, seed: Uint8Array, info: Uint8Array): KeyPair {
  if (seed.length !== 32) throw new GroupError('the seed is 32 bytes')
  const deriveInput = concat(seed, lp(info))
  for (let counter = 0; counter < 256; counter++) {
    const sk = hashToScalar(concat(deriveInput, i2osp(counter, 1)), CONTEXT[mode].deriveKeyPairDst)
    if (!scalarIsZero(sk)) return { secretKey: sk, publicKey: mulBase(sk) }
  }
  throw new GroupError('DeriveKeyPairError')
}

/** The result of Blind: keep `blind` secret; send `blinded`. */
export interface Blinded {
  readonly blind: Uint8Array
  readonly blinded: Uint8Array
}

/** Blind(input) for OPRF and VOPRF (and POPRF's element part). */
export function blind (mode: Mode, input: Uint8Array, blindScalar: Uint8Array = scalar.random()): Blinded {
  const element = hashToGroup(input, CONTEXT[mode].hashToGroupDst)
  if (isIdentity(element)) throw new GroupError('InvalidInputError')
  return { blind: blindScalar, blinded: mul(blindScalar, element) }
}

/** An evaluation: one element per blinded input and a proof covering all of them (none for OPRF). */
export interface Evaluation {
  readonly evaluated: Uint8Array[]
  readonly proof: Uint8Array | null
}

/** OPRF BlindEvaluate. */
export function oprfBlindEvaluate (secretKey: Uint8Array, blinded: readonly Uint8Array[]): Evaluation {
  return { evaluated: blinded.map((b) => mul(secretKey, deserializeElement(b))), proof: null }
}

/** VOPRF BlindEvaluateBatch: evaluations with one batched DLEQ proof under pkS. */
export function voprfBlindEvaluate (keys: KeyPair, blinded: readonly Uint8Array[], r?: Uint8Array): Evaluation {
  const evaluated = blinded.map((b) => mul(keys.secretKey, deserializeElement(b)))
  return { evaluated, proof: generateProof(MODE.voprf, keys.secretKey, mulBase(oneScalar()), keys.publicKey, blinded, evaluated, r) }
}

function oneScalar (): Uint8Array {
  const one = new Uint8Array(32)
  one[0] = 1
  return one
}

/** The generator's encoding. */
export const GENERATOR = mulBase(oneScalar())

function unblind (blindScalar: Uint8Array, evaluated: Uint8Array): Uint8Array {
  return mul(scalar.invert(blindScalar), deserializeElement(evaluated))
}

function finalizeHash (input: Uint8Array, info: Uint8Array | null, unblinded: Uint8Array): Uint8Array {
  // Hash(lp(input) ‖ [lp(info)] ‖ lp(unblinded) ‖ "Finalize"), streamed into one SHA-512.
  const h = createHash('sha512').update(i2osp(input.length, 2)).update(input)
  if (info !== null) h.update(i2osp(info.length, 2)).update(info)
  const d = h.update(i2osp(unblinded.length, 2)).update(unblinded).update(LABEL.finalize).digest()
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
}

/** OPRF Finalize. */
export function oprfFinalize (input: Uint8Array, blindScalar: Uint8Array, evaluated: Uint8Array): Uint8Array {
  return finalizeHash(input, null, unblind(blindScalar, evaluated))
}

/** One item of a batch to finalise. */
export interface FinalizeItem {
  readonly input: Uint8Array
  readonly blind: Uint8Array
  readonly blinded: Uint8Array
  readonly evaluated: Uint8Array
}

/** VOPRF Finalize of a batch: checks the batched proof under pkS first; GroupError if it fails. */
export function voprfFinalize (publicKey: Uint8Array, items: readonly FinalizeItem[], proof: Uint8Array): Uint8Array[] {
  const c = items.map((i) => deserializeElement(i.blinded))
  const d = items.map((i) => deserializeElement(i.evaluated))
  if (!verifyProof(MODE.voprf, GENERATOR, deserializeElement(publicKey), c, d, proof)) throw new GroupError('VerifyError: the proof does not hold')
  return items.map((i) => finalizeHash(i.input, null, unblind(i.blind, i.evaluated)))
}

/** Evaluate(skS, input) for OPRF and VOPRF: the output without the interaction (the index). */
export function evaluate (mode: Mode, secretKey: Uint8Array, input: Uint8Array): Uint8Array {
  const element = hashToGroup(input, CONTEXT[mode].hashToGroupDst)
  if (isIdentity(element)) throw new GroupError('InvalidInputError')
  return finalizeHash(input, null, mul(secretKey, element))
}

function infoScalar (info: Uint8Array): Uint8Array {
  return hashToScalar(concat(LABEL.info, lp(info)), CONTEXT[MODE.poprf].hashToScalarDst)
}

/** POPRF Blind: also returns the tweaked key T = m·G + pkS the client checks proofs against. */
export function poprfBlind (input: Uint8Array, info: Uint8Array, publicKey: Uint8Array, blindScalar?: Uint8Array): Blinded & { tweakedKey: Uint8Array } {
  const tweakedKey = add(mulBase(infoScalar(info)), deserializeElement(publicKey))
  if (isIdentity(tweakedKey)) throw new GroupError('InvalidInputError')
  return { ...blind(MODE.poprf, input, blindScalar), tweakedKey }
}

/** POPRF BlindEvaluateBatch. */
export function poprfBlindEvaluate (secretKey: Uint8Array, blinded: readonly Uint8Array[], info: Uint8Array, r?: Uint8Array): Evaluation {
  const t = scalar.add(secretKey, infoScalar(info))
  if (scalarIsZero(t)) throw new GroupError('InverseError')
  const inverse = scalar.invert(t)
  const evaluated = blinded.map((b) => mul(inverse, deserializeElement(b)))
  return { evaluated, proof: generateProof(MODE.poprf, t, GENERATOR, mulBase(t), evaluated, blinded, r) }
}

/** POPRF Finalize of a batch: checks the proof under the tweaked key; GroupError if it fails. */
export function poprfFinalize (items: readonly FinalizeItem[], info: Uint8Array, tweakedKey: Uint8Array, proof: Uint8Array): Uint8Array[] {
  const c = items.map((i) => deserializeElement(i.evaluated))
  const d = items.map((i) => deserializeElement(i.blinded))
  if (!verifyProof(MODE.poprf, GENERATOR, deserializeElement(tweakedKey), c, d, proof)) throw new GroupError('VerifyError: the proof does not hold')
  return items.map((i) => finalizeHash(i.input, info, unblind(i.blind, i.evaluated)))
}

/** POPRF Evaluate(skS, input, info). */
export function poprfEvaluate (secretKey: Uint8Array, input: Uint8Array, info: Uint8Array): Uint8Array {
  const t = scalar.add(secretKey, infoScalar(info))
  if (scalarIsZero(t)) throw new GroupError('InverseError')
  const element = hashToGroup(input, CONTEXT[MODE.poprf].hashToGroupDst)
  if (isIdentity(element)) throw new GroupError('InvalidInputError')
  return finalizeHash(input, info, mul(scalar.invert(t), element))
}
