/**
 * Checking one stored envelope against what the index says it is, as `audit verify` does for
 * every message and receipt (data directory or bundle). It decodes with protocol/envelope.ts
 * `decodeEnvelope`, the strict decoder the node's receive path uses, so the auditor accepts
 * exactly what a node accepts — there is no second decoder. Then: the payload type; for a
 * message, SHA-256 of its PAE bytes is its digest; a signature verifies under the signer's key;
 * the signed payload agrees with the index (a message's index fields by a byte comparison with
 * the opening of a canonical payload, index-tuple.ts, else parsed field by field; a receipt's
 * `for` and `by`). A receipt stored as exchange v2 evidence (protocol/receipt-evidence.ts) is
 * checked as such: its proof leads to a checkpoint the recipient signed (a note verified once per
 * thread, in a bounded cache: a batch shares one). Returns SHA-256 of the bytes as stored, which
 * the audit leaf records.
 *
 * @module
 */
import { hash } from 'node:crypto'
import { fastVerify } from '../../../protocol/ed25519-fast.ts'
import { decodeEnvelope, pae } from '../../../protocol/envelope.ts'
import { checkReceiptEvidence, isReceiptEvidence, parseReceiptEvidence } from '../../../protocol/receipt-evidence.ts'
import { PAYLOAD_TYPES } from '../../../protocol/types.ts'
import type { VerifyKey } from '../../../protocol/types.ts'
import { openNodeCheckpoint } from '../checkpoints.ts'
import { messagePrefix } from './index-tuple.ts'
import type { IndexFields } from './index-tuple.ts'

export interface EnvelopeExpectation {
  /** `message`: anything stored as a message (a message, forward, release request/grant, key rotation). */
  kind: 'message' | 'receipt'
  /** The message digest (32 raw bytes): the key a message is stored under, or the one a receipt answers. */
  digest: Uint8Array
  /** For `message`: the payload type the index records (default: a message). */
  payloadType?: string
  /** A message's canonical payload prefix per the index (index-tuple.ts), UTF-8. */
  prefix?: Uint8Array
  /** For other payload types: the id the index records. */
  id?: string
}

/** `sha256`: SHA-256 of the stored bytes as a 32-character latin1 string (one byte per character). */
export type EnvelopeCheck = { ok: true, sha256: string } | { ok: false, sha256: string, problem: string }

const MESSAGE_TYPE = PAYLOAD_TYPES.message
const RECEIPT_TYPE = PAYLOAD_TYPES.receipt
const utf8 = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
/** Receipt-evidence checkpoint notes verified, as signer + note. */
const verifiedNotes = new Set<string>()

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0

/** Check one stored envelope against what the index says it is (see the module header). */
export function checkStoredEnvelope (bytes: Uint8Array, signer: VerifyKey, expect: EnvelopeExpectation): EnvelopeCheck {
  const digest = hash('sha256', bytes, 'binary')
  const fail = (problem: string): EnvelopeCheck => ({ ok: false, sha256: digest, problem })
  if (expect.kind === 'receipt' && isReceiptEvidence(bytes)) {
    try {
      const e = parseReceiptEvidence(bytes)
      const digestHex = Buffer.from(expect.digest).toString('hex')
      if (e.for !== digestHex) return fail(`the receipt evidence is for ${e.for}, stored for ${digestHex}`)
      if (e.by !== signer.peerId) return fail(`the receipt evidence says by ${e.by}, stored as by ${signer.peerId}`)
      checkReceiptEvidence(e)
      const key = signer.peerId + '\n' + e.checkpoint
      if (!verifiedNotes.has(key)) {
        openNodeCheckpoint(e.checkpoint, [signer.peerId])
        if (verifiedNotes.size >= 4096) verifiedNotes.clear()
        verifiedNotes.add(key)
      }
      return { ok: true, sha256: digest }
    } catch (err) {
      return fail(`receipt evidence: ${(err as Error).message}`)
    }
  }
  let env
  try {
    env = decodeEnvelope(bytes)
  } catch (err) {
    return fail(`not a valid DSSE envelope: ${(err as Error).message}`)
  }
  const wantType = expect.kind === 'message' ? expect.payloadType ?? MESSAGE_TYPE : RECEIPT_TYPE
  if (env.payloadType !== wantType) return fail(`payload type is ${env.payloadType}, not ${wantType}`)
  const paeBytes = pae(env.payloadType, env.payload)
  if (expect.kind === 'message') {
    const paeDigest = hash('sha256', paeBytes, 'buffer')
    if (!equalBytes(paeDigest, expect.digest)) return fail(`its PAE digest is ${paeDigest.toString('hex')}, not the digest it is stored under`)
  }
  if (!env.signatures.some(s => s.sig.length === 64 && fastVerify(signer, paeBytes, s.sig))) {
    return fail(`no signature verifies under the key of ${signer.peerId}`)
  }
  if (wantType === MESSAGE_TYPE && expect.prefix !== undefined && equalBytes(env.payload.subarray(0, expect.prefix.length), expect.prefix)) {
    return { ok: true, sha256: digest }
  }
  return payloadCheck(env.payload, signer, expect, digest)
}

/** `checkStoredEnvelope` for each of many. */
export function checkStoredEnvelopes (items: ReadonlyArray<{ bytes: Uint8Array, signer: VerifyKey, expect: EnvelopeExpectation }>): EnvelopeCheck[] {
  return items.map(item => checkStoredEnvelope(item.bytes, item.signer, item.expect))
}

/** Parse the signed payload and compare its fields with the index. */
function payloadCheck (payload: Uint8Array, signer: VerifyKey, expect: EnvelopeExpectation, digest: string): EnvelopeCheck {
  const fail = (problem: string): EnvelopeCheck => ({ ok: false, sha256: digest, problem })
  let doc: Record<string, unknown>
  try {
    doc = JSON.parse(decoder.decode(payload)) as Record<string, unknown>
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new TypeError('not an object')
  } catch (err) {
    return fail(`the signed payload is not a JSON object: ${(err as Error).message}`)
  }
  if (expect.kind === 'message' && (expect.payloadType ?? MESSAGE_TYPE) !== MESSAGE_TYPE) {
    // Forwards, release requests and grants name their sender `from`; key rotations `oldPeerId`;
    // address updates `peerId`, rotation approvals `by` (their `oldPeerId` is the recipient).
    const sender = expect.payloadType === PAYLOAD_TYPES.rotationApproval
      ? doc.by === signer.peerId
      : doc.from === signer.peerId || doc.oldPeerId === signer.peerId || doc.peerId === signer.peerId
    if (!sender) return fail(`the signed payload is not from ${signer.peerId}, as the index says`)
    if (expect.id !== undefined && doc.id !== expect.id) return fail(`the signed payload has id ${String(doc.id)}, the index says ${expect.id}`)
  } else if (expect.kind === 'message') {
    if (doc.from !== signer.peerId) return fail(`the signed payload says from ${String(doc.from)}, the index says ${signer.peerId}`)
    if (expect.prefix !== undefined && !equalBytes(utf8.encode(messagePrefix(doc as unknown as IndexFields)), expect.prefix)) {
      return fail('the index record (id, kind, recipients, times, TLP, handling, topic, legal basis) differs from the signed payload')
    }
  } else {
    const digestHex = Buffer.from(expect.digest).toString('hex')
    if (doc.by !== signer.peerId) return fail(`the receipt says by ${String(doc.by)}, stored as by ${signer.peerId}`)
    if (doc.for !== digestHex) return fail(`the receipt is for ${String(doc.for)}, stored for ${digestHex}`)
  }
  return { ok: true, sha256: digest }
}
