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
 *   a value is unknown;
 * - values that are free-form JSON (`before`, `after`, `detail`) and everything nested inside
 *   them are written as RFC 8785 (JCS) does: object keys sorted by UTF-16 code units, numbers and
 *   strings as ECMAScript JSON.stringify writes them;
 * - an entry is at most MAX_ENTRY_BYTES.
 *
 * One value has exactly one encoding, and `decodeEntry` accepts only that encoding (it re-encodes
 * what it read and compares), so a leaf hash identifies an entry's meaning, not just its bytes.
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
import { EVENT_SCHEMA, isAuditEvent } from './events.ts'
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
    case 'digest': return isDigest(value) ? undefined : 'must be 64 lowercase hex digits'
    case 'digest?': return value === null || isDigest(value) ? undefined : 'must be 64 lowercase hex digits or null'
    case 'digests':
      return Array.isArray(value) && value.length > 0 && value.every(isDigest)
        ? undefined
        : 'must be a non-empty array of 64-hex-digit digests'
    case 'peer': return isPeer(value) ? undefined : 'must be a peer ID'
    case 'peers': return Array.isArray(value) && value.every(isPeer) ? undefined : 'must be an array of peer IDs'
    case 'text': return isText(value) ? undefined : 'must be a non-empty string of at most 1024 characters'
    case 'text?': return value === null || isText(value) ? undefined : 'must be a short string or null'
    case 'codes': return Array.isArray(value) && value.every(isText) ? undefined : 'must be an array of short strings'
    case 'time': return Number.isNaN(timestampMs(value)) ? 'must be an RFC 3339 UTC timestamp with milliseconds' : undefined
    case 'reason': return isReasonCode(value) ? undefined : 'must be a reason code'
    case 'reason?': return value === null || isReasonCode(value) ? undefined : 'must be a reason code or null'
    case 'kind': return typeof value === 'string' && KINDS.has(value) ? undefined : 'must be a message kind'
    case 'tlp': return typeof value === 'string' && TLPS.has(value) ? undefined : 'must be a TLP label'
    case 'status': return value === 'accepted' || value === 'rejected' ? undefined : 'must be accepted or rejected'
    case 'subject': return value === 'self' || value === 'peer' ? undefined : 'must be self or peer'
    case 'action': return typeof value === 'string' && ACTION.test(value) ? undefined : 'must be an action name'
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
  for (const [name, kind] of EVENT_SCHEMA[type]) {
    const value = fields[name]
    out += `,${JSON.stringify(name)}:${kind === 'json' ? jcs(value) : JSON.stringify(value)}`
  }
  return out + '}'
}

/** Why `obj` is not a valid event of its type (fields only), or undefined. */
function eventProblem (obj: Record<string, unknown>, extraKeys: readonly string[]): string | undefined {
  const type = obj.type as AuditEventType
  const schema = EVENT_SCHEMA[type]
  for (const [name, kind] of schema) {
    if (!Object.hasOwn(obj, name)) return `${name} is missing`
    const problem = fieldProblem(kind, obj[name])
    if (problem !== undefined) return `${name} ${problem}`
  }
  const keys = Object.keys(obj)
  if (keys.length !== schema.length + extraKeys.length) {
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
  const schema = EVENT_SCHEMA[type]
  const keys = Object.keys(o)
  // The common case in one pass: exactly the members, in canonical order, each valid, and
  // JSON.stringify giving the text back (which rules out duplicates, spaces, `1.0`…).
  let inOrder = keys.length === schema.length + 3 && keys[0] === 'v' && keys[1] === 'type' && keys[2] === 'at'
  let jcsFields = true
  for (let i = 0; inOrder && i < schema.length; i++) {
    const [name, kind] = schema[i]
    if (keys[i + 3] !== name) {
      inOrder = false
      break
    }
    const problem = fieldProblem(kind, o[name])
    if (problem !== undefined) invalid(`${name} ${problem}`)
    if (kind === 'json' && jcs(o[name]) !== JSON.stringify(o[name])) jcsFields = false
  }
  if (inOrder && jcsFields && JSON.stringify(o) === text) return o as unknown as AuditEntry
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
    case 'receipt.stored':
      return [entry.for]
    case 'purge':
      return [...new Set(entry.digests)]
    case 'message.forwarded':
      return entry.forward != null && entry.forward !== entry.digest ? [entry.digest, entry.forward] : [entry.digest]
    default:
      return []
  }
}
