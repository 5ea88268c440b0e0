/**
 * OPRF key notice (PROTOCOL.md §19.9): the answering node's statement, signed by its identity
 * key, that the OPRF key an asker holds (`previousKeyId`) was one of its own and has been
 * replaced by `publicKey`. It rides on the answer to a query that named a retired key; the
 * asker accepts the new key only when the notice verifies under the answering node's pinned
 * identity and `previousKeyId` is exactly the key it pinned. Anything else stays
 * OPRF_KEY_CHANGED: a key change is never silent and never taken from an unsigned claim.
 *
 * | field         | rule |
 * |---------------|------|
 * | v             | 1 |
 * | peerId        | the answering node (the signer) |
 * | previousKeyId | the retired key id the asker named (32 lower-case hex) |
 * | epoch         | the current key's epoch (≥ 1) |
 * | keyId         | the current key id: SHA-256(publicKey)[0..16) hex |
 * | publicKey     | the current pkS, base64 of 32 bytes |
 * | created       | RFC 3339 UTC ms: when the current key was made |
 *
 * @module
 */
import { z } from 'zod'
import { tryDecodeBase64 } from '../base64.ts'
import { ProtocolError } from '../errors.ts'
import { isPeerId } from '../peer-id.ts'
import { parsePayload } from '../schema-kit.ts'
import { isRfc3339Millis } from '../time.ts'
import { oprfKeyId } from './tags.ts'

/** Payload type of the notice. */
export const KEY_NOTICE_PAYLOAD_TYPE = 'application/vnd.liaison.query-key-notice.v1+json'

const keyId = z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lower-case hex digits')

export const KeyNoticeSchema = z.strictObject({
  v: z.literal(1),
  peerId: z.string().refine(isPeerId, 'must be an Ed25519 peer ID'),
  previousKeyId: keyId,
  epoch: z.number().int().min(1),
  keyId,
  publicKey: z.string().refine((s) => tryDecodeBase64(s)?.length === 32, 'must be base64 of 32 bytes'),
  created: z.string().refine(isRfc3339Millis, 'must be RFC 3339 UTC with milliseconds')
}).refine((n) => n.keyId === oprfKeyId(tryDecodeBase64(n.publicKey)!), 'keyId must be the key id of publicKey')
  .refine((n) => n.keyId !== n.previousKeyId, 'keyId must differ from previousKeyId')
export type KeyNoticeV1 = z.infer<typeof KeyNoticeSchema>

/** Decodes and validates a notice payload (SCHEMA_INVALID naming the field). */
export function decodeKeyNotice (payload: Uint8Array): KeyNoticeV1 {
  const r = KeyNoticeSchema.safeParse(parsePayload(payload, 'OPRF key notice', 4096))
  if (!r.success) {
    const issue = r.error.issues[0]
    throw new ProtocolError('SCHEMA_INVALID', `OPRF key notice: ${issue.path.join('.') || '(root)'} ${issue.message}`)
  }
  return r.data
}

/**
 * The asker's check of a notice already verified under `peerId`'s identity key: it is that
 * node's, it replaces exactly the key pinned, and it names the key the answer is under.
 * Returns the reason it does not apply, or null.
 */
export function keyNoticeProblem (n: KeyNoticeV1, expect: { peerId: string, pinnedKeyId: string, answerKeyId: string }): string | null {
  if (n.peerId !== expect.peerId) return "the notice is not the answering node's"
  if (n.previousKeyId !== expect.pinnedKeyId) return `the notice replaces key ${n.previousKeyId}, pinned is ${expect.pinnedKeyId}`
  if (n.keyId !== expect.answerKeyId) return `the notice names key ${n.keyId}, the answer is under ${expect.answerKeyId}`
  return null
}
