import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ProtocolError } from '../../protocol/errors.ts'
import { emptyRoot, leafHash, nodeHash, verifyConsistency, verifyInclusion } from '../../protocol/merkle.ts'
import {
  MerkleAppender,
  appendLeaf,
  consistencyProof,
  frontierFromStore,
  inclusionProof,
  memoryNodeStore,
  rootAt
} from '../../protocol/merkle-tree.ts'
import type { MemoryNodeStore } from '../../protocol/merkle-tree.ts'

// Naive RFC 9162 §2.1 definitions, written straight from the text, over an array of leaf hashes.
// MTH is memoised per (array, range) so checking every (i, n) pair of a 300-leaf tree stays fast.
function split (n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

const mthCache = new WeakMap<Uint8Array[], Map<string, Uint8Array>>()

function mthRange (leaves: Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start
  if (n === 0) return emptyRoot()
  if (n === 1) return leaves[start]
  let cache = mthCache.get(leaves)
  if (cache === undefined) mthCache.set(leaves, cache = new Map())
  const key = `${start}:${end}`
  let hash = cache.get(key)
  if (hash === undefined) {
    const k = split(n)
    hash = nodeHash(mthRange(leaves, start, start + k), mthRange(leaves, start + k, end))
    cache.set(key, hash)
  }
  return hash
}

const mth = (leaves: Uint8Array[]): Uint8Array => mthRange(leaves, 0, leaves.length)

/** PATH(m, D[start:end]). */
function path (m: number, leaves: Uint8Array[], start = 0, end = leaves.length): Uint8Array[] {
  if (end - start === 1) return []
  const k = split(end - start)
  return m < k
    ? [...path(m, leaves, start, start + k), mthRange(leaves, start + k, end)]
    : [...path(m - k, leaves, start + k, end), mthRange(leaves, start, start + k)]
}

/** SUBPROOF(m, D[start:end], b). */
function subproof (m: number, leaves: Uint8Array[], b: boolean, start = 0, end = leaves.length): Uint8Array[] {
  const n = end - start
  if (m === n) return b ? [] : [mthRange(leaves, start, end)]
  const k = split(n)
  return m <= k
    ? [...subproof(m, leaves, b, start, start + k), mthRange(leaves, start + k, end)]
    : [...subproof(m - k, leaves, false, start + k, end), mthRange(leaves, start, start + k)]
}

/** Deterministic leaf hashes: a seeded xorshift picks each entry's bytes. */
function seededLeaves (count: number, seed: number): Uint8Array[] {
  let x = seed >>> 0 || 1
  return Array.from({ length: count }, () => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return leafHash(new TextEncoder().encode(`entry ${x}`))
  })
}

function build (leaves: Uint8Array[]): { store: MemoryNodeStore, log: MerkleAppender } {
  const store = memoryNodeStore()
  const log = new MerkleAppender()
  for (const leaf of leaves) store.put(log.append(leaf).nodes)
  return { store, log }
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const hexAll = (list: Uint8Array[]): string[] => list.map(hex)
const sameList = (a: Uint8Array[], b: Uint8Array[]): boolean => a.length === b.length && a.every((x, i) => Buffer.compare(x, b[i]) === 0)
const log2ceil = (n: number): number => Math.ceil(Math.log2(n))

describe('MerkleAppender', () => {
  it('has the empty root before any append', () => {
    expect(hex(new MerkleAppender().root())).toBe(hex(emptyRoot()))
  })

  it('matches the naive MTH after every append up to 300 leaves', () => {
    const leaves = seededLeaves(300, 7)
    const log = new MerkleAppender()
    leaves.forEach((leaf, i) => {
      log.append(leaf)
      expect(hex(log.root())).toBe(hex(mth(leaves.slice(0, i + 1))))
    })
  })

  it('returns the leaf and every node it completes, each covering the right leaves', () => {
    const leaves = seededLeaves(64, 3)
    const log = new MerkleAppender()
    for (let i = 0; i < leaves.length; i++) {
      const { nodes } = log.append(leaves[i])
      let expectedLevels = 1
      for (let v = i; v % 2 === 1; v = (v - 1) / 2) expectedLevels++
      expect(nodes.length).toBe(expectedLevels)
      for (const node of nodes) {
        const width = 2 ** node.level
        expect(hex(node.hash)).toBe(hex(mth(leaves.slice(node.index * width, (node.index + 1) * width))))
      }
    }
  })

  it('appendLeaf leaves its inputs untouched', () => {
    const [a, b] = seededLeaves(2, 9)
    const frontier = [a]
    const result = appendLeaf(1, frontier, b)
    expect(frontier).toEqual([a])
    expect(result.size).toBe(2)
    expect(hexAll(result.frontier)).toEqual([hex(nodeHash(a, b))])
  })

  it('rejects a frontier that does not fit the size, and a leaf that is not 32 bytes', () => {
    const [a] = seededLeaves(1, 1)
    expect(() => new MerkleAppender(3, [a])).toThrow(TypeError)
    expect(() => new MerkleAppender().append(new Uint8Array(31))).toThrow(TypeError)
    expect(() => new MerkleAppender(-1, [])).toThrow(RangeError)
  })

  it('resumes from frontierFromStore at every size with the same nodes and roots', async () => {
    const leaves = seededLeaves(40, 11)
    const { store } = build(leaves)
    for (let size = 0; size < leaves.length; size++) {
      const resumed = new MerkleAppender(size, await frontierFromStore(store, size))
      expect(hex(resumed.root())).toBe(hex(mth(leaves.slice(0, size))))
      const { nodes } = resumed.append(leaves[size])
      expect(hex(resumed.root())).toBe(hex(mth(leaves.slice(0, size + 1))))
      expect(hex(nodes[nodes.length - 1].hash)).toBe(hex((await frontierFromStore(store, size + 1)).at(-1) as Uint8Array))
    }
  })
})

describe('proofs and roots for every past size of a 300-leaf tree', () => {
  const N = 300
  const leaves = seededLeaves(N, 42)
  const { store } = build(leaves)

  it('rootAt equals the naive MTH for every size 0..300', async () => {
    for (let n = 0; n <= N; n++) expect(hex(await rootAt(store, n))).toBe(hex(mth(leaves.slice(0, n))))
  })

  // Failures are collected and asserted once: 45,150 pairs each, and expect() per pair is slow.
  it('inclusionProof equals the RFC PATH, verifies, and has at most ceil(log2 n) hashes for all (i, n)', async () => {
    const failures: string[] = []
    for (let n = 1; n <= N; n++) {
      const root = mthRange(leaves, 0, n)
      for (let i = 0; i < n; i++) {
        const proof = await inclusionProof(store, i, n)
        if (proof.length > log2ceil(n)) failures.push(`(${i}, ${n}): length ${proof.length}`)
        if (!sameList(proof, path(i, leaves, 0, n))) failures.push(`(${i}, ${n}): differs from PATH`)
        if (!verifyInclusion(i, n, leaves[i], proof, root)) failures.push(`(${i}, ${n}): does not verify`)
      }
    }
    expect(failures).toEqual([])
  })

  it('consistencyProof equals the RFC PROOF, verifies, and has at most ceil(log2 n) + 1 hashes for all (m, n)', async () => {
    const roots = Array.from({ length: N + 1 }, (_, n) => mthRange(leaves, 0, n))
    const failures: string[] = []
    for (let n = 1; n <= N; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = await consistencyProof(store, m, n)
        const expected = m < n ? subproof(m, leaves, true, 0, n) : []
        if (proof.length > log2ceil(n) + 1) failures.push(`(${m}, ${n}): length ${proof.length}`)
        if (!sameList(proof, expected)) failures.push(`(${m}, ${n}): differs from PROOF`)
        if (!verifyConsistency(m, n, proof, roots[m], roots[n])) failures.push(`(${m}, ${n}): does not verify`)
      }
    }
    expect(failures).toEqual([])
  })

  it('a proof for one size does not verify against a neighbouring size', async () => {
    const proof = await inclusionProof(store, 5, 200)
    expect(verifyInclusion(5, 201, leaves[5], proof, mth(leaves.slice(0, 201)))).toBe(false)
    const cproof = await consistencyProof(store, 100, 200)
    expect(verifyConsistency(101, 200, cproof, mth(leaves.slice(0, 101)), mth(leaves.slice(0, 200)))).toBe(false)
  })
})

describe('proof properties on random trees', () => {
  it('proofs from random trees verify and roots match the naive MTH', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 300 }),
        fc.integer(),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        async (n, seed, a, b, c) => {
          const leaves = seededLeaves(n, seed)
          const { store, log } = build(leaves)
          const size = 1 + (a % n)
          const index = b % size
          const size1 = 1 + (c % size)
          expect(hex(log.root())).toBe(hex(mth(leaves)))
          const root = await rootAt(store, size)
          expect(hex(root)).toBe(hex(mth(leaves.slice(0, size))))
          expect(verifyInclusion(index, size, leaves[index], await inclusionProof(store, index, size), root)).toBe(true)
          expect(verifyConsistency(size1, size, await consistencyProof(store, size1, size), await rootAt(store, size1), root)).toBe(true)
        }
      ),
      { numRuns: 200, seed: 20240611 }
    )
  })
})

describe('read cost', () => {
  it('reads O(log n) nodes per proof in a 100,000-leaf tree', async () => {
    const n = 100_000
    const store = memoryNodeStore()
    const log = new MerkleAppender()
    for (let i = 0; i < n; i++) store.put(log.append(leafHash(new Uint8Array([i & 0xff, (i >> 8) & 0xff, i >> 16]))).nodes)
    const bound = 2 * log2ceil(n) + 1
    for (const [i, size] of [[0, n], [n - 1, n], [12_345, 99_999], [65_535, 65_537], [77_777, 88_888]]) {
      const before = store.reads
      const proof = await inclusionProof(store, i, size)
      expect(store.reads - before).toBeLessThanOrEqual(bound)
      expect(verifyInclusion(i, size, (await store.get(0, i)) as Uint8Array, proof, await rootAt(store, size))).toBe(true)
    }
    for (const [m, size] of [[1, n], [n - 1, n], [12_345, 99_999], [65_536, 65_537], [77_777, 88_888]]) {
      const before = store.reads
      const proof = await consistencyProof(store, m, size)
      expect(store.reads - before).toBeLessThanOrEqual(bound)
      expect(verifyConsistency(m, size, proof, await rootAt(store, m), await rootAt(store, size))).toBe(true)
    }
    expect(hex(await rootAt(store, n))).toBe(hex(log.root()))
  })
})

describe('arguments and missing nodes', () => {
  const leaves = seededLeaves(10, 5)
  const { store } = build(leaves)

  it('throws RangeError for an index outside the tree or sizes out of order', async () => {
    await expect(inclusionProof(store, 10, 10)).rejects.toThrow(RangeError)
    await expect(inclusionProof(store, 0, 0)).rejects.toThrow(RangeError)
    await expect(consistencyProof(store, 0, 5)).rejects.toThrow(RangeError)
    await expect(consistencyProof(store, 6, 5)).rejects.toThrow(RangeError)
    await expect(rootAt(store, -1)).rejects.toThrow(RangeError)
  })

  it('returns an empty consistency proof for equal sizes', async () => {
    expect(await consistencyProof(store, 4, 4)).toEqual([])
  })

  it('throws INTERNAL when asked about a size the store has not reached', async () => {
    const err = await rootAt(store, 11).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProtocolError)
    expect((err as ProtocolError).code).toBe('INTERNAL')
  })

  it('works with a store that has only get()', async () => {
    const plain = { get: store.get }
    const proof = await inclusionProof(plain, 3, 10)
    expect(verifyInclusion(3, 10, leaves[3], proof, mth(leaves))).toBe(true)
  })
})
