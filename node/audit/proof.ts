/**
 * Inclusion proofs for a message: every leaf that names its digest, proved against the latest
 * stored checkpoint. The JSON is self-describing; `liaison audit prove` prints it and the export
 * bundle carries the same shape (hashes as lowercase hex, roots as the checkpoint's base64).
 *
 * @module
 */
import { leafHash } from '../../protocol/merkle.ts'
import { inclusionProof } from '../../protocol/merkle-tree.ts'
import type { AuditStore } from './audit-store.ts'
import { pad } from './audit-store.ts'
import { openNodeCheckpoint } from './checkpoints.ts'

export interface LeafProof {
  index: number
  /** The entry exactly as stored (its UTF-8 bytes are the leaf input). */
  entry: string
  /** SHA-256(0x00 ‖ entry), hex. */
  leafHash: string
  /** RFC 9162 inclusion proof against `checkpoint.size`, bottom-up, hex; null if the leaf is newer. */
  proof: string[] | null
}

export interface CheckpointView {
  origin: string
  size: number
  /** Standard base64, as in the note. */
  root: string
  /** POSIX seconds from the node's time cosignature. */
  time: number
  note: string
}

export interface DigestProof {
  digest: string
  checkpoint: CheckpointView | null
  leaves: LeafProof[]
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const utf8 = new TextDecoder()

/** The latest checkpoint, opened and checked against the node keys recorded in the log. */
export async function latestCheckpointView (audit: AuditStore): Promise<CheckpointView | null> {
  const latest = await audit.checkpoint()
  if (latest === undefined) return null
  const keys = (await audit.nodeKeys()).map(k => k.peerId)
  const opened = openNodeCheckpoint(latest.note, keys)
  return {
    origin: opened.checkpoint.origin,
    size: opened.checkpoint.size,
    root: Buffer.from(opened.checkpoint.root).toString('base64'),
    time: opened.time,
    note: latest.note
  }
}

/** Proofs for every leaf naming `digest` (empty `leaves` if none does). */
export async function proveDigest (audit: AuditStore, digest: string): Promise<DigestProof> {
  const checkpoint = await latestCheckpointView(audit)
  const nodes = audit.nodeStore()
  const leaves: LeafProof[] = []
  for (const index of await audit.leavesOf(digest)) {
    const entry = await audit.entry.get(pad(index))
    if (entry == null) continue
    const covered = checkpoint !== null && index < checkpoint.size
    leaves.push({
      index,
      entry: utf8.decode(entry),
      leafHash: hex(leafHash(entry)),
      proof: covered ? (await inclusionProof(nodes, index, checkpoint.size)).map(hex) : null
    })
  }
  return { digest, checkpoint, leaves }
}
