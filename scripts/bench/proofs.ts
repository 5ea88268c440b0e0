/**
 * Inclusion proofs vs log size: proof length (hashes) and time per proof, for the real audit log
 * in LevelDB (the prefilled stores) and for protocol/merkle-tree.ts over memoryNodeStore (pure
 * CPU, no I/O). Every proof is verified against the tree's root; one that does not verify stops
 * the run.
 *
 * @module
 */
import { randomInt } from 'node:crypto'
import { join } from 'node:path'
import { leafHash, verifyInclusion } from '../../protocol/merkle.ts'
import { inclusionProof, memoryNodeStore, MerkleAppender } from '../../protocol/merkle-tree.ts'
import { Store } from '../../node/store/index.ts'
import { AuditLog } from '../../node/audit/audit-log.ts'
import { IntegrityError } from './context.ts'

/** Untimed proofs first (JIT, LevelDB block cache for the upper levels). */
const WARM_UP = 50

export interface ProofStats {
  /** Leaves in the tree. */
  size: number
  proofs: number
  /** Hashes per proof: mean and max over the sampled leaves. */
  meanHashes: number
  maxHashes: number
  /** ceil(log2(size)): the RFC 9162 bound on an inclusion proof's length. */
  bound: number
  /** Mean wall time per proof (building it, not verifying it). */
  meanUs: number
  /** Node reads per proof (memory store only). */
  meanReads?: number
  buildSeconds?: number
}

function stats (size: number, lengths: number[], totalMs: number, extra: Partial<ProofStats> = {}): ProofStats {
  return {
    size,
    proofs: lengths.length,
    meanHashes: lengths.reduce((a, b) => a + b, 0) / lengths.length,
    maxHashes: Math.max(...lengths),
    bound: Math.ceil(Math.log2(size)),
    meanUs: (totalMs * 1000) / lengths.length,
    ...extra
  }
}

/** Proofs over a memory tree of `size` synthetic leaves. */
export async function memoryProofs (size: number, proofs: number): Promise<ProofStats> {
  const built = performance.now()
  const store = memoryNodeStore()
  const log = new MerkleAppender()
  const leaf = (i: number): Uint8Array => leafHash(new TextEncoder().encode(`entry ${i}`))
  for (let i = 0; i < size; i++) store.put(log.append(leaf(i)).nodes)
  const buildSeconds = (performance.now() - built) / 1000
  const root = log.root()
  for (let k = 0; k < WARM_UP; k++) await inclusionProof(store, randomInt(size), size)
  const lengths: number[] = []
  let ms = 0
  const readsBefore = store.reads
  for (let k = 0; k < proofs; k++) {
    const index = randomInt(size)
    const t = performance.now()
    const proof = await inclusionProof(store, index, size)
    ms += performance.now() - t
    if (!verifyInclusion(index, size, leaf(index), proof, root)) {
      throw new IntegrityError(`memory tree: inclusion proof of leaf ${index} of ${size} does not verify`)
    }
    lengths.push(proof.length)
  }
  return stats(size, lengths, ms, { meanReads: (store.reads - readsBefore) / proofs, buildSeconds })
}

/** Proofs over the audit log of a (stopped) node's data directory, read from LevelDB. */
export async function auditLogProofs (dataDir: string, proofs: number): Promise<ProofStats> {
  const store = await Store.open(join(dataDir, 'store'))
  try {
    const log = await AuditLog.open(store, { install: false, checkpointIntervalMs: 0 })
    const size = log.size
    if (size === 0) throw new Error(`${dataDir}: the audit log is empty`)
    const root = log.root()
    for (let k = 0; k < WARM_UP; k++) await log.inclusionProof(randomInt(size), size)
    const lengths: number[] = []
    let ms = 0
    for (let k = 0; k < proofs; k++) {
      const index = randomInt(size)
      const t = performance.now()
      const proof = await log.inclusionProof(index, size)
      ms += performance.now() - t
      const entry = await log.entry(index)
      if (entry == null || !verifyInclusion(index, size, leafHash(entry), proof, root)) {
        throw new IntegrityError(`${dataDir}: inclusion proof of audit entry ${index} of ${size} does not verify`)
      }
      lengths.push(proof.length)
    }
    return stats(size, lengths, ms)
  } finally {
    await store.close()
  }
}
