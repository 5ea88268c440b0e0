/**
 * Feedback v1 (`application/vnd.liaison.feedback.v1+json`): the recipient of a message tells its
 * originator what the message was worth — the qualitative half of evaluating cooperation.
 * { v, id, from (the rater), to (the originator), created, expires, messageDigest, messageId,
 * rating: useful | not-useful | actioned | led-to-operation, note? (1..1000 characters) }.
 *
 * @module
 */
import { compactJson } from './json.ts'
import { digestField, invalid, parsePayload, peerIdField, stringField, timeField, uuidField, versionedObject } from './schema-kit.ts'

export const FEEDBACK_RATINGS = ['useful', 'not-useful', 'actioned', 'led-to-operation'] as const
export type FeedbackRating = typeof FEEDBACK_RATINGS[number]

export interface FeedbackV1 {
  v: 1
  id: string
  from: string
  to: string
  created: string
  expires: string
  messageDigest: string
  messageId: string
  rating: FeedbackRating
  note?: string
}

const KEYS: ReadonlySet<string> = new Set(['v', 'id', 'from', 'to', 'created', 'expires', 'messageDigest', 'messageId', 'rating', 'note'])

export function validateFeedback (value: unknown): FeedbackV1 {
  const o = versionedObject(value, KEYS, 'feedback')
  const rating = o.rating
  if (!(FEEDBACK_RATINGS as readonly unknown[]).includes(rating)) invalid(`rating must be one of ${FEEDBACK_RATINGS.join(', ')}`)
  const f: FeedbackV1 = {
    v: 1,
    id: uuidField(o, 'id'),
    from: peerIdField(o, 'from'),
    to: peerIdField(o, 'to'),
    created: timeField(o, 'created'),
    expires: timeField(o, 'expires'),
    messageDigest: digestField(o, 'messageDigest'),
    messageId: uuidField(o, 'messageId'),
    rating: rating as FeedbackRating
  }
  if (o.note !== undefined) f.note = stringField(o, 'note', 1000)
  if (Date.parse(f.expires) <= Date.parse(f.created)) invalid('expires must be after created')
  return f
}

export const parseFeedback = (payload: Uint8Array): FeedbackV1 => validateFeedback(parsePayload(payload, 'feedback'))
export const encodeFeedback = (f: FeedbackV1): Uint8Array => new TextEncoder().encode(compactJson(validateFeedback(f)))
