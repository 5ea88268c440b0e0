/**
 * RFC 9497 OPRF, VOPRF and POPRF with the suite ristretto255-SHA512: libsodium's ristretto255
 * group, our RFC 9497 framing, pinned to every RFC 9497 vector of the suite. Liaison's
 * hit/no-hit queries use VOPRF (mode 1) with batched proofs.
 *
 * @example
 * ```ts
 * const keys = deriveKeyPair(MODE.voprf, seed, info)
 * const b = blind(MODE.voprf, input)                           // asking node
 * const ev = voprfBlindEvaluate(keys, [b.blinded])              // answering node
 * const [out] = voprfFinalize(keys.publicKey, [{ input, ...b, evaluated: ev.evaluated[0] }], ev.proof!)
 * // out equals evaluate(MODE.voprf, keys.secretKey, input)
 * ```
 *
 * @module
 */
export { MODE, SUITE_ID, type Mode } from './context.ts'
export { GroupError, NE, NS, NH, deserializeElement } from './group.ts'
export { PROOF_BYTES, generateProof, verifyProof } from './proof.ts'
export { evaluateMany } from './evaluate-many.ts'
export {
  type KeyPair,
  type Blinded,
  type Evaluation,
  type FinalizeItem,
  GENERATOR,
  deriveKeyPair,
  blind,
  oprfBlindEvaluate,
  voprfBlindEvaluate,
  oprfFinalize,
  voprfFinalize,
  evaluate,
  poprfBlind,
  poprfBlindEvaluate,
  poprfFinalize,
  poprfEvaluate
} from './modes.ts'
