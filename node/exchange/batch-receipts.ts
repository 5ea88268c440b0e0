/**
 * Checking a batch receipt (PROTOCOL.md §22) against the batch it answers, as the sender does
 * before it believes a word of it:
 *
 * 1. it parses (protocol/batch.ts) and has one result per envelope sent (SCHEMA_INVALID);
 * 2. its checkpoint is the receiver's: a C2SP note signed, with the time cosignature, by the key
 *    of the peer the lane talks to (BAD_SIGNATURE, UNKNOWN_SIGNER, SIGNER_MISMATCH);
 * 3. each result's entry says something about the message in that position: `message.received`
 *    of its digest (accepted) or `message.rejected` of it (rejected, with the reason)
 *    (SCHEMA_INVALID);
 * 4. the multiproof leads from those entries' leaves to the checkpoint's root (BAD_PROOF);
 * 5. the consistency proof, when the sender held an earlier checkpoint, shows the receiver's log
 *    only grew since (not an error: `consistent: false` is a split view or rollback, for the
 *    witness records).
 *
 * One signature check per batch (two: the note and its time cosignature), SHA-256 for the rest.
 * For each message it returns the evidence to keep (protocol/receipt-evidence.ts), its inclusion
 * proof read off the nodes the multiproof check computed (no more hashing), encoded with what the
 * batch's messages share (receiver, checkpoint note, upper proof nodes) escaped once per batch.
 *
 * @module
 */
import { ProtocolError } from '../../protocol/errors.ts'
import { parseBatchReceipt } from '../../protocol/batch.ts'
import { leafHash, verifyConsistency } from '../../protocol/merkle.ts'
import { inclusionFromNodes, rootFromMultiProof } from '../../protocol/merkle-multiproof.ts'
import { BatchEvidenceEncoder, statusOfEntry } from '../../protocol/receipt-evidence.ts'
import { nodeNoteKeys, openNodeCheckpoint, type NodeCheckpoint } from '../audit/checkpoints.ts'
import type { NoteKey } from '../../protocol/checkpoint.ts'

/** Note keys per receiver: building them (two KeyObjects) costs more than checking a note. */
const noteKeys = new Map<string, NoteKey[]>()
function keysOf (peerId: string): NoteKey[] {
  let keys = noteKeys.get(peerId)
  if (keys === undefined) {
    if (noteKeys.size >= 1024) noteKeys.clear()
    keys = nodeNoteKeys([peerId])
    noteKeys.set(peerId, keys)
  }
  return keys
}

/** The newest checkpoint of the receiver's log the sender held when it sent the batch. */
export interface HeldCheckpoint {
  size: number
  root: Uint8Array
  note: string
}

export interface ReceiptResult {
  status: 'accepted' | 'rejected'
  reason: string | null
  leaf: number
  /** receipt-evidence v2 bytes, for the store and `liaison message evidence`. */
  evidence: Uint8Array
}

export interface OpenedBatchReceipt {
  checkpoint: NodeCheckpoint
  results: ReceiptResult[]
  /** undefined: nothing held before; false: the log is not an extension of the one held. */
  consistent: boolean | undefined
}

const utf8 = new TextEncoder()

/**
 * Open `bytes` from `receiver` as the answer to the batch of `digests` (in batch order).
 * `sender`: our own peer ID, which a rejection entry must name. Throws ProtocolError.
 */
export function openBatchReceipt (bytes: Uint8Array, receiver: string, digests: readonly string[], held?: HeldCheckpoint, sender?: string): OpenedBatchReceipt {
  const receipt = parseBatchReceipt(bytes)
  if (receipt.results.length !== digests.length) {
    throw new ProtocolError('SCHEMA_INVALID', `the receipt has ${receipt.results.length} results for a batch of ${digests.length}`)
  }
  const checkpoint = openNodeCheckpoint(receipt.checkpoint, [receiver], keysOf(receiver))
  const { size, root } = checkpoint.checkpoint
  const says = receipt.results.map((r, i) => statusOfEntry(r.entry, digests[i], sender))
  const byLeaf = new Map<number, string>()
  for (const r of receipt.results) {
    const other = byLeaf.get(r.leaf)
    if (other !== undefined && other !== r.entry) throw new ProtocolError('SCHEMA_INVALID', `two entries for leaf ${r.leaf}`)
    byLeaf.set(r.leaf, r.entry)
  }
  const leaves = [...byLeaf].sort((a, b) => a[0] - b[0]).map(([index, entry]) => ({ index, hash: leafHash(utf8.encode(entry)) }))
  const check = rootFromMultiProof(size, leaves, receipt.proof)
  if (check === undefined || !Buffer.from(check.root).equals(Buffer.from(root))) {
    throw new ProtocolError('BAD_PROOF', `the receipt's proof does not lead to the root of ${receiver}'s checkpoint of size ${size}`)
  }
  let consistent: boolean | undefined
  if (held !== undefined && held.size > 0) {
    consistent = receipt.consistency !== null && verifyConsistency(held.size, size, receipt.consistency, held.root, root)
  }
  const evidence = new BatchEvidenceEncoder(receiver, receipt.checkpoint)
  const results = receipt.results.map((r, i): ReceiptResult => ({
    status: says[i].status,
    reason: says[i].reason,
    leaf: r.leaf,
    evidence: evidence.encode(
      { for: digests[i], status: says[i].status, reason: says[i].reason, leaf: r.leaf, entry: r.entry },
      inclusionFromNodes(check.nodes, r.leaf, size)
    )
  }))
  return { checkpoint, results, consistent }
}
