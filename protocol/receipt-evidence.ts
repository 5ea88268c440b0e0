/**
 * Receipt evidence v2: what a sender keeps for one message from a batch receipt (PROTOCOL.md
 * §22), and exports with `liaison message evidence`. Self-contained: anyone holding it and the
 * receiver's public key (inlined in its peer ID) can check that the receiver logged the message,
 * with OpenSSL and sha256sum alone.
 *
 * UTF-8 JSON, compact, members in this order:
 *
 * | member | rule |
 * |---|---|
 * | v | the integer 2 |
 * | for | digest (§8) of the message |
 * | by | peer ID of the receiver |
 * | status | `accepted` or `rejected` (what the entry says) |
 * | reason | the reason code when rejected, else null |
 * | leaf | the entry's leaf index in the receiver's log |
 * | entry | the audit entry exactly as logged |
 * | proof | RFC 9162 inclusion proof of the leaf in the checkpoint's tree, bottom-up, hex |
 * | checkpoint | the receiver's C2SP signed checkpoint note |
 *
 * `checkReceiptEvidence` does every check but the signatures (the caller opens the note with
 * the receiver's key: node/audit/checkpoints.ts `openNodeCheckpoint`).
 *
 * @module
 */
import { ProtocolError, isReasonCode } from './errors.ts'
import { parseCheckpoint } from './checkpoint.ts'
import { leafHash, verifyInclusion } from './merkle.ts'

export interface ReceiptEvidence {
  v: 2
  for: string
  by: string
  status: 'accepted' | 'rejected'
  reason: string | null
  leaf: number
  entry: string
  /** Hex, bottom-up. */
  proof: string[]
  checkpoint: string
}

const DIGEST = /^[0-9a-f]{64}$/
const HASH = /^[0-9a-f]{64}$/
const KEYS = ['v', 'for', 'by', 'status', 'reason', 'leaf', 'entry', 'proof', 'checkpoint']
const utf8 = new TextEncoder()

/** Whether stored receipt bytes are receipt evidence v2 (rather than a v1 receipt envelope). */
export function isReceiptEvidence (bytes: Uint8Array): boolean {
  return bytes.length > 8 && bytes[0] === 0x7b && Buffer.from(bytes.subarray(0, 7)).toString('latin1') === '{"v":2,'
}

export function encodeReceiptEvidence (e: ReceiptEvidence): Uint8Array {
  return utf8.encode(
    JSON.stringify({ v: 2, for: e.for, by: e.by, status: e.status, reason: e.reason, leaf: e.leaf, entry: e.entry, proof: e.proof, checkpoint: e.checkpoint })
  )
}

/**
 * Encodes the evidence of many messages of one batch receipt: the same bytes as
 * `encodeReceiptEvidence` for each (JSON.stringify of an object is the concatenation of its
 * members' JSON), but the members every message of the batch shares — `by` and the checkpoint
 * note, whose JSON escapes a few hundred characters — are escaped and encoded once per batch, and
 * each proof hash is quoted once however many of the batch's proofs it is in (the upper nodes
 * are in all of them).
 */
export class BatchEvidenceEncoder {
  private readonly by: string
  private readonly tail: Uint8Array
  private readonly quoted = new Map<Uint8Array, string>()

  constructor (by: string, checkpoint: string) {
    this.by = JSON.stringify(by)
    this.tail = utf8.encode('],"checkpoint":' + JSON.stringify(checkpoint) + '}')
  }

  /** The evidence of one message: `proof` bottom-up, as raw hashes. */
  encode (e: { for: string, status: 'accepted' | 'rejected', reason: string | null, leaf: number, entry: string }, proof: readonly Uint8Array[]): Uint8Array {
    let text = '{"v":2,"for":' + JSON.stringify(e.for) + ',"by":' + this.by + ',"status":' + JSON.stringify(e.status) + ',"reason":' +
      JSON.stringify(e.reason) + ',"leaf":' + JSON.stringify(e.leaf) + ',"entry":' + JSON.stringify(e.entry) + ',"proof":['
    for (let i = 0; i < proof.length; i++) {
      let q = this.quoted.get(proof[i])
      if (q === undefined) {
        q = JSON.stringify(Buffer.from(proof[i].buffer, proof[i].byteOffset, proof[i].byteLength).toString('hex'))
        this.quoted.set(proof[i], q)
      }
      text += i === 0 ? q : ',' + q
    }
    const head = Buffer.byteLength(text)
    const out = new Uint8Array(head + this.tail.length)
    utf8.encodeInto(text, out)
    out.set(this.tail, head)
    return out
  }
}

function invalid (message: string): never {
  throw new ProtocolError('SCHEMA_INVALID', `receipt evidence: ${message}`)
}

/** Decodes evidence and checks its shape. Throws ProtocolError SCHEMA_INVALID. */
export function parseReceiptEvidence (bytes: Uint8Array): ReceiptEvidence {
  let o: Record<string, unknown>
  try {
    o = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Record<string, unknown>
  } catch (err) {
    invalid(`not JSON (${(err as Error).message})`)
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) invalid('not an object')
  if (Object.keys(o).join() !== KEYS.join()) invalid(`members must be ${KEYS.join(', ')}`)
  if (o.v !== 2) invalid('v must be 2')
  if (typeof o.for !== 'string' || !DIGEST.test(o.for)) invalid('for is not a digest')
  if (typeof o.by !== 'string') invalid('by is not a peer ID')
  if (o.status !== 'accepted' && o.status !== 'rejected') invalid('status must be accepted or rejected')
  if (o.status === 'rejected' ? !isReasonCode(o.reason) : o.reason !== null) invalid('reason must be a reason code exactly when rejected')
  if (!Number.isSafeInteger(o.leaf) || (o.leaf as number) < 0) invalid('leaf is not a leaf index')
  if (typeof o.entry !== 'string') invalid('entry is not a string')
  if (!Array.isArray(o.proof) || !o.proof.every(h => typeof h === 'string' && HASH.test(h))) invalid('proof is not a list of hex hashes')
  if (typeof o.checkpoint !== 'string') invalid('checkpoint is not a note')
  return o as unknown as ReceiptEvidence
}

/**
 * What the entry of a batch receipt result says about the message `digest`: accepted (its
 * `message.received` entry) or rejected with a reason (its `message.rejected` entry; digest null
 * when the receiver could not parse the envelope). Throws ProtocolError SCHEMA_INVALID when it
 * says neither about this message.
 */
export function statusOfEntry (entry: string, digest: string, sender?: string): { status: 'accepted' | 'rejected', reason: string | null } {
  let e: Record<string, unknown>
  try {
    e = JSON.parse(entry) as Record<string, unknown>
  } catch {
    invalid('an entry is not JSON')
  }
  if (e.v !== 1) invalid('an entry is not an audit entry')
  if (e.type === 'message.received') {
    if (e.digest !== digest) invalid(`the entry is for ${String(e.digest)}, not ${digest}`)
    return { status: 'accepted', reason: null }
  }
  if (e.type === 'message.rejected') {
    if (e.digest !== digest && e.digest !== null) invalid(`the rejection is for ${String(e.digest)}, not ${digest}`)
    if (sender !== undefined && e.from !== sender) invalid(`the rejection is of a frame from ${String(e.from)}`)
    if (!isReasonCode(e.reason)) invalid('the rejection has no reason code')
    return { status: 'rejected', reason: e.reason }
  }
  invalid(`an entry of type ${String(e.type)} is no answer to a message`)
}

/**
 * Checks everything in the evidence except signatures: the entry says `status`/`reason` about
 * `for`, and the inclusion proof leads from the entry's leaf to the checkpoint's root. Returns
 * the checkpoint's size and root. Throws ProtocolError (SCHEMA_INVALID, BAD_PROOF).
 */
export function checkReceiptEvidence (e: ReceiptEvidence): { size: number, root: Uint8Array } {
  const says = statusOfEntry(e.entry, e.for)
  if (says.status !== e.status || says.reason !== e.reason) invalid('status and reason differ from what the entry says')
  const body = e.checkpoint.slice(0, e.checkpoint.indexOf('\n\n') + 1)
  const cp = parseCheckpoint(body)
  const proof = e.proof.map(h => new Uint8Array(Buffer.from(h, 'hex')))
  if (!verifyInclusion(e.leaf, cp.size, leafHash(utf8.encode(e.entry)), proof, cp.root)) {
    throw new ProtocolError('BAD_PROOF', `the inclusion proof of leaf ${e.leaf} does not lead to the checkpoint's root`)
  }
  return { size: cp.size, root: cp.root }
}
