/**
 * RFC 9497 §2.2 DLEQ proofs, batched: `generateProof` (with ComputeCompositesFast) and
 * `verifyProof` (ComputeComposites). A proof is c ‖ s (64 bytes) showing that the same scalar k
 * takes A to B and every C[i] to D[i] — for VOPRF, that each evaluation used the key whose public
 * part is B = k·G.
 *
 * @module
 */
import { CONTEXT, LABEL, type Mode } from './context.ts'
import { add, concat, deserializeScalar, equalBytes, GroupError, hash, hashToScalar, i2osp, lp, mul, NS, scalar } from './group.ts'

/** Proof size: two scalars. */
export const PROOF_BYTES = 2 * NS

function compositeScalars (mode: Mode, b: Uint8Array, c: readonly Uint8Array[], d: readonly Uint8Array[]): Uint8Array[] {
  if (c.length !== d.length || c.length === 0) throw new GroupError('a proof covers one or more (C, D) pairs of equal count')
  if (c.length > 0xffff) throw new GroupError('a batch holds at most 65,535 elements')
  const ctx = CONTEXT[mode]
  const seed = hash(concat(lp(b), lp(ctx.seedDst)))
  const out: Uint8Array[] = []
  for (let i = 0; i < c.length; i++) {
    out.push(hashToScalar(concat(lp(seed), i2osp(i, 2), lp(c[i]), lp(d[i]), LABEL.composite), ctx.hashToScalarDst))
  }
  return out
}

function sumOfProducts (scalars: readonly Uint8Array[], points: readonly Uint8Array[]): Uint8Array {
  let acc = mul(scalars[0], points[0])
  for (let i = 1; i < points.length; i++) acc = add(acc, mul(scalars[i], points[i]))
  return acc
}

function challenge (mode: Mode, b: Uint8Array, m: Uint8Array, z: Uint8Array, t2: Uint8Array, t3: Uint8Array): Uint8Array {
  return hashToScalar(concat(lp(b), lp(m), lp(z), lp(t2), lp(t3), LABEL.challenge), CONTEXT[mode].hashToScalarDst)
}

/**
 * GenerateProof(k, A, B, C, D). `r` is the proof's random scalar (tests pass the RFC's; callers
 * leave it out for a fresh one).
 */
export function generateProof (
  mode: Mode,
  k: Uint8Array,
  a: Uint8Array,
  b: Uint8Array,
  c: readonly Uint8Array[],
  d: readonly Uint8Array[],
  r: Uint8Array = scalar.random()
): Uint8Array {
  const m = sumOfProducts(compositeScalars(mode, b, c, d), c)
  const z = mul(k, m)
  const t2 = mul(r, a)
  const t3 = mul(r, m)
  const ch = challenge(mode, b, m, z, t2, t3)
  const s = scalar.sub(r, scalar.mul(ch, k))
  return concat(ch, s)
}

/** VerifyProof(A, B, C, D, proof): true if the proof holds. Malformed input is false. */
export function verifyProof (mode: Mode, a: Uint8Array, b: Uint8Array, c: readonly Uint8Array[], d: readonly Uint8Array[], proof: Uint8Array): boolean {
  try {
    if (proof.length !== PROOF_BYTES) return false
    const ch = deserializeScalar(proof.subarray(0, NS))
    const s = deserializeScalar(proof.subarray(NS))
    const di = compositeScalars(mode, b, c, d)
    const m = sumOfProducts(di, c)
    const z = sumOfProducts(di, d)
    const t2 = add(mul(s, a), mul(ch, b))
    const t3 = add(mul(s, m), mul(ch, z))
    return equalBytes(challenge(mode, b, m, z, t2, t3), ch)
  } catch {
    return false
  }
}
