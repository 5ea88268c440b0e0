/**
 * Multi-leaf inclusion proofs over an RFC 9162 tree: one proof that a set of leaves (a batch's
 * leaves, usually consecutive) is in the tree of size n, as used by batch receipts (PROTOCOL.md
 * §22). RFC 9162 defines proofs for one leaf; a batch of k leaves would need k of them (k·log n
 * hashes, most of them repeated). This proof is the set of hashes a verifier cannot compute from
 * the leaves it holds, in a fixed order, so it needs about 2·log n hashes for a run of
 * consecutive leaves whatever k is.
 *
 * The recursion is RFC 9162's own (split at k, the largest power of two below the range size):
 *
 * ```
 * MULTIPROOF(L, D[lo:hi]):
 *   L ∩ [lo, hi) empty        → [ MTH(D[lo:hi]) ]
 *   hi − lo = 1               → [ ]                      (a leaf of L: the verifier has its hash)
 *   otherwise, k = split      → MULTIPROOF(L, D[lo:lo+k]) ‖ MULTIPROOF(L, D[lo+k:hi])
 * ```
 *
 * starting from D[0:n]: a left-to-right, depth-first list. The verifier runs the same recursion,
 * taking the next proof hash where the first rule applies, the leaf hash where the second does,
 * and SHA-256(0x01 ‖ left ‖ right) otherwise; the proof holds iff every hash is used exactly once
 * and the result is the signed root. For one leaf it holds the same hashes as the RFC 9162
 * inclusion proof, top-down instead of bottom-up.
 *
 * While verifying, every node hash met is kept (`MultiProofCheck.nodes`), so that the ordinary
 * RFC 9162 inclusion proof of any one leaf of the set can then be read off without hashing
 * (`inclusionFromNodes`): that is what a sender stores and exports as evidence for one message.
 *
 * @module
 */
import { nodeHash } from './merkle.ts'
import { inclusionRanges, rangeHashes, type LeafRange, type NodeStore } from './merkle-tree.ts'

/** The largest power of two strictly below n (n ≥ 2). */
function split (n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

function checkLeaves (leaves: readonly number[], treeSize: number): void {
  if (!Number.isSafeInteger(treeSize) || treeSize < 1) throw new RangeError('treeSize must be a positive integer')
  if (leaves.length === 0) throw new RangeError('a multiproof needs at least one leaf')
  for (let i = 0; i < leaves.length; i++) {
    const m = leaves[i]
    if (!Number.isSafeInteger(m) || m < 0 || m >= treeSize) throw new RangeError(`leaf ${String(m)} is not in a tree of ${treeSize}`)
    if (i > 0 && m <= leaves[i - 1]) throw new RangeError('leaves must be strictly increasing')
  }
}

/** The subtrees whose hashes make the proof, in proof order. `leaves` strictly increasing. */
export function multiProofRanges (leaves: readonly number[], treeSize: number): LeafRange[] {
  checkLeaves(leaves, treeSize)
  const out: LeafRange[] = []
  // i: index into `leaves` of the first leaf ≥ lo.
  const walk = (lo: number, hi: number, i: number): number => {
    let j = i
    while (j < leaves.length && leaves[j] < hi) j++
    if (j === i) {
      out.push({ start: lo, size: hi - lo })
      return j
    }
    if (hi - lo === 1) return j
    const mid = lo + split(hi - lo)
    const m = walk(lo, mid, i)
    return walk(mid, hi, m)
  }
  walk(0, treeSize, 0)
  return out
}

/** The multiproof of `leaves` in the tree of `treeSize`, read from `store`. */
export async function multiProof (store: NodeStore, leaves: readonly number[], treeSize: number): Promise<Uint8Array[]> {
  return await rangeHashes(store, multiProofRanges(leaves, treeSize))
}

export interface MultiProofCheck {
  root: Uint8Array
  /** Every node hash met, keyed `start/size`: enough for the inclusion proof of any leaf of the set. */
  nodes: Map<string, Uint8Array>
}

/**
 * The root a multiproof implies for `leaves` (index → leaf hash, indices strictly increasing), or
 * undefined when the proof does not fit the leaves and size (too few or too many hashes).
 */
export function rootFromMultiProof (
  treeSize: number,
  leaves: ReadonlyArray<{ index: number, hash: Uint8Array }>,
  proof: readonly Uint8Array[]
): MultiProofCheck | undefined {
  try {
    checkLeaves(leaves.map(l => l.index), treeSize)
  } catch {
    return undefined
  }
  const nodes = new Map<string, Uint8Array>()
  let p = 0
  let failed = false
  const walk = (lo: number, hi: number, i: number): [Uint8Array, number] => {
    let j = i
    while (j < leaves.length && leaves[j].index < hi) j++
    let h: Uint8Array
    if (j === i) {
      if (p >= proof.length) {
        failed = true
        return [new Uint8Array(32), j]
      }
      h = proof[p++]
    } else if (hi - lo === 1) {
      h = leaves[i].hash
    } else {
      const mid = lo + split(hi - lo)
      const [left, m] = walk(lo, mid, i)
      const [right] = walk(mid, hi, m)
      h = nodeHash(left, right)
    }
    nodes.set(`${lo}/${hi - lo}`, h)
    return [h, j]
  }
  const [root] = walk(0, treeSize, 0)
  if (failed || p !== proof.length || proof.some(x => x.length !== 32)) return undefined
  return { root, nodes }
}

/** The RFC 9162 inclusion proof (bottom-up) of `leafIndex`, from the nodes a multiproof check met. */
export function inclusionFromNodes (nodes: ReadonlyMap<string, Uint8Array>, leafIndex: number, treeSize: number): Uint8Array[] {
  return inclusionRanges(leafIndex, treeSize).map(r => {
    const h = nodes.get(`${r.start}/${r.size}`)
    if (h === undefined) throw new RangeError(`leaf ${leafIndex} was not among the leaves of the multiproof`)
    return h
  })
}
