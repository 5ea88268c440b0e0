/**
 * The fields by which the node indexes a message — what `inbox`, policy and the audit leaf say
 * about it — written exactly as they open a canonically encoded message payload
 * (protocol/message.ts `encodeMessage` writes v, id, kind, from, to, created, expires, tlp,
 * handling, topic, legalBasis in that order before inReplyTo and body):
 *
 * ```
 * {"v":1,"id":"…","kind":"report","from":"12D3…","to":["12D3…"],"created":"…","expires":"…",
 *  "tlp":"AMBER","handling":[],"topic":"…","legalBasis":"…",
 * ```
 *
 * So one string compares three views of a message: the signed payload (a byte comparison with
 * its first bytes, no JSON parsing), the index record in the store, and the audit leaf. `verify`
 * requires all three to agree; the first 16 bytes of SHA-256 of the prefix stand for it where
 * millions must be kept.
 *
 * @module
 */
import { hash } from 'node:crypto'

export interface IndexFields {
  id: unknown
  kind: unknown
  from: unknown
  to: unknown
  tlp: unknown
  topic: unknown
  legalBasis: unknown
  handling: unknown
  created: unknown
  expires: unknown
}

const J = JSON.stringify

/** The canonical payload prefix for these index fields. */
export function messagePrefix (m: IndexFields): string {
  return `{"v":1,"id":${J(m.id)},"kind":${J(m.kind)},"from":${J(m.from)},"to":${J(m.to)},"created":${J(m.created)},"expires":${J(m.expires)},"tlp":${J(m.tlp)},"handling":${J(m.handling)},"topic":${J(m.topic)},"legalBasis":${J(m.legalBasis)},`
}

/** First 16 bytes of SHA-256 of a prefix. */
export function prefixDigest (prefix: string): Uint8Array {
  const out = hash('sha256', prefix, 'buffer')
  return new Uint8Array(out.buffer, out.byteOffset, 16)
}
