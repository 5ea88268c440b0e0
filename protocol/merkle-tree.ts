/**
 * An append-only RFC 9162 Merkle tree kept as stored node hashes, with roots and proofs for any
 * past tree size.
 *
 * Storage model: the store holds the hash of every COMPLETE perfect subtree, addressed by
 * `(level, index)`; level 0 is the leaf hashes, and node `(level, index)` covers leaves
 * `[index·2^level, (index+1)·2^level)`. A complete node never changes once written, so a store
 * filled up to size N answers for every size n ≤ N.
 *
 * Every node the RFC 9162 recursion visits at size n is either a perfect subtree (one read) or
 * lies on the right edge of the tree of size n; a right-edge node is rebuilt from the perfect
 * subtrees its size decomposes into (one read per set bit). An inclusion or consistency proof
 * touches at most one right-edge node, so a proof costs O(log n) reads, issued together (and in
 * one `getMany` call when the store has it), and O(log n) hashing.
 *
 * Appending needs only the "frontier": the hashes of the perfect subtrees along the right edge,
 * one per set bit of the size, largest (leftmost) first. `MerkleAppender` turns one leaf hash
 * into the nodes to persist (the leaf plus every node it completes) and the next frontier; the
 * root is the right fold of the frontier. After a restart, `frontierFromStore` reads it back.
 *
 * Indexes and sizes are numbers up to 2^53 − 1. Out-of-range arguments are caller bugs and throw
 * RangeError; a node missing from the store throws `ProtocolError('INTERNAL')`.
 *
 * @example
 * ```ts
 * const store = memoryNodeStore()
 * const log = new MerkleAppender()
 * for (const entry of entries) store.put(log.append(leafHash(entry)).nodes)
 * const proof = await inclusionProof(store, 3, log.size)
 * verifyInclusion(3, log.size, leafHash(entries[3]), proof, log.root()) // true
 * ```
 *
 * @module
 */
import { ProtocolError } from './errors.ts'
import { HASH_BYTES, emptyRoot, nodeHash } from './merkle.ts'

/** The address of a complete perfect subtree: it covers leaves [index·2^level, (index+1)·2^level). */
export interface NodeRef {
  level: number
  index: number
}

/** A node to persist. */
export interface MerkleNode extends NodeRef {
  hash: Uint8Array
}

/** Read access to the hashes of complete perfect subtrees. */
export interface NodeStore {
  get(level: number, index: number): Promise<Uint8Array | undefined>
  /** Optional batch read; answers in the order asked. Used instead of `get` when present. */
  getMany?: (refs: readonly NodeRef[]) => Promise<Array<Uint8Array | undefined>>
}

/** What one append produced: nodes to persist (leaf first, then upward) and the new state. */
export interface AppendResult {
  nodes: MerkleNode[]
  size: number
  frontier: Uint8Array[]
}

/** Leaves [start, start + size) of the tree, a node of the RFC 9162 recursion. */
export interface LeafRange {
  start: number
  size: number
}

function assertSize (value: number, field: string, min = 0): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${field} must be an integer in [${min}, 2^53 - 1], got ${String(value)}`)
  }
}

/** Number of set bits of a safe integer. */
function popcount (value: number): number {
  let count = 0
  for (let v = value; v > 0; v = Math.floor(v / 2)) count += v % 2
  return count
}

/** The largest power of two strictly less than n (n ≥ 2): the RFC's split point k. */
function splitPoint (n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/**
 * The perfect subtrees whose right fold is MTH of `range`, largest first: one per set bit of
 * range.size. `range.start` must be a multiple of the largest of them, which holds for every
 * node of the RFC 9162 recursion.
 */
export function perfectSubtrees (range: LeafRange): NodeRef[] {
  const refs: NodeRef[] = []
  let width = 1
  let level = 0
  while (width * 2 <= range.size) {
    width *= 2
    level++
  }
  let pos = range.start
  let rest = range.size
  for (; level >= 0; level--, width /= 2) {
    if (rest >= width) {
      refs.push({ level, index: pos / width })
      pos += width
      rest -= width
    }
  }
  return refs
}

/** Right fold: MTH of a range from its perfect subtrees (largest first). */
function foldRight (hashes: readonly Uint8Array[]): Uint8Array {
  let root = hashes[hashes.length - 1]
  for (let i = hashes.length - 2; i >= 0; i--) root = nodeHash(hashes[i], root)
  return root
}

/** RFC 9162 §2.1.3.1 PATH(m, D[0:n]) as ranges, bottom-up (the order of the proof). */
export function inclusionRanges (leafIndex: number, treeSize: number): LeafRange[] {
  const siblings: LeafRange[] = []
  let start = 0
  let size = treeSize
  let m = leafIndex
  while (size > 1) {
    const k = splitPoint(size)
    if (m < k) {
      siblings.push({ start: start + k, size: size - k })
      size = k
    } else {
      siblings.push({ start, size: k })
      start += k
      m -= k
      size -= k
    }
  }
  return siblings.reverse()
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true) as ranges, 0 < m < n. */
function consistencyRanges (size1: number, size2: number): LeafRange[] {
  const siblings: LeafRange[] = []
  let start = 0
  let size = size2
  let m = size1
  let startsAtOrigin = true
  while (m !== size) {
    const k = splitPoint(size)
    if (m <= k) {
      siblings.push({ start: start + k, size: size - k })
      size = k
    } else {
      siblings.push({ start, size: k })
      start += k
      m -= k
      size -= k
      startsAtOrigin = false
    }
  }
  siblings.reverse()
  // SUBPROOF(m, D[m], false) = [MTH(D[m])]; with b = true the verifier already has that hash.
  return startsAtOrigin ? siblings : [{ start, size }, ...siblings]
}

async function readNodes (store: NodeStore, refs: readonly NodeRef[]): Promise<Map<string, Uint8Array>> {
  const unique = new Map<string, NodeRef>()
  for (const ref of refs) unique.set(`${ref.level}/${ref.index}`, ref)
  const wanted = [...unique.values()]
  const hashes = store.getMany !== undefined
    ? await store.getMany(wanted)
    : await Promise.all(wanted.map(async (ref) => await store.get(ref.level, ref.index)))
  const found = new Map<string, Uint8Array>()
  wanted.forEach((ref, i) => {
    const hash = hashes[i]
    if (hash === undefined) {
      throw new ProtocolError('INTERNAL', `merkle node level=${ref.level} index=${ref.index} is missing from the store`)
    }
    found.set(`${ref.level}/${ref.index}`, hash)
  })
  return found
}

/** MTH of each range, reading every perfect subtree once. */
export async function rangeHashes (store: NodeStore, ranges: readonly LeafRange[]): Promise<Uint8Array[]> {
  const plans = ranges.map(perfectSubtrees)
  const nodes = await readNodes(store, plans.flat())
  return plans.map((refs) => foldRight(refs.map((ref) => nodes.get(`${ref.level}/${ref.index}`) as Uint8Array)))
}

/** RFC 9162 inclusion proof for `leafIndex` in the tree of `treeSize` (a size the store has reached). */
export async function inclusionProof (store: NodeStore, leafIndex: number, treeSize: number): Promise<Uint8Array[]> {
  assertSize(treeSize, 'treeSize', 1)
  assertSize(leafIndex, 'leafIndex')
  if (leafIndex >= treeSize) throw new RangeError(`leafIndex ${leafIndex} is not below treeSize ${treeSize}`)
  return await rangeHashes(store, inclusionRanges(leafIndex, treeSize))
}

/** RFC 9162 consistency proof from `size1` to `size2`, 0 < size1 ≤ size2 (empty when equal). */
export async function consistencyProof (store: NodeStore, size1: number, size2: number): Promise<Uint8Array[]> {
  assertSize(size1, 'size1', 1)
  assertSize(size2, 'size2', 1)
  if (size1 > size2) throw new RangeError(`size1 ${size1} is above size2 ${size2}`)
  if (size1 === size2) return []
  return await rangeHashes(store, consistencyRanges(size1, size2))
}

/** The root of the tree of `treeSize` leaves (the empty root for 0). */
export async function rootAt (store: NodeStore, treeSize: number): Promise<Uint8Array> {
  assertSize(treeSize, 'treeSize')
  if (treeSize === 0) return emptyRoot()
  const [root] = await rangeHashes(store, [{ start: 0, size: treeSize }])
  return root
}

/** The frontier of the tree of `size` leaves, read back from the store (e.g. after a restart). */
export async function frontierFromStore (store: NodeStore, size: number): Promise<Uint8Array[]> {
  assertSize(size, 'size')
  const refs = perfectSubtrees({ start: 0, size })
  const nodes = await readNodes(store, refs)
  return refs.map((ref) => nodes.get(`${ref.level}/${ref.index}`) as Uint8Array)
}

/**
 * Append one leaf hash to the tree of `size` leaves with `frontier`; pure (inputs are not
 * modified). The leaf joins the frontier, then merges with its left neighbour for every
 * trailing 1 bit of `size`, completing one node per merge.
 */
export function appendLeaf (size: number, frontier: readonly Uint8Array[], leaf: Uint8Array): AppendResult {
  assertFrontier(size, frontier)
  if (!(leaf instanceof Uint8Array) || leaf.length !== HASH_BYTES) {
    throw new TypeError(`leaf must be a ${HASH_BYTES}-byte Uint8Array`)
  }
  if (size >= Number.MAX_SAFE_INTEGER) throw new RangeError('the tree is full (2^53 - 1 leaves)')
  const next = frontier.slice()
  const nodes: MerkleNode[] = [{ level: 0, index: size, hash: leaf }]
  let hash = leaf
  let index = size
  let level = 0
  while (index % 2 === 1) {
    hash = nodeHash(next.pop() as Uint8Array, hash)
    index = (index - 1) / 2
    level++
    nodes.push({ level, index, hash })
  }
  next.push(hash)
  return { nodes, size: size + 1, frontier: next }
}

function assertFrontier (size: number, frontier: readonly Uint8Array[]): void {
  assertSize(size, 'size')
  if (!Array.isArray(frontier) || frontier.length !== popcount(size)) {
    throw new TypeError(`frontier must hold ${popcount(size)} hashes for size ${size}`)
  }
  frontier.forEach((hash, i) => {
    if (!(hash instanceof Uint8Array) || hash.length !== HASH_BYTES) {
      throw new TypeError(`frontier[${i}] must be a ${HASH_BYTES}-byte Uint8Array`)
    }
  })
}

/** The running state of an append-only tree: size and frontier, O(log n) memory. */
export class MerkleAppender {
  #size: number
  #frontier: Uint8Array[]

  constructor (size = 0, frontier: readonly Uint8Array[] = []) {
    assertFrontier(size, frontier)
    this.#size = size
    this.#frontier = frontier.slice()
  }

  get size (): number {
    return this.#size
  }

  /** A copy of the frontier, largest subtree first. */
  get frontier (): Uint8Array[] {
    return this.#frontier.slice()
  }

  /**
   * Append a leaf hash and return the nodes to persist. The appender moves on at once; if
   * persisting fails, rebuild it with `frontierFromStore` (or use the pure `appendLeaf`).
   */
  append (leaf: Uint8Array): AppendResult {
    const result = appendLeaf(this.#size, this.#frontier, leaf)
    this.#size = result.size
    this.#frontier = result.frontier
    return { nodes: result.nodes, size: result.size, frontier: result.frontier.slice() }
  }

  /** RFC 9162 MTH of the current tree. */
  root (): Uint8Array {
    return this.#size === 0 ? emptyRoot() : foldRight(this.#frontier)
  }
}

/** An in-memory NodeStore (for tests and tools), with a read counter. */
export interface MemoryNodeStore extends NodeStore {
  put(nodes: readonly MerkleNode[]): void
  /** Node reads served so far (each ref of a getMany counts once). */
  readonly reads: number
}

/**
 * An in-memory NodeStore. Hashes are copied into one growing slab per level (32 bytes per node),
 * so a million-leaf tree costs about 64 MB rather than one heap object per node.
 */
export function memoryNodeStore (): MemoryNodeStore {
  const slabs: Uint8Array[] = []
  const counts: number[] = []
  let reads = 0
  const read = (level: number, index: number): Uint8Array | undefined => {
    reads++
    if (!(index < (counts[level] ?? 0))) return undefined
    const hash = slabs[level].subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES)
    // An all-zero slot is a hole nobody wrote (only possible when tests put nodes out of order).
    return hash.some((byte) => byte !== 0) ? hash : undefined
  }
  const write = ({ level, index, hash }: MerkleNode): void => {
    if (hash.length !== HASH_BYTES) throw new TypeError(`node hash must be ${HASH_BYTES} bytes`)
    let slab = slabs[level] ?? new Uint8Array(0)
    if ((index + 1) * HASH_BYTES > slab.length) {
      const grown = new Uint8Array(Math.max(1024, (index + 1) * HASH_BYTES * 2))
      grown.set(slab)
      slab = grown
    }
    slabs[level] = slab
    slab.set(hash, index * HASH_BYTES)
    counts[level] = Math.max(counts[level] ?? 0, index + 1)
  }
  return {
    get reads () {
      return reads
    },
    put (nodes) {
      for (const node of nodes) write(node)
    },
    async get (level, index) {
      return read(level, index)
    },
    async getMany (refs) {
      return refs.map((ref) => read(ref.level, ref.index))
    }
  }
}
