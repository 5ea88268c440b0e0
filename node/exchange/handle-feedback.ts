/**
 * Inbound feedback (we are the originator; a recipient rates a message we sent it). Checked
 * like any envelope (signer, freshness, addressing; the peer's status before this), and only
 * for a message this node sent to the rater. Stored as a control record, and logged
 * (`message.rated`) for the cooperation report.
 *
 * @module
 */
import { ProtocolError } from '../../protocol/errors.ts'
import { parseFeedback, type FeedbackV1 } from '../../protocol/feedback.ts'
import { PAYLOAD_TYPES } from '../../protocol/types.ts'
import { auditEvents } from '../audit/events.ts'
import { checkEnvelopeHeader, refuse, type Admission, type Incoming } from './admission.ts'

export async function handleFeedback (incoming: Incoming): Promise<Admission> {
  let f: FeedbackV1
  try {
    f = parseFeedback(incoming.env.payload)
  } catch (err) {
    return refuse(err instanceof ProtocolError ? err.code : 'SCHEMA_INVALID')
  }
  const header = checkEnvelopeHeader({ ...f, to: [f.to] }, incoming)
  if (header != null) return header
  const sent = await incoming.store.getMeta(f.messageDigest)
  if (sent == null || sent.direction !== 'out' || sent.id !== f.messageId || !sent.to.includes(f.from)) {
    return refuse('NOT_ADDRESSED', f.id, 'no such message sent by this node to the rater')
  }
  return {
    ok: true,
    meta: {
      ...sent,
      digest: incoming.digest,
      id: f.id,
      payloadType: PAYLOAD_TYPES.feedback,
      direction: 'in',
      from: f.from,
      to: [f.to],
      created: f.created,
      expires: f.expires,
      storedAt: incoming.nowMs
    },
    ops: [],
    events: [
      auditEvents.messageRated({ digest: f.messageDigest, rater: f.from, originator: incoming.self.peerId, rating: f.rating, feedback: incoming.digest })
    ]
  }
}
