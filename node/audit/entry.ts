/**
 * The canonical byte encoding of one audit log entry (one Merkle leaf). An entry is UTF-8 JSON,
 * no whitespace, readable with any JSON parser:
 *
 * ```
 * {"v":1,"type":"message.received","at":"2026-03-01T12:00:00.123Z","digest":"…",…}
 * ```
 *
 * - the members are exactly `v` (the integer 1), `type`, `at` (RFC 3339 UTC with milliseconds:
 *   when the entry was sealed into the log), then the fields of that type in the order
 *   `EVENT_SCHEMA` (events.ts, README.md) lists them — every field always present, `null` where
 *   a value is unknown, except that an entry sealed before a field was added to its type
 *   (`ADDED_FIELDS`, always the type's last fields) ends before that field;
 * - values that are free-form JSON (`before`, `after`, `detail`) and everything nested inside
 *   them are written as RFC 8785 (JCS) does: object keys sorted by UTF-16 code units, numbers and
 *   strings as ECMAScript JSON.stringify writes them;
 * - an entry is at most MAX_ENTRY_BYTES.
 *
 * One value has exactly one encoding, and `decodeEntry` accepts only that encoding (it reads the
 * text exactly as the encoder writes it, or else re-encodes what it parsed and compares), so a
 * leaf hash identifies an entry's meaning, not just its bytes.
 * Leaf hash = SHA-256(0x00 ‖ entry bytes) (RFC 9162, protocol/merkle.ts).
 *
 * @module
 */
import { ProtocolError, isReasonCode } from '../../protocol/errors.ts'
import { jsonDataProblem, utf8Decode } from '../../protocol/json.ts'
import { MAX_MESSAGE_PAYLOAD_BYTES } from '../../protocol/limits.ts'
import { isPeerId } from '../../protocol/peer-id.ts'
import { formatRfc3339Millis } from '../../protocol/time.ts'
import { timestampMs } from './timestamp.ts'
import { MESSAGE_KINDS, TLP_LEVELS } from '../../protocol/types.ts'
import { ADDED_FIELDS, EVENT_SCHEMA, isAuditEvent } from './events.ts'
import type { AuditEvent, AuditEventType, FieldKind } from './events.ts'

/** Largest entry, in bytes. */
export const MAX_ENTRY_BYTES = MAX_MESSAGE_PAYLOAD_BYTES

/** A decoded entry: the event plus its version and seal time. */
export type AuditEntry = AuditEvent & { v: 1, at: string }

const ACTION = /^[a-z][a-z0-9.-]{0,63}$/
const KINDS: ReadonlySet<string> = new Set(MESSAGE_KINDS)
const TLPS: ReadonlySet<string> = new Set(TLP_LEVELS)
const utf8 = new TextEncoder()

/** Peer IDs seen valid (decoding base58 for every field of every entry would dominate `verify`). */
const validPeers = new Set<string>()

function isPeer (value: unknown): boolean {
  if (typeof value !== 'string') return false
  if (validPeers.has(value)) return true
  if (!isPeerId(value)) return false
  if (validPeers.size > 100_000) validPeers.clear()
  validPeers.add(value)
  return true
}

/** 64 lowercase hex digits (a character loop: cheaper than the regular expression here). */
function isDigest (value: unknown): boolean {
  if (typeof value !== 'string' || value.length !== 64) return false
  for (let i = 0; i < 64; i++) {
    const c = value.charCodeAt(i)
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false
  }
  return true
}

function isText (value: unknown): boolean {
  return typeof value === 'string' && value !== '' && value.length <= 1024 && value.isWellFormed()
}

/** Why `value` is not a valid `kind` field, or undefined. */
function fieldProblem (kind: FieldKind, value: unknown): string | undefined {
  switch (kind) {
    case 'digest':
      return isDigest(value) ? undefined : 'must be 64 lowercase hex digits'
    case 'digest?':
      return value === null || isDigest(value) ? undefined : 'must be 64 lowercase hex digits or null'
    case 'digests':
      return Array.isArray(value) && value.length > 0 && value.every(isDigest)
        ? undefined
        : 'must be a non-empty array of 64-hex-digit digests'
    case 'peer':
      return isPeer(value) ? undefined : 'must be a peer ID'
    case 'peers':
      return Array.isArray(value) && value.every(isPeer) ? undefined : 'must be an array of peer IDs'
    case 'text':
      return isText(value) ? undefined : 'must be a non-empty string of at most 1024 characters'
    case 'text?':
      return value === null || isText(value) ? undefined : 'must be a short string or null'
    case 'codes':
      return Array.isArray(value) && value.every(isText) ? undefined : 'must be an array of short strings'
    case 'time':
      return Number.isNaN(timestampMs(value)) ? 'must be an RFC 3339 UTC timestamp with milliseconds' : undefined
    case 'time?':
      return value === null || !Number.isNaN(timestampMs(value)) ? undefined : 'must be an RFC 3339 UTC timestamp with milliseconds or null'
    case 'reason':
      return isReasonCode(value) ? undefined : 'must be a reason code'
    case 'reason?':
      return value === null || isReasonCode(value) ? undefined : 'must be a reason code or null'
    case 'kind':
      return typeof value === 'string' && KINDS.has(value) ? undefined : 'must be a message kind'
    case 'tlp':
      return typeof value === 'string' && TLPS.has(value) ? undefined : 'must be a TLP label'
    case 'status':
      return value === 'accepted' || value === 'rejected' ? undefined : 'must be accepted or rejected'
    case 'subject':
      return value === 'self' || value === 'peer' ? undefined : 'must be self or peer'
    case 'action':
      return typeof value === 'string' && ACTION.test(value) ? undefined : 'must be an action name'
    case 'json': {
      const problem = jsonDataProblem(value)
      return problem === undefined ? undefined : `is not JSON data (${problem})`
    }
  }
}

/** RFC 8785 (JCS) serialisation of JSON data (already checked to be JSON data). */
export function jcs (value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return '[' + value.map(jcs).join(',') + ']'
  const obj = value as Record<string, unknown>
  const keys = Object.keys(obj).sort()
  let out = '{'
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) out += ','
    out += JSON.stringify(keys[i]) + ':' + jcs(obj[keys[i]])
  }
  return out + '}'
}

/** The canonical text of an entry whose fields are known to be valid. */
function entryText (type: AuditEventType, at: string, fields: Record<string, unknown>): string {
  let out = `{"v":1,"type":${JSON.stringify(type)},"at":${JSON.stringify(at)}`
  const added = ADDED_FIELDS[type]
  for (const [name, kind] of EVENT_SCHEMA[type]) {
    const value = fields[name]
    // An entry sealed before the field existed ends before it (eventProblem: none after it either).
    if (value === undefined && added?.has(name) === true) break
    out += `,${JSON.stringify(name)}:${kind === 'json' ? jcs(value) : JSON.stringify(value)}`
  }
  return out + '}'
}

/** No escape (backslash) nor control character (never raw in JSON text) in text[from, to). */
function isPlainAt (text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x20 || c === 92) return false
  }
  return true
}

/** `"` then 64 lowercase hex digits then `"` at text[at…] (checked on the text: cheaper than on a slice of it). */
function isDigestAt (text: string, at: number): boolean {
  if (text.charCodeAt(at) !== 34 || text.charCodeAt(at + 65) !== 34) return false
  for (let i = at + 1; i < at + 65; i++) {
    const c = text.charCodeAt(i)
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false
  }
  return true
}

/**
 * Per kind, whether a value read by `readCanonical` is valid and written as JSON.stringify would
 * write it. The strings of every kind but text are valid only in characters JSON needs no escape
 * for; text is checked for escapes and control characters by `readCanonical` (and for lone
 * surrogates by isText).
 */
const READ_OK: { readonly [K in Exclude<FieldKind, 'json'>]: (value: unknown) => boolean } = {
  digest: isDigest,
  'digest?': value => value === null || isDigest(value),
  digests: value => Array.isArray(value) && value.length > 0 && value.every(isDigest),
  peer: isPeer,
  peers: value => Array.isArray(value) && value.every(isPeer),
  text: isText,
  'text?': value => value === null || isText(value),
  codes: value => Array.isArray(value) && value.every(isText),
  time: value => !Number.isNaN(timestampMs(value)),
  'time?': value => value === null || !Number.isNaN(timestampMs(value)),
  reason: isReasonCode,
  'reason?': value => value === null || isReasonCode(value),
  kind: value => typeof value === 'string' && KINDS.has(value),
  tlp: value => typeof value === 'string' && TLPS.has(value),
  status: value => value === 'accepted' || value === 'rejected',
  subject: value => value === 'self' || value === 'peer',
  action: value => typeof value === 'string' && ACTION.test(value)
}

interface ReadField {
  name: string
  /** `,"name":` */
  prefix: string
  ok: (value: unknown) => boolean
  /** A digest (checked on the text) */
  digest: boolean
  /** Free text (checked for escapes and control characters) */
  text: boolean
  /** Added to the type later (ADDED_FIELDS): an entry may end before it. */
  added: boolean
}

/** Per type without free-form JSON fields, its fields in schema order. */
const READ_FIELDS = new Map<string, ReadField[]>(
  Object.entries(EVENT_SCHEMA).filter(([, schema]) => schema.every(([, kind]) => kind !== 'json')).map(([type, schema]) => [
    type,
    schema.map(([name, kind]) => ({
      name,
      prefix: `,${JSON.stringify(name)}:`,
      ok: READ_OK[kind as Exclude<FieldKind, 'json'>],
      digest: kind === 'digest',
      text: kind === 'text' || kind === 'text?' || kind === 'codes',
      added: ADDED_FIELDS[type as AuditEventType]?.has(name) === true
    }))
  ])
)

/** Where the last value `stringAt` or `valueAt` read ends. */
let after = 0

/**
 * The JSON string at text[at…], read up to the next `"` without unescaping: a backslash stays in
 * the value, which every field check but text's refuses by its character set (text: isPlainAt).
 */
function stringAt (text: string, at: number): string | undefined {
  if (text.charCodeAt(at) !== 34) return undefined
  const end = text.indexOf('"', at + 1)
  if (end < 0) return undefined
  after = end + 1
  return text.slice(at + 1, end)
}

/** A field value at text[at…] as the canonical encoding writes one (a string, null or an array of strings). */
function valueAt (text: string, at: number): unknown {
  const c = text.charCodeAt(at)
  if (c === 34) return stringAt(text, at)
  if (c === 110) {
    after = at + 4
    return text.startsWith('null', at) ? null : undefined
  }
  if (c !== 91) return undefined
  const list: string[] = []
  if (text.charCodeAt(at + 1) === 93) {
    after = at + 2
    return list
  }
  for (let pos = at + 1;;) {
    const s = stringAt(text, pos)
    if (s === undefined) return undefined
    list.push(s)
    const sep = text.charCodeAt(after)
    if (sep === 93) {
      after++
      return list
    }
    if (sep !== 44) return undefined
    pos = after + 1
  }
}

/**
 * The common case of `decodeEntryText`, read straight off the text as the canonical encoding
 * writes it: `{"v":1,"type":…,"at":…`, then every field of the type in order, each valid, and
 * nothing else — no escapes, no free-form JSON fields. What it returns is what JSON.parse
 * returns for that text (same members, order and values); for anything else it returns
 * undefined and the caller takes the full path, which finds what is wrong and words it.
 */
function readCanonical (text: string): AuditEntry | undefined {
  if (!text.startsWith('{"v":1,"type":"', 0)) return undefined
  const type = stringAt(text, 14)
  const fields = type === undefined ? undefined : READ_FIELDS.get(type)
  if (fields === undefined || !text.startsWith(',"at":', after)) return undefined
  const sealed = stringAt(text, after + 6)
  if (sealed === undefined || Number.isNaN(timestampMs(sealed))) return undefined
  const entry: Record<string, unknown> = { v: 1, type, at: sealed }
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]
    if (field.added && after === text.length - 1) break
    if (!text.startsWith(field.prefix, after)) return undefined
    const at = after + field.prefix.length
    if (field.digest) {
      if (!isDigestAt(text, at)) return undefined
      entry[field.name] = text.slice(at + 1, at + 65)
      after = at + 66
      continue
    }
    const value = valueAt(text, at)
    if (value === undefined || !field.ok(value) || (field.text && !isPlainAt(text, at, after))) return undefined
    entry[field.name] = value
  }
  return after === text.length - 1 && text.charCodeAt(after) === 125 ? entry as AuditEntry : undefined
}

/** Why `obj` is not a valid event of its type (fields only), or undefined. */
function eventProblem (obj: Record<string, unknown>, extraKeys: readonly string[]): string | undefined {
  const type = obj.type as AuditEventType
  const schema = EVENT_SCHEMA[type]
  const added = ADDED_FIELDS[type]
  // Fields added later that the entry lacks (sealed before they existed; undefined from a factory: not written).
  let missing = 0
  let skipped = false
  for (const [name, kind] of schema) {
    if (obj[name] === undefined && added?.has(name) === true) {
      if (!Object.hasOwn(obj, name)) missing++
      skipped = true
      continue
    }
    if (!Object.hasOwn(obj, name)) return `${name} is missing`
    if (skipped) return `${name} comes after an added field the entry lacks`
    const problem = fieldProblem(kind, obj[name])
    if (problem !== undefined) return `${name} ${problem}`
  }
  const keys = Object.keys(obj)
  if (keys.length !== schema.length - missing + extraKeys.length) {
    const known = new Set([...extraKeys, ...schema.map(([name]) => name)])
    return `unknown field ${JSON.stringify(keys.find(k => !known.has(k)))}`
  }
  return undefined
}

/**
 * The entry bytes for `event` sealed at `atMs` (epoch ms). Throws TypeError for an event that is
 * not valid (a caller bug: the `auditEvents` factories only make valid ones).
 */
export function encodeEntry (event: AuditEvent, atMs: number): Uint8Array {
  if (!isAuditEvent(event)) throw new TypeError('not an audit event (unknown type)')
  const problem = eventProblem(event as unknown as Record<string, unknown>, ['type'])
  if (problem !== undefined) throw new TypeError(`audit event ${event.type}: ${problem}`)
  const bytes = utf8.encode(entryText(event.type, formatRfc3339Millis(atMs), event as unknown as Record<string, unknown>))
  if (bytes.length > MAX_ENTRY_BYTES) throw new TypeError(`audit event ${event.type} encodes to ${bytes.length} bytes; the limit is ${MAX_ENTRY_BYTES}`)
  return bytes
}

function invalid (message: string): never {
  throw new ProtocolError('SCHEMA_INVALID', `audit entry: ${message}`)
}

/**
 * Decode and validate entry bytes; throws ProtocolError (TOO_LARGE, or SCHEMA_INVALID naming
 * the field) unless they are exactly the canonical encoding of a valid entry.
 */
export function decodeEntry (bytes: Uint8Array): AuditEntry {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array')
  if (bytes.length > MAX_ENTRY_BYTES) throw new ProtocolError('TOO_LARGE', `audit entry is ${bytes.length} bytes; the limit is ${MAX_ENTRY_BYTES}`)
  return decodeEntryText(utf8Decode(bytes))
}

/** `decodeEntry` for an entry already decoded from UTF-8. */
export function decodeEntryText (text: string): AuditEntry {
  if (typeof text !== 'string') throw new TypeError('text must be a string')
  if (text.length > MAX_ENTRY_BYTES) throw new ProtocolError('TOO_LARGE', `audit entry is over ${MAX_ENTRY_BYTES} bytes`)
  const canonical = readCanonical(text)
  if (canonical !== undefined) return canonical
  let obj: unknown
  try {
    obj = JSON.parse(text)
  } catch (err) {
    throw new ProtocolError('SCHEMA_INVALID', `audit entry is not JSON: ${(err as Error).message}`, { cause: err })
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) invalid('not a JSON object')
  const o = obj as Record<string, unknown>
  if (o.v !== 1) invalid('v must be the integer 1')
  if (!isAuditEvent(obj)) invalid(`type ${JSON.stringify(o.type)} is not an audit event type`)
  if (Number.isNaN(timestampMs(o.at))) invalid('at must be an RFC 3339 UTC timestamp with milliseconds')
  const type = o.type as AuditEventType
  const problem = eventProblem(o, ['v', 'type', 'at'])
  if (problem !== undefined) invalid(problem)
  // One value, one encoding: duplicate keys, other key orders, `1.0`, spaces… all differ here.
  if (entryText(type, o.at as string, o) !== text) invalid('not in canonical form')
  return o as unknown as AuditEntry
}

/** Every message digest an entry refers to (for the digest → leaf index used by `prove`). */
export function entryDigests (entry: AuditEntry): string[] {
  switch (entry.type) {
    case 'message.sent':
    case 'message.received':
    case 'release.requested':
    case 'release.granted':
    case 'release.denied':
      return [entry.digest]
    case 'message.rejected':
      return entry.digest != null ? [entry.digest] : []
    case 'message.replied':
      return [entry.digest]
    case 'message.rated':
      return [entry.digest, entry.feedback]
    case 'receipt.stored':
      return [entry.for]
    case 'purge':
      return [...new Set(entry.digests)]
    case 'message.forwarded':
      return entry.forward != null && entry.forward !== entry.digest ? [entry.digest, entry.forward] : [entry.digest]
    case 'taskforce.message':
      return [entry.digest]
    default:
      return []
  }
}
