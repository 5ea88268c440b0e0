/**
 * What the message view checks itself, in the browser, with the protocol layer's own code
 * rather than taking the node's word: the envelope's Ed25519 signature against the key inlined
 * in the sender's peer ID (protocol/peer-id.ts, nobleVerify: node:crypto's verdicts in pure JS),
 * each receipt's signature against its issuer's peer ID, the audit leaf's inclusion proof
 * against the checkpoint root the node reports (RFC 9162, protocol/merkle.ts), and the STIX
 * objects of a STIX body with the TLP label of their markings (protocol/stix/markings.ts, the
 * rules the node enforces on receipt).
 *
 * @module
 */
import { decodeEnvelope, pae } from '../../protocol/envelope.ts'
import { nobleVerify } from '../../protocol/ed25519.ts'
import { leafHash, verifyInclusion } from '../../protocol/merkle.ts'
import { publicKeyFromPeerId } from '../../protocol/peer-id.ts'
import { markingRefs, objectTlp, tlpResolver, type StixObject } from '../../protocol/stix/markings.ts'
import type { Envelope } from '../../protocol/types.ts'
import { checkReceiptEvidence, isReceiptEvidence, parseReceiptEvidence } from '../../protocol/receipt-evidence.ts'
import { checkpointOrigin, ed25519NoteKey, openNote } from '../../protocol/checkpoint.ts'

const fromBase64 = (s: string): Uint8Array => Uint8Array.from(atob(s), c => c.charCodeAt(0))
const fromHex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], b => parseInt(b, 16))

export interface Signed {
  envelope: Envelope
  payload: unknown
  verified: boolean
  why?: string
}

/** Decode base64 envelope bytes, verify a signature by `signer`'s key, parse the JSON payload. */
export function checkSigned (base64: string, signer: string): Signed | { error: string } {
  let envelope: Envelope
  try {
    envelope = decodeEnvelope(fromBase64(base64))
  } catch (err) {
    return { error: `not a DSSE envelope: ${(err as Error).message}` }
  }
  let payload: unknown
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(envelope.payload))
  } catch {
    payload = undefined
  }
  let key: Uint8Array
  try {
    key = publicKeyFromPeerId(signer)
  } catch (err) {
    return { envelope, payload, verified: false, why: (err as Error).message }
  }
  const message = pae(envelope.payloadType, envelope.payload)
  const verified = envelope.signatures.some(s => nobleVerify(key, message, s.sig))
  return { envelope, payload, verified, ...(verified ? {} : { why: `no signature verifies under ${signer}'s key` }) }
}

/** What a recipient's receipt evidence (exchange v2, PROTOCOL.md §22.4) says, checked here. */
export interface EvidenceCheck {
  status: string
  reason: string | null
  leaf: number
  size: number
  verified: boolean
  why?: string
}

/**
 * Check receipt evidence as the sender keeps it: the entry says the status about this message,
 * the inclusion proof leads from its leaf to the checkpoint's root, and the checkpoint note is
 * signed by the recipient's key (from its peer ID). Undefined when the bytes are no evidence (a
 * v1 receipt envelope: checkSigned).
 */
export function checkEvidence (base64: string, by: string): EvidenceCheck | { error: string } | undefined {
  const bytes = fromBase64(base64)
  if (!isReceiptEvidence(bytes)) return undefined
  try {
    const e = parseReceiptEvidence(bytes)
    if (e.by !== by) return { error: `the evidence is from ${e.by}, not ${by}` }
    const { size } = checkReceiptEvidence(e)
    const origin = checkpointOrigin(by)
    const opened = openNote(e.checkpoint, [ed25519NoteKey(origin, publicKeyFromPeerId(by))])
    const verified = opened.verified.some(v => v.name === origin)
    return { status: e.status, reason: e.reason, leaf: e.leaf, size, verified, ...(verified ? {} : { why: `the checkpoint is not signed by ${by}` }) }
  } catch (err) {
    return { error: (err as Error).message }
  }
}

export interface LeafProof {
  index: number
  entry: string
  leafHash?: string
  proof: string[] | null
}
export interface CheckpointView {
  size: number
  root: string
  time: number
}

/** Is the leaf in the tree of the checkpoint? Recomputes the leaf hash from the entry bytes. */
export function checkInclusion (leaf: LeafProof, checkpoint: CheckpointView | null): 'included' | 'not yet checkpointed' | 'PROOF FAILS' {
  if (leaf.proof == null || checkpoint == null) return 'not yet checkpointed'
  const hash = leafHash(new TextEncoder().encode(leaf.entry))
  return verifyInclusion(leaf.index, checkpoint.size, hash, leaf.proof.map(fromHex), fromBase64(checkpoint.root)) ? 'included' : 'PROOF FAILS'
}

export interface StixRow {
  type: string
  id: string
  name: string
  markings: Array<{ ref: string, tlp?: string }>
  tlp: string
  created: string
  modified: string
}

/** The objects of a STIX bundle body, or undefined if the body is not one (PROTOCOL.md §10.2). */
export function stixRows (body: unknown): StixRow[] | undefined {
  if (body == null || typeof body !== 'object' || (body as { type?: unknown }).type !== 'bundle') return undefined
  const objects = (Array.isArray((body as { objects?: unknown }).objects) ? (body as { objects: unknown[] }).objects : []).filter((o): o is StixObject =>
    o != null && typeof o === 'object'
  )
  const resolve = tlpResolver(objects)
  const str = (v: unknown): string => typeof v === 'string' ? v : ''
  return objects.map(o => {
    const marked = objectTlp(o, resolve)
    return {
      type: str(o.type),
      id: str(o.id),
      name: str(o.name),
      markings: markingRefs(o).map(ref => ({ ref, ...(resolve(ref) != null ? { tlp: resolve(ref) } : {}) })),
      tlp: marked?.tlp ?? (o.type === 'marking-definition' ? '' : 'inherited'),
      created: str(o.created),
      modified: str(o.modified)
    }
  })
}
