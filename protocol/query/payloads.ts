/**
 * Payloads of hit/no-hit queries (PROTOCOL.md §19): the query (blinded selectors of one type),
 * its answer (evaluations and one batched VOPRF proof, or a refusal), and the hit filter an
 * answering node keeps each permitted peer up to date with. Each travels in its own signed
 * DSSE envelope; strict JSON, unknown fields refused, SCHEMA_INVALID naming the field.
 *
 * @module
 */
import { z } from 'zod'
import { tryDecodeBase64 } from '../base64.ts'
import { ProtocolError } from '../errors.ts'
import { isPeerId } from '../peer-id.ts'
import { parsePayload } from '../schema-kit.ts'
import { isRfc3339Millis } from '../time.ts'
import { isUuidV7 } from '../uuid.ts'

/** Payload types of the query protocol. */
export const QUERY_PAYLOAD_TYPES = {
  query: 'application/vnd.liaison.query.v1+json',
  answer: 'application/vnd.liaison.query-answer.v1+json',
  filter: 'application/vnd.liaison.query-filter.v1+json'
} as const

/** Most selectors in one query (a peer's `--query-max` may be lower). */
export const MAX_QUERY_SELECTORS = 1000
/** Most tags added plus removed in one filter part. */
export const MAX_FILTER_TAGS = 20000
/** Most parts of one filter sync (10,000,000 tags). */
export const MAX_FILTER_PARTS = 500
/** A filter tag: 16 bytes, lower-case hex. */
export const TAG_HEX = /^[0-9a-f]{32}$/

const peerId = z.string().refine(isPeerId, 'must be an Ed25519 peer ID')
const created = z.string().refine(isRfc3339Millis, 'must be RFC 3339 UTC with milliseconds')
const element = z.string().refine((s) => tryDecodeBase64(s)?.length === 32, 'must be base64 of 32 bytes')
const keyId = z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lower-case hex digits')
const selectorType = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a selector type name')
const text = (max: number): z.ZodString => z.string().min(1).max(max)

export const QuerySchema = z.strictObject({
  v: z.literal(1),
  id: z.string().refine(isUuidV7, 'must be a UUIDv7'),
  from: peerId,
  to: peerId,
  created,
  type: selectorType,
  keyId,
  legalBasis: text(128),
  purpose: text(512),
  blinded: z.array(element).min(1).max(MAX_QUERY_SELECTORS),
  /** The hit filter the asker holds from `to` for `type` (§19.8); absent: none, send a full one. */
  have: z.strictObject({ keyId, seq: z.number().int().min(0) }).optional()
})
export type QueryV1 = z.infer<typeof QuerySchema>

export const AnswerSchema = z.strictObject({
  v: z.literal(1),
  query: z.string().refine(isUuidV7, 'must be a UUIDv7'),
  queryDigest: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
  from: peerId,
  to: peerId,
  created,
  keyId,
  evaluated: z.array(element).max(MAX_QUERY_SELECTORS).optional(),
  proof: z.string().refine((s) => tryDecodeBase64(s)?.length === 64, 'must be base64 of 64 bytes').optional(),
  refused: z.enum(['QUERY_NOT_PERMITTED', 'SELECTOR_TYPE_NOT_PERMITTED', 'QUOTA_EXCEEDED', 'AGREEMENT_INVALID', 'SCHEMA_INVALID', 'TOO_LARGE', 'UNAVAILABLE'])
    .optional()
}).refine((a) => (a.refused === undefined) === (a.evaluated !== undefined && a.proof !== undefined), 'an answer has evaluated and proof, or refused, not both')
export type AnswerV1 = z.infer<typeof AnswerSchema>

/**
 * One part of a hit-filter update (§19.8). A sync is one or more parts with equal `since`,
 * `seq` and `size`, numbered from 0, the last marked `last`; it is bound to the query it came
 * with. `since: null` is a full filter (the set is exactly the parts' `added`); otherwise a
 * delta on top of the asker's filter at `since`.
 */
export const FilterSchema = z.strictObject({
  v: z.literal(1),
  query: z.string().refine(isUuidV7, 'must be a UUIDv7'),
  from: peerId,
  to: peerId,
  created,
  type: selectorType,
  keyId,
  since: z.number().int().min(0).nullable(),
  seq: z.number().int().min(0),
  size: z.number().int().min(0),
  part: z.number().int().min(0).max(MAX_FILTER_PARTS - 1),
  last: z.boolean(),
  added: z.array(z.string().regex(TAG_HEX)).max(MAX_FILTER_TAGS),
  removed: z.array(z.string().regex(TAG_HEX)).max(MAX_FILTER_TAGS)
}).refine((f) => f.added.length + f.removed.length <= MAX_FILTER_TAGS, `a filter part carries at most ${MAX_FILTER_TAGS} tags`)
  .refine((f) => f.since !== null || f.removed.length === 0, 'a full filter removes nothing')
  .refine((f) => f.since === null || f.since <= f.seq, 'since must not be after seq')
export type FilterV1 = z.infer<typeof FilterSchema>

function decode<T> (schema: z.ZodType<T>, payload: Uint8Array, what: string, maxBytes: number): T {
  const r = schema.safeParse(parsePayload(payload, what, maxBytes))
  if (!r.success) {
    const issue = r.error.issues[0]
    throw new ProtocolError('SCHEMA_INVALID', `${what}: ${issue.path.join('.') || '(root)'} ${issue.message}`)
  }
  return r.data
}

/** Decodes and validates a query payload. */
export function decodeQuery (payload: Uint8Array): QueryV1 {
  return decode(QuerySchema, payload, 'query', 64 * 1024)
}

/** Decodes and validates an answer payload. */
export function decodeAnswer (payload: Uint8Array): AnswerV1 {
  return decode(AnswerSchema, payload, 'query answer', 64 * 1024)
}

/** Decodes and validates a filter payload. */
export function decodeFilter (payload: Uint8Array): FilterV1 {
  return decode(FilterSchema, payload, 'query filter', 1024 * 1024)
}
