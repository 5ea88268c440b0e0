/**
 * Exchange v2 (`/liaison/exchange/2.0.0`, PROTOCOL.md §12 and §22): batches on the wire and the
 * batch receipt that answers each one.
 *
 * **Batch** (the body of one sender → receiver frame, protocol/frame.ts):
 *
 * ```
 * varint(since) ‖ ( varint(len₁) ‖ envelope₁ ) ‖ … ‖ ( varint(lenₖ) ‖ envelopeₖ )      1 ≤ k ≤ MAX_BATCH_ENVELOPES
 * ```
 *
 * `since` is the tree size of the newest checkpoint of the receiver's audit log that the sender
 * holds (0: none); the receipt proves the new checkpoint consistent with it. Every envelope is
 * exactly as its originator signed it, under the same varint rules as a frame (minimal, non-empty,
 * ≤ MAX_FRAME_BYTES). Anything else in a batch body is BAD_FRAME (the stream is reset).
 *
 * **Batch receipt** (the body of the receiver → sender frame answering it; UTF-8 strict JSON):
 *
 * | member | rule |
 * |---|---|
 * | v | the integer 2 |
 * | checkpoint | the receiver's C2SP signed checkpoint note (signature and time cosignature) |
 * | results | one per envelope, in batch order: `{"leaf":<index>,"entry":"<audit entry text>"}` |
 * | proof | multiproof (merkle-multiproof.ts) of the results' leaves in the checkpoint's tree, base64 |
 * | consistency | RFC 9162 consistency proof from `since` to the checkpoint size (base64; [] when equal), or null (below) |
 *
 * `consistency` is null when `since` is 0, or when the receiver cannot prove it (its log is
 * smaller than `since`: rolled back).
 *
 * The entry of an accepted envelope is the receiver's `message.received` entry of it (its
 * digest); of a rejected one the `message.rejected` entry (digest, or null when the envelope
 * could not be parsed, and the reason). No other signature: the checkpoint's signs the whole.
 *
 * @module
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { ProtocolError } from './errors.ts'
import { EXCHANGE_PROTOCOL, FrameDecoder } from './frame.ts'
import { parseStrictJson, utf8Decode } from './json.ts'
import { MAX_BATCH_ENVELOPES, MAX_FRAME_BYTES } from './limits.ts'
import { tryDecodeBase64, encodeBase64 } from './base64.ts'

export const EXCHANGE_PROTOCOL_V2 = EXCHANGE_PROTOCOL

export { MAX_BATCH_ENVELOPES } from './limits.ts'

/** Longest `since` prefix: 8 bytes carry 56 bits, above any safe tree size. */
const MAX_SINCE_BYTES = 8

function varint (n: number): Uint8Array {
  const out: number[] = []
  let rest = n
  while (rest >= 0x80) {
    out.push((rest % 128) | 0x80)
    rest = Math.floor(rest / 128)
  }
  out.push(rest)
  return Uint8Array.from(out)
}

/** Encodes a batch body (not yet framed). Envelopes are copied in, unchanged. */
export function encodeBatch (since: number, envelopes: readonly Uint8Array[]): Uint8Array {
  if (!Number.isSafeInteger(since) || since < 0) throw new TypeError('since must be a non-negative integer')
  if (envelopes.length === 0 || envelopes.length > MAX_BATCH_ENVELOPES) throw new TypeError(`a batch carries 1 to ${MAX_BATCH_ENVELOPES} envelopes`)
  const parts: Uint8Array[] = [varint(since)]
  for (const env of envelopes) {
    if (env.length === 0) throw new TypeError('an envelope cannot be empty')
    parts.push(varint(env.length), env)
  }
  return new Uint8Array(Buffer.concat(parts))
}

export interface Batch {
  since: number
  /** Views into the decoded body (no copy). */
  envelopes: Uint8Array[]
}

/** Decodes a batch body. Throws ProtocolError BAD_FRAME (shape) or TOO_LARGE (an envelope's length). */
export function decodeBatch (body: Uint8Array, maxEnvelopeBytes: number = MAX_FRAME_BYTES): Batch {
  let since = 0
  let scale = 1
  let at = 0
  for (;;) {
    if (at >= body.length) throw new ProtocolError('BAD_FRAME', 'batch ends inside its since prefix')
    const byte = body[at++]
    since += (byte & 0x7f) * scale
    if (byte < 0x80) {
      if (byte === 0 && at > 1) throw new ProtocolError('BAD_FRAME', 'since is not minimally encoded')
      break
    }
    if (at === MAX_SINCE_BYTES) throw new ProtocolError('BAD_FRAME', `since longer than ${MAX_SINCE_BYTES} bytes`)
    scale *= 128
  }
  if (!Number.isSafeInteger(since)) throw new ProtocolError('BAD_FRAME', 'since is not a safe integer')
  const decoder = new FrameDecoder(maxEnvelopeBytes)
  const envelopes = decoder.push(new Uint8ArrayList(body.subarray(at)))
  decoder.end()
  if (envelopes.length === 0) throw new ProtocolError('BAD_FRAME', 'a batch carries no envelope')
  if (envelopes.length > MAX_BATCH_ENVELOPES) {
    throw new ProtocolError('BAD_FRAME', `a batch carries ${envelopes.length} envelopes; at most ${MAX_BATCH_ENVELOPES}`)
  }
  return { since, envelopes }
}

export interface BatchResult {
  leaf: number
  /** The audit entry exactly as logged (its UTF-8 bytes are the leaf input). */
  entry: string
}

export interface BatchReceipt {
  v: 2
  checkpoint: string
  results: BatchResult[]
  proof: Uint8Array[]
  consistency: Uint8Array[] | null
}

const KEYS = ['v', 'checkpoint', 'results', 'proof', 'consistency']

/** Encodes a batch receipt as compact UTF-8 JSON in the order of the table. */
export function encodeBatchReceipt (r: BatchReceipt): Uint8Array {
  const text = JSON.stringify({
    v: 2,
    checkpoint: r.checkpoint,
    results: r.results.map(x => ({ leaf: x.leaf, entry: x.entry })),
    proof: r.proof.map(encodeBase64),
    consistency: r.consistency === null ? null : r.consistency.map(encodeBase64)
  })
  return new TextEncoder().encode(text)
}

function invalid (message: string): never {
  throw new ProtocolError('SCHEMA_INVALID', `batch receipt: ${message}`)
}

function hashes (value: unknown, field: string): Uint8Array[] {
  if (!Array.isArray(value)) invalid(`${field} is not an array`)
  return value.map((h, i) => {
    const bytes = typeof h === 'string' ? tryDecodeBase64(h) : undefined
    if (bytes?.length !== 32) invalid(`${field}[${i}] is not a base64 SHA-256 hash`)
    return bytes
  })
}

/**
 * Decodes and checks the shape of a batch receipt (not its signature or proofs: see
 * node/exchange/batch-receipts.ts). Throws ProtocolError SCHEMA_INVALID naming the member.
 */
export function parseBatchReceipt (bytes: Uint8Array): BatchReceipt {
  const o = parseStrictJson(utf8Decode(bytes), { integerKeys: ['v'] }) as Record<string, unknown>
  if (typeof o !== 'object' || o === null || Array.isArray(o)) invalid('not a JSON object')
  for (const key of Object.keys(o)) if (!KEYS.includes(key)) invalid(`unknown member ${JSON.stringify(key)}`)
  if (o.v !== 2) invalid('v must be the integer 2')
  if (typeof o.checkpoint !== 'string') invalid('checkpoint is not a string')
  if (!Array.isArray(o.results) || o.results.length === 0 || o.results.length > MAX_BATCH_ENVELOPES) invalid('results is not a non-empty array')
  const results = o.results.map((x: unknown, i): BatchResult => {
    const r = x as Record<string, unknown>
    if (typeof r !== 'object' || r === null || Object.keys(r).length !== 2) invalid(`results[${i}] is not {leaf, entry}`)
    if (!Number.isSafeInteger(r.leaf) || (r.leaf as number) < 0) invalid(`results[${i}].leaf is not a leaf index`)
    if (typeof r.entry !== 'string' || r.entry === '') invalid(`results[${i}].entry is not an entry`)
    return { leaf: r.leaf as number, entry: r.entry }
  })
  return {
    v: 2,
    checkpoint: o.checkpoint,
    results,
    proof: hashes(o.proof, 'proof'),
    consistency: o.consistency === null ? null : hashes(o.consistency, 'consistency')
  }
}
