/**
 * Multiproofs (protocol/merkle-multiproof.ts, PROTOCOL.md §22.1) against the RFC 9162 tree of
 * protocol/merkle-tree.ts: every subset verifies to the root, every truncation, extension or
 * changed hash fails, each leaf's inclusion proof read off the verifier's nodes is the RFC 9162
 * proof, and the sizes quoted in PROTOCOL.md hold.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MerkleAppender, inclusionProof, inclusionRanges, memoryNodeStore, rootAt } from '../../protocol/merkle-tree.ts'
import { leafHash } from '../../protocol/merkle.ts'
import { inclusionFromNodes, multiProof, multiProofRanges, rootFromMultiProof } from '../../protocol/merkle-multiproof.ts'

const SIZE = 300
const store = memoryNodeStore()
const hashes: Uint8Array[] = []
const log = new MerkleAppender()
for (let i = 0; i < SIZE; i++) {
  const h = leafHash(new TextEncoder().encode(`entry ${i}`))
  hashes.push(h)
  store.put(log.append(h).nodes)
}
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('multiproofs', () => {
  it('verify every set of leaves of every tree size to its root, and give each leaf its RFC 9162 proof', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: SIZE }).chain(n =>
          fc.tuple(fc.constant(n), fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: 20 }))
        ),
        async ([n, set]) => {
          const leaves = [...set].sort((a, b) => a - b)
          const proof = await multiProof(store, leaves, n)
          const check = rootFromMultiProof(n, leaves.map(index => ({ index, hash: hashes[index] })), proof)
          expect(check).toBeDefined()
          expect(hex(check!.root)).toBe(hex(await rootAt(store, n)))
          for (const m of leaves) expect(inclusionFromNodes(check!.nodes, m, n).map(hex)).toEqual((await inclusionProof(store, m, n)).map(hex))
          // One hash fewer, one more, or one changed: no longer the root.
          const leafSet = leaves.map(index => ({ index, hash: hashes[index] }))
          if (proof.length > 0) {
            expect(rootFromMultiProof(n, leafSet, proof.slice(1))).toBeUndefined()
            const changed = proof.map(h => new Uint8Array(h))
            changed[0][0] ^= 1
            expect(hex(rootFromMultiProof(n, leafSet, changed)!.root)).not.toBe(hex(check!.root))
          }
          expect(rootFromMultiProof(n, leafSet, [...proof, hashes[0]])).toBeUndefined()
        }
      ),
      { numRuns: 150 }
    )
  })

  it('refuses leaves out of order, repeated or outside the tree', () => {
    expect(() => multiProofRanges([3, 2], 10)).toThrow(RangeError)
    expect(() => multiProofRanges([2, 2], 10)).toThrow(RangeError)
    expect(() => multiProofRanges([10], 10)).toThrow(RangeError)
    expect(() => multiProofRanges([], 10)).toThrow(RangeError)
    expect(rootFromMultiProof(10, [{ index: 11, hash: hashes[0] }], [])).toBeUndefined()
  })

  it('is the RFC 9162 inclusion proof for one leaf (top-down), and small for a run of leaves: the counts PROTOCOL.md §22.1 quotes', () => {
    expect(multiProofRanges([5], 1_000_000)).toHaveLength(inclusionRanges(5, 1_000_000).length)
    const n = 1_000_000
    const run = Array.from({ length: 256 }, (_, i) => n - 1256 + i)
    expect(multiProofRanges(run, n)).toHaveLength(17)
    expect(run.reduce((a, m) => a + inclusionRanges(m, n).length, 0)).toBe(4864)
  })
})
