/**
 * Worker thread of prefill.ts: builds synthetic but fully valid inbound records — a message
 * from the sender to the receiver, validated, signed by the sender's real key, and the
 * receiver's signed receipt for it, with the audit events the receive path records — so a
 * prefilled store holds exactly what a node that had received those messages would hold.
 *
 * Protocol: the parent posts `{ start, count }`; the worker answers `{ records }`.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { parentPort, workerData } from 'node:worker_threads'
import { loadIdentity } from '../../node/config/data-dir.ts'
import { metaOf } from '../../node/store/index.ts'
import { signReceipt } from '../../node/exchange/index.ts'
import { encodeEnvelope, envelopeDigest, signEnvelope } from '../../protocol/envelope.ts'
import { encodeMessage } from '../../protocol/message.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import { PAYLOAD_TYPES, type MessageV1 } from '../../protocol/types.ts'
import { DEFAULT_MESSAGE_TTL_MS } from '../../node/defaults.ts'
import type { MessageMeta } from '../../node/store/index.ts'
import { auditEvents, sha256Hex, type AuditEvent } from '../../node/audit/events.ts'

export interface PrefillWorkerData {
  senderDir: string
  receiverDir: string
  bodyBytes: number
  legalBasis: string
  /** storedAt / created of record i is baseTime + i ms. */
  baseTime: number
}

export interface PrefillRecord {
  meta: MessageMeta
  envelope: Uint8Array
  receipt: Uint8Array
  /** The audit events the receive path records for it: message.received, receipt.stored. */
  events: AuditEvent[]
}

const init = workerData as PrefillWorkerData
const sender = (await loadIdentity(init.senderDir)).signer
const receiver = (await loadIdentity(init.receiverDir)).signer

/** Random base64 bodies (incompressible), drawn from a pool: bodies need not be unique, messages are. */
const textChars = Math.max(0, init.bodyBytes - 24)
const bodies = Array.from({ length: 64 }, () => randomBytes(Math.ceil(textChars * 3 / 4)).toString('base64').slice(0, textChars))

/** Randomness for message ids, drawn in bulk per chunk (one syscall per chunk, not per id). */
let random = new Uint8Array(0)

function record (i: number, j: number): PrefillRecord {
  const t = init.baseTime + i
  // encodeMessage validates the message (schema, sizes) before encoding it.
  const msg: MessageV1 = {
    v: 1,
    id: uuidV7(t, random.subarray(j * 10, j * 10 + 10)),
    kind: 'report',
    from: sender.peerId,
    to: [receiver.peerId],
    created: new Date(t).toISOString(),
    expires: new Date(t + DEFAULT_MESSAGE_TTL_MS).toISOString(),
    tlp: 'AMBER',
    handling: [],
    topic: 'benchmark',
    legalBasis: init.legalBasis,
    body: { n: i, text: bodies[i % bodies.length] }
  }
  const env = signEnvelope(PAYLOAD_TYPES.message, encodeMessage(msg), sender)
  const digest = envelopeDigest(env)
  const meta = metaOf(msg, digest, 'in', t)
  const envelope = encodeEnvelope(env)
  const receipt = signReceipt(receiver, { digest, messageId: msg.id, status: 'accepted' }, new Date(t))
  // auditEvents.receiptStored would decode and parse the receipt we just made; its fields are known.
  const stored: AuditEvent = { type: 'receipt.stored', for: digest, by: receiver.peerId, status: 'accepted', reason: null, envelopeSha256: sha256Hex(receipt) }
  return { meta, envelope, receipt, events: [auditEvents.messageReceived(meta, envelope), stored] }
}

parentPort?.on('message', (req: { start: number, count: number }) => {
  const records: PrefillRecord[] = []
  random = randomBytes(req.count * 10)
  for (let j = 0; j < req.count; j++) records.push(record(req.start + j, j))
  parentPort?.postMessage({ records })
})
parentPort?.postMessage({ ready: true })
