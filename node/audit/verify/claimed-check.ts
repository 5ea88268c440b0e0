/**
 * Checking a stored message envelope before its index record is at hand: the workers read
 * envelopes straight from the store's files (stored-scan.ts), while the index records are read
 * on the main thread. So a worker checks a message under the sender its own payload names and
 * returns what the main thread needs to finish the check against the index record:
 *
 * - the bytes are a DSSE envelope in Liaison's encoding (envelope-check.ts `fastRead`) with the
 *   message payload type, and SHA-256 of its PAE is the digest it is stored under;
 * - a signature verifies under the key of the `from` the payload names (the claimed signer);
 * - the claim: that signer and the first 16 bytes of SHA-256 of `payloadType \n` + the payload's
 *   index-fields text (index-tuple.ts), i.e. the payload's bytes after `{"v":1,` up to the comma
 *   that ends its `legalBasis` field.
 *
 * The main thread accepts the envelope only if the claimed signer is the index record's sender
 * and the claimed tuple equals the index record's (store-results.ts): then the payload opens
 * with exactly the prefix the index implies and the signature verified under the index's
 * sender — what `checkStoredEnvelopes` checks with the index record in hand. Anything else
 * (another payload type or encoding, a failed check, a claim that does not match) is checked
 * again the old way, with the index record, so every verdict and its wording stay the same.
 *
 * @module
 */
import { fastVerify } from '../../../protocol/ed25519-fast.ts'
import { PAYLOAD_TYPES } from '../../../protocol/types.ts'
import type { VerifyKey } from '../../../protocol/types.ts'
import { Arena, fastRead, latin1Of, sha256 } from './envelope-check.ts'
import type { Prepared } from './envelope-check.ts'
import { PAYLOAD_OPENING } from './index-tuple.ts'

export interface ClaimedItem {
  bytes: Uint8Array
  /** The digest it is stored under (32 raw bytes). */
  digest: Uint8Array
}

/**
 * `sha256`: SHA-256 of the stored bytes; `signer`, `tuple` (16 bytes, latin1): the claim. Not ok
 * means "check it again with its index record", not necessarily that it is bad.
 */
export type ClaimedCheck = { ok: true, sha256: string, signer: string, tuple: string } | { ok: false, sha256: string }

const OPENING = Buffer.from(PAYLOAD_OPENING, 'latin1')
const FROM = Buffer.from(',"from":"', 'latin1')
const LEGAL_BASIS = Buffer.from(',"legalBasis":"', 'latin1')
const TUPLE_HEAD = Buffer.from(PAYLOAD_TYPES.message + '\n', 'utf8')
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c

let scratch = Buffer.allocUnsafeSlow(4096)

interface Claim {
  signer: string
  tuple: string
}

/** The claimed signer and index-fields tuple of a message payload, or undefined. */
function claimOf (payload: Buffer): Claim | undefined {
  if (payload.length < OPENING.length || payload.compare(OPENING, 0, OPENING.length, 0, OPENING.length) !== 0) return undefined
  const from = payload.indexOf(FROM, OPENING.length)
  if (from < 0) return undefined
  const signerStart = from + FROM.length
  const signerEnd = payload.indexOf(QUOTE, signerStart)
  if (signerEnd < 0 || signerEnd - signerStart > 128) return undefined
  const signer = payload.toString('latin1', signerStart, signerEnd)
  if (signer.includes('\\')) return undefined
  const basis = payload.indexOf(LEGAL_BASIS, signerEnd)
  if (basis < 0) return undefined
  // The end of the legalBasis string: the first quote not escaped.
  let at = basis + LEGAL_BASIS.length
  while (at < payload.length && payload[at] !== QUOTE) at += payload[at] === BACKSLASH ? 2 : 1
  if (at + 1 >= payload.length || payload[at + 1] !== COMMA) return undefined
  const fields = payload.subarray(OPENING.length, at + 2)
  const length = TUPLE_HEAD.length + fields.length
  if (scratch.length < length) scratch = Buffer.allocUnsafeSlow(2 * length)
  TUPLE_HEAD.copy(scratch, 0)
  fields.copy(scratch, TUPLE_HEAD.length)
  return { signer, tuple: sha256(scratch.subarray(0, length)) }
}

/**
 * Check message envelopes under the signers they claim (see the module header). Phased like
 * `checkStoredEnvelopes`: prepare all, then verify every signature in one tight loop.
 */
export function checkClaimedMessages (items: readonly ClaimedItem[], keyOf: (peerId: string) => VerifyKey | null): ClaimedCheck[] {
  const results: ClaimedCheck[] = new Array(items.length)
  const prepared: Array<{ fast: Prepared, key: VerifyKey, claim: Claim } | undefined> = new Array(items.length)
  const arena = Arena.for(items)
  for (let i = 0; i < items.length; i++) {
    const { bytes, digest } = items[i]
    const stored = sha256(bytes)
    results[i] = { ok: false, sha256: stored }
    const fast = fastRead(bytes, arena)
    if (fast === undefined || fast.payloadType !== PAYLOAD_TYPES.message) continue
    if (sha256(fast.pae) !== latin1Of(digest)) continue
    const payload = fast.pae.subarray(fast.payloadAt)
    const claim = claimOf(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength))
    if (claim === undefined) continue
    const key = keyOf(claim.signer)
    if (key === null) continue
    prepared[i] = { fast, key, claim }
  }
  for (let i = 0; i < items.length; i++) {
    const p = prepared[i]
    if (p === undefined) continue
    for (const sig of p.fast.sigs) {
      if (sig.length === 64 && fastVerify(p.key, p.fast.pae, sig)) {
        results[i] = { ok: true, sha256: results[i].sha256, signer: p.claim.signer, tuple: p.claim.tuple }
        break
      }
    }
  }
  return results
}
