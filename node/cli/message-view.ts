/**
 * `liaison message show`: a stored message as an operator reads it — its fields, its body
 * decoded, whether its signature verifies under the sender's key, and each receipt's answer
 * and signature — computed from the envelope and receipts exactly as stored.
 *
 * @module
 */
import { decodeEnvelope, verifyEnvelope } from '../../protocol/envelope.ts'
import { verifyKeyFromPeerId } from '../../protocol/keys.ts'
import { parseMessage } from '../../protocol/message.ts'
import { parseReceipt } from '../../protocol/receipt.ts'
import { isReceiptEvidence, parseReceiptEvidence } from '../../protocol/receipt-evidence.ts'
import { PAYLOAD_TYPES } from '../../protocol/types.ts'
import type { MessageView } from '../service/index.ts'
import { checkStoredEnvelope } from '../audit/verify/envelope-check.ts'

export interface ReceiptStatus {
  by: string
  status: string
  reason?: string
  at: string
  valid: boolean
  envelope: string
}

export interface MessageShow {
  meta: MessageView['meta']
  body: unknown
  signature: { valid: boolean | null, signer: string }
  receipts: ReceiptStatus[]
  deliveries?: MessageView['deliveries']
  envelope?: string
}

const verifies = (env: ReturnType<typeof decodeEnvelope>, signer: string): boolean => {
  try {
    return verifyEnvelope(env, verifyKeyFromPeerId(signer))
  } catch {
    return false
  }
}

/**
 * A receipt kept as evidence from a batch receipt (PROTOCOL.md §22): its answer and the time the
 * receiver logged it come from the logged entry; valid when `audit verify`'s own check of stored
 * receipt evidence passes (for this message, by this receiver, entry, inclusion proof and the
 * receiver's signed checkpoint: what `message evidence` exports for anyone to check).
 */
function evidenceStatus (by: string, digest: string, bytes: Uint8Array, envelope: string): ReceiptStatus {
  const e = parseReceiptEvidence(bytes)
  let valid = false
  try {
    valid = checkStoredEnvelope(bytes, verifyKeyFromPeerId(by), { kind: 'receipt', digest: Buffer.from(digest, 'hex') }).ok
  } catch {
    valid = false
  }
  const at = (JSON.parse(e.entry) as { at: string }).at
  return { by, status: e.status, ...(e.reason != null ? { reason: e.reason } : {}), at, valid, envelope }
}

/** `view` (fetched with its envelope) as `message show` presents it; `keepEnvelope` keeps the base64. */
export function showMessage (view: MessageView, keepEnvelope: boolean): MessageShow {
  const signer = view.meta.from
  let body: unknown = null
  let valid: boolean | null = null
  if (view.envelope != null) {
    const env = decodeEnvelope(Buffer.from(view.envelope, 'base64'))
    valid = verifies(env, signer)
    // A plain message's body; a forward's or release's payload as a whole (it wraps or names the original).
    body = env.payloadType === PAYLOAD_TYPES.message ? parseMessage(env.payload).body : JSON.parse(Buffer.from(env.payload).toString('utf8'))
  }
  const receipts = view.receipts.map(r => {
    const bytes = Buffer.from(r.envelope, 'base64')
    if (isReceiptEvidence(bytes)) return evidenceStatus(r.by, view.meta.digest, bytes, r.envelope)
    const env = decodeEnvelope(bytes)
    const receipt = parseReceipt(env.payload)
    return {
      by: r.by,
      status: receipt.status,
      ...(receipt.reason != null ? { reason: receipt.reason } : {}),
      at: receipt.at,
      valid: verifies(env, r.by),
      envelope: r.envelope
    }
  })
  return {
    meta: view.meta,
    body,
    signature: { valid, signer },
    receipts,
    ...(view.deliveries != null ? { deliveries: view.deliveries } : {}),
    ...(keepEnvelope && view.envelope != null ? { envelope: view.envelope } : {})
  }
}

const indent = (text: string, by: string): string => text.split('\n').map(l => by + l).join('\n')

/** The text form: fields, signature, receipts, deliveries, then the body pretty-printed. */
export function describeMessage (m: MessageShow): string {
  const meta = m.meta
  const sig = m.signature.valid == null
    ? 'not checked: the envelope was purged'
    : m.signature.valid
    ? `valid, by ${m.signature.signer}`
    : `INVALID (does not verify under ${m.signature.signer})`
  const lines = [
    `message     ${meta.id}`,
    `digest      ${meta.digest}`,
    `direction   ${meta.direction === 'in' ? 'received' : 'sent'}`,
    `from        ${meta.from}`,
    `to          ${meta.to.join(', ')}`,
    `kind        ${meta.kind}${meta.payloadType != null ? `  (${meta.payloadType})` : ''}`,
    `TLP         ${meta.tlp}`,
    `topic       ${meta.topic}`,
    `legal basis ${meta.legalBasis}`,
    `handling    ${meta.handling.length > 0 ? meta.handling.join(', ') : '-'}`,
    `created     ${meta.created}`,
    `expires     ${meta.expires}`,
    `stored      ${new Date(meta.storedAt).toISOString()}`,
    ...(meta.inReplyTo != null ? [`in reply to ${meta.inReplyTo}`] : []),
    ...(meta.original != null ? [`forwards    ${meta.original.id} from ${meta.original.from}`] : []),
    ...(meta.purgedAt != null ? [`purged      ${new Date(meta.purgedAt).toISOString()}`] : []),
    `signature   ${sig}`,
    `receipts    ${m.receipts.length === 0 ? 'none yet' : ''}`.trimEnd(),
    ...m.receipts.map(r => `  ${r.by}  ${r.status}${r.reason != null ? ' ' + r.reason : ''}  at ${r.at}  signature ${r.valid ? 'valid' : 'INVALID'}`),
    ...(m.deliveries != null && m.deliveries.length > 0
      ? ['deliveries', ...m.deliveries.map(d => `  ${d.recipient}  ${d.status}${d.reason != null ? ' ' + d.reason : ''}  attempts ${d.attempts}`)]
      : []),
    'body',
    m.body == null ? '  (purged: only the index record remains)' : indent(JSON.stringify(m.body, null, 2), '  ')
  ]
  return lines.join('\n') + '\n'
}
