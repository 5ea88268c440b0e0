/**
 * Small helpers shared by the payload schemas that came after message and receipt (card,
 * forward, release, key rotation): parse strict JSON within a size limit, require a plain
 * object with known keys, and fail with SCHEMA_INVALID naming the field.
 *
 * @module
 */
import { ProtocolError } from './errors.ts'
import { parseStrictJson, utf8Decode } from './json.ts'
import { MAX_SMALL_PAYLOAD_BYTES } from './limits.ts'
import { isPeerId } from './peer-id.ts'
import { isRfc3339Millis } from './time.ts'
import { isUuidV7 } from './uuid.ts'

export function invalid (message: string): never {
  throw new ProtocolError('SCHEMA_INVALID', message)
}

/** Throws SCHEMA_INVALID for `field`: "<field> is missing" or "<field> <rule>". */
export function bad (field: string, value: unknown, rule: string): never {
  invalid(value === undefined ? `${field} is missing` : `${field} ${rule}`)
}

/** Decode UTF-8 strict JSON within `maxBytes` (TOO_LARGE before decoding). */
export function parsePayload (payload: Uint8Array, what: string, maxBytes = MAX_SMALL_PAYLOAD_BYTES): unknown {
  if (!(payload instanceof Uint8Array)) throw new TypeError('payload must be a Uint8Array')
  if (payload.length > maxBytes) throw new ProtocolError('TOO_LARGE', `${what} payload is ${payload.length} bytes; the limit is ${maxBytes}`)
  return parseStrictJson(utf8Decode(payload), { integerKeys: ['v'] })
}

/** A plain JSON object whose keys are all in `keys`, with `v` equal to 1. */
export function versionedObject (value: unknown, keys: ReadonlySet<string>, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(`${what} is not a JSON object`)
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) invalid(`${what} is not a plain object`)
  const o = value as Record<string, unknown>
  for (const key of Object.keys(o)) if (!keys.has(key)) invalid(`unknown field ${JSON.stringify(key)}`)
  if (o.v !== 1) bad('v', o.v, 'must be the integer 1')
  return o
}

export function peerIdField (o: Record<string, unknown>, field: string): string {
  const value = o[field]
  if (!isPeerId(value)) bad(field, value, 'is not a peer ID')
  return value
}

export function timeField (o: Record<string, unknown>, field: string): string {
  const value = o[field]
  if (!isRfc3339Millis(value)) bad(field, value, 'is not an RFC 3339 UTC timestamp with milliseconds')
  return value
}

export function uuidField (o: Record<string, unknown>, field: string): string {
  const value = o[field]
  if (!isUuidV7(value)) bad(field, value, 'is not a UUIDv7')
  return value
}

export function stringField (o: Record<string, unknown>, field: string, max: number, pattern?: RegExp): string {
  const value = o[field]
  if (typeof value !== 'string' || value.length === 0 || value.length > max || (pattern != null && !pattern.test(value))) {
    bad(field, value, `must be a string of 1..${max} characters${pattern != null ? ` matching ${String(pattern)}` : ''}`)
  }
  return value
}

export function digestField (o: Record<string, unknown>, field: string): string {
  const value = o[field]
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) bad(field, value, 'is not 64 lowercase hex digits')
  return value
}
