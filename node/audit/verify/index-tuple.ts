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
 * requires all three to agree; the first 16 bytes of SHA-256 of payload type and index fields
 * stand for them where millions must be kept.
 *
 * @module
 */
/** The index fields of a message (values as stored: anything, when hostile). */
export type IndexFields = Record<'id' | 'kind' | 'from' | 'to' | 'tlp' | 'topic' | 'legalBasis' | 'handling' | 'created' | 'expires', unknown>

const J = JSON.stringify

/**
 * The index fields as the payload writes them, `"id":…,"legalBasis":…,` (trailing comma
 * included). A message audit entry holds exactly this text too (events.ts orders its fields so),
 * which lets the verifier take it from the entry by position instead of rebuilding it.
 */
export function indexFieldsText (m: IndexFields): string {
  return `"id":${J(m.id)},"kind":${J(m.kind)},"from":${J(m.from)},"to":${J(m.to)},"created":${J(m.created)},"expires":${J(m.expires)},"tlp":${
    J(m.tlp)
  },"handling":${J(m.handling)},"topic":${J(m.topic)},"legalBasis":${J(m.legalBasis)},`
}

/** The opening of a canonically encoded message payload with these index fields. */
export const PAYLOAD_OPENING = '{"v":1,'

/** The canonical payload prefix for these index fields. */
export function messagePrefix (m: IndexFields): string {
  return PAYLOAD_OPENING + indexFieldsText(m)
}

/**
 * The index-fields text inside a canonical message entry (`text`, decoded as `type`/`payloadType`):
 * everything from `"id":` to the comma before `"envelopeSha256"`. Positions follow from the
 * canonical encoding (entry.ts), so no searching: escaped quotes in earlier fields cannot mislead it.
 */
export function indexFieldsOfEntry (text: string, type: string, payloadType: string): string {
  const start = '{"v":1,"type":'.length + J(type).length + ',"at":'.length + 26 + ',"digest":'.length + 66 + ',"payloadType":'.length + J(payloadType).length +
    1
  const end = text.length - (',"envelopeSha256":'.length + 66 + 1) + 1
  return text.slice(start, end)
}
