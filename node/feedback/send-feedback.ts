/**
 * `liaison feedback MESSAGE_ID --rating R [--note TEXT]`: rate a message this node received, by
 * sending its originator a signed feedback envelope (protocol/feedback.ts). Policy-checked like
 * any outbound message — the originator must be on the trust list, active, and the rated
 * message's agreement, TLP, topic and kind allowed outbound to it — then queued in the outbox
 * like any envelope, and logged (`message.rated`) in the same write.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { encodeEnvelope, signEnvelope } from '../../protocol/envelope.ts'
import { envelopeDigest } from '../../protocol/digest.ts'
import { FEEDBACK_RATINGS, encodeFeedback, type FeedbackRating, type FeedbackV1 } from '../../protocol/feedback.ts'
import { PAYLOAD_TYPES, type Signer } from '../../protocol/types.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import { auditEvents } from '../audit/events.ts'
import { NodeError } from '../errors.ts'
import { enqueueOutbound } from '../exchange/enqueue.ts'
import type { Outbox } from '../exchange/outbox.ts'
import { decide } from '../policy/index.ts'
import type { PolicyHolder } from '../policy/index.ts'
import type { MessageMeta, Store } from '../store/index.ts'
import type { TrustList } from '../trust/index.ts'
import { FEEDBACK_TTL_MS } from '../defaults.ts'

export interface FeedbackComponents {
  store: Store
  trust: TrustList
  signer: Signer
  policy: PolicyHolder
  outbox?: Outbox
  now: () => Date
}

export interface FeedbackResult {
  id: string
  digest: string
  messageId: string
  originator: string
  rating: FeedbackRating
  status: 'queued'
}

export async function sendFeedback (c: FeedbackComponents, ref: string, rating: string, note?: string): Promise<FeedbackResult> {
  if (!(FEEDBACK_RATINGS as readonly string[]).includes(rating)) throw new NodeError('BAD_ARGUMENT', `--rating must be one of ${FEEDBACK_RATINGS.join(', ')}`)
  if (note != null && (note === '' || note.length > 1000)) throw new NodeError('BAD_ARGUMENT', '--note must be 1 to 1000 characters')
  const digest = await c.store.resolveRef(ref)
  const meta = digest == null ? undefined : await c.store.getMeta(digest)
  if (digest == null || meta == null) throw new NodeError('NOT_FOUND', `no message ${ref}`)
  if (meta.direction !== 'in' || meta.payloadType != null) throw new NodeError('BAD_ARGUMENT', `${ref} is not a message this node received from its originator`)
  const now = c.now()
  const verdict = decide(
    c.policy.current,
    c.trust.get(meta.from),
    { tlp: meta.tlp, topic: meta.topic, kind: meta.kind, legalBasis: meta.legalBasis, handling: meta.handling },
    'out',
    now.getTime()
  )
  if (verdict.decision !== 'accept') {
    throw new NodeError('RECIPIENT_REFUSED', `policy refuses feedback to ${meta.from}: ${verdict.reason}`, {
      details: [{ peerId: meta.from, reason: verdict.reason }]
    })
  }
  const f: FeedbackV1 = {
    v: 1,
    id: uuidV7(now.getTime(), randomBytes(10)),
    from: c.signer.peerId,
    to: meta.from,
    created: now.toISOString(),
    expires: new Date(now.getTime() + FEEDBACK_TTL_MS).toISOString(),
    messageDigest: meta.digest,
    messageId: meta.id,
    rating: rating as FeedbackRating,
    ...(note != null ? { note } : {})
  }
  const env = signEnvelope(PAYLOAD_TYPES.feedback, encodeFeedback(f), c.signer)
  const fDigest = envelopeDigest(env)
  const control: MessageMeta = {
    ...meta,
    digest: fDigest,
    id: f.id,
    payloadType: PAYLOAD_TYPES.feedback,
    direction: 'out',
    from: f.from,
    to: [f.to],
    created: f.created,
    expires: f.expires,
    storedAt: now.getTime()
  }
  const events = [auditEvents.messageRated({ digest: meta.digest, rater: c.signer.peerId, originator: meta.from, rating, feedback: fDigest })]
  if (c.outbox != null) await c.outbox.enqueue(control, encodeEnvelope(env), [meta.from], [], events)
  else await enqueueOutbound(c.store, control, encodeEnvelope(env), [meta.from], now.getTime(), [], events)
  return { id: f.id, digest: fDigest, messageId: meta.id, originator: meta.from, rating: f.rating, status: 'queued' }
}
