/**
 * Checking one stored receipt evidence (exchange v2, protocol/receipt-evidence.ts), as `audit
 * verify` does for every receipt a recipient's batch receipt gave this node: the evidence names
 * the message and the recipient it is stored under, its entry says what its status says, the
 * inclusion proof leads from the entry's leaf to the checkpoint's root, and the checkpoint is
 * signed (note signature and time cosignature) by the recipient's key.
 *
 * The messages of one batch share their checkpoint, so a note already verified under the same
 * key is not verified again (a bounded cache per thread).
 *
 * @module
 */
import { checkReceiptEvidence, parseReceiptEvidence } from '../../../protocol/receipt-evidence.ts'
import type { VerifyKey } from '../../../protocol/types.ts'
import { openNodeCheckpoint } from '../checkpoints.ts'

export type EvidenceCheck = { ok: true, sha256: string } | { ok: false, sha256: string, problem: string }

const verifiedNotes = new Set<string>()
const MAX_CACHED_NOTES = 4096

export function checkStoredEvidence (bytes: Uint8Array, signer: VerifyKey, digest: Uint8Array, sha256: string): EvidenceCheck {
  const fail = (problem: string): EvidenceCheck => ({ ok: false, sha256, problem })
  try {
    const e = parseReceiptEvidence(bytes)
    const digestHex = Buffer.from(digest).toString('hex')
    if (e.for !== digestHex) return fail(`the receipt evidence is for ${e.for}, stored for ${digestHex}`)
    if (e.by !== signer.peerId) return fail(`the receipt evidence says by ${e.by}, stored as by ${signer.peerId}`)
    checkReceiptEvidence(e)
    const key = signer.peerId + '\n' + e.checkpoint
    if (!verifiedNotes.has(key)) {
      openNodeCheckpoint(e.checkpoint, [signer.peerId])
      if (verifiedNotes.size >= MAX_CACHED_NOTES) verifiedNotes.clear()
      verifiedNotes.add(key)
    }
    return { ok: true, sha256 }
  } catch (err) {
    return fail(`receipt evidence: ${(err as Error).message}`)
  }
}
