/**
 * Checking one stored envelope, as `audit verify` does for every message and receipt:
 *
 * - the bytes decode as a DSSE v1 envelope (strictly; envelopes in our own compact encoding take
 *   a fast path that re-encodes and compares, which accepts exactly what the strict decoder
 *   accepts for that encoding);
 * - the payload type is a message's (for a message) or a receipt's (for a receipt);
 * - for a message, SHA-256 of its PAE bytes is the digest it is stored under;
 * - a signature verifies under the signer's key (the peer ID inlines the Ed25519 key);
 * - the signed payload agrees with the index: a message's `id` and `from`, a receipt's `for`
 *   and `by`.
 *
 * It also returns SHA-256 of the bytes exactly as stored, which the audit leaf records.
 *
 * @module
 */
import { hash, verify } from 'node:crypto'
import { decodeEnvelope, encodeEnvelope, pae } from '../../../protocol/envelope.ts'
import { MAX_KEYID_LENGTH, MAX_PAYLOAD_TYPE_LENGTH, MAX_SIG_BYTES } from '../../../protocol/envelope.ts'
import { MAX_SIGNATURES } from '../../../protocol/limits.ts'
import { PAYLOAD_TYPES } from '../../../protocol/types.ts'
import type { Envelope, VerifyKey } from '../../../protocol/types.ts'

export type StoredKind = 'message' | 'receipt'

export interface EnvelopeExpectation {
  kind: StoredKind
  /** The message digest: the key the message is stored under, or the one a receipt answers. */
  digest: string
  /** A message's id from the index (checked against the signed payload when given). */
  id?: string
}

export type EnvelopeCheck =
  | { ok: true, sha256: Uint8Array, envelope: Envelope, pae: Uint8Array }
  | { ok: false, sha256: Uint8Array, problem: string }

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function sha256 (bytes: Uint8Array): Uint8Array {
  const out = hash('sha256', bytes, 'buffer')
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}

/**
 * Decode an envelope in our compact encoding cheaply (JSON.parse, then re-encode and compare);
 * undefined if the bytes are not exactly that encoding, so the caller falls back to the strict
 * decoder.
 */
function fastDecode (bytes: Uint8Array): Envelope | undefined {
  let doc: { payloadType?: unknown, payload?: unknown, signatures?: unknown }
  try {
    doc = JSON.parse(decoder.decode(bytes))
  } catch {
    return undefined
  }
  const { payloadType, payload, signatures } = doc
  if (typeof payloadType !== 'string' || payloadType.length === 0 || payloadType.length > MAX_PAYLOAD_TYPE_LENGTH) return undefined
  if (typeof payload !== 'string' || !Array.isArray(signatures) || signatures.length > MAX_SIGNATURES) return undefined
  const sigs = []
  for (const s of signatures as Array<{ keyid?: unknown, sig?: unknown }>) {
    if (typeof s !== 'object' || s === null || typeof s.keyid !== 'string' || typeof s.sig !== 'string' || s.keyid.length > MAX_KEYID_LENGTH) return undefined
    const sig = Buffer.from(s.sig, 'base64')
    if (sig.length > MAX_SIG_BYTES) return undefined
    sigs.push({ keyid: s.keyid, sig: new Uint8Array(sig.buffer, sig.byteOffset, sig.length) })
  }
  const raw = Buffer.from(payload, 'base64')
  const env: Envelope = { payloadType, payload: new Uint8Array(raw.buffer, raw.byteOffset, raw.length), signatures: sigs }
  // Same bytes back means: no duplicate or unknown keys, canonical base64, no whitespace.
  return equalBytes(encodeEnvelope(env), bytes) ? env : undefined
}

function decode (bytes: Uint8Array): Envelope | string {
  const fast = fastDecode(bytes)
  if (fast !== undefined) return fast
  try {
    return decodeEnvelope(bytes)
  } catch (err) {
    return `not a valid DSSE envelope: ${(err as Error).message}`
  }
}

/** Check stored envelope bytes against what the index says they are (see the module header). */
export function checkStoredEnvelope (bytes: Uint8Array, signer: VerifyKey, expect: EnvelopeExpectation): EnvelopeCheck {
  const digest = sha256(bytes)
  const env = decode(bytes)
  if (typeof env === 'string') return { ok: false, sha256: digest, problem: env }
  const wantType = expect.kind === 'message' ? PAYLOAD_TYPES.message : PAYLOAD_TYPES.receipt
  if (env.payloadType !== wantType) return { ok: false, sha256: digest, problem: `payload type is ${env.payloadType}, not ${wantType}` }
  const paeBytes = pae(env.payloadType, env.payload)
  if (expect.kind === 'message') {
    const paeDigest = hash('sha256', paeBytes, 'hex')
    if (paeDigest !== expect.digest) return { ok: false, sha256: digest, problem: `its PAE digest is ${paeDigest}, not the digest it is stored under` }
  }
  let signed = false
  for (const s of env.signatures) {
    if (s.sig.length === 64 && verify(null, paeBytes, signer.keyObject, s.sig)) {
      signed = true
      break
    }
  }
  if (!signed) return { ok: false, sha256: digest, problem: `no signature verifies under the key of ${signer.peerId}` }
  let payload: Record<string, unknown>
  try {
    payload = JSON.parse(decoder.decode(env.payload)) as Record<string, unknown>
    if (typeof payload !== 'object' || payload === null) throw new TypeError('not an object')
  } catch (err) {
    return { ok: false, sha256: digest, problem: `signed payload is not a JSON object: ${(err as Error).message}` }
  }
  if (expect.kind === 'message') {
    if (payload.from !== signer.peerId) return { ok: false, sha256: digest, problem: `signed payload says from ${String(payload.from)}, the index says ${signer.peerId}` }
    if (expect.id !== undefined && payload.id !== expect.id) return { ok: false, sha256: digest, problem: `signed payload has id ${String(payload.id)}, the index says ${expect.id}` }
  } else {
    if (payload.by !== signer.peerId) return { ok: false, sha256: digest, problem: `receipt says by ${String(payload.by)}, stored as by ${signer.peerId}` }
    if (payload.for !== expect.digest) return { ok: false, sha256: digest, problem: `receipt is for ${String(payload.for)}, stored for ${expect.digest}` }
  }
  return { ok: true, sha256: digest, envelope: env, pae: paeBytes }
}
