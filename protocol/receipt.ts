/**
 * Receipt v1: the payload of `application/vnd.liaison.receipt.v1+json` — UTF-8 strict JSON.
 *
 * | field     | rule |
 * |-----------|------|
 * | v         | the integer 1, written as an integer literal |
 * | for       | 64 lowercase hex: the digest of the envelope this receipt answers |
 * | messageId | UUIDv7, or null when the payload could not be parsed far enough to know it |
 * | by        | peer ID of the node issuing the receipt |
 * | at        | RFC 3339 UTC with milliseconds |
 * | status    | accepted or rejected |
 * | reason    | a reason code (REASON_CODES); required if rejected, forbidden if accepted |
 *
 * Unknown fields are rejected. `encodeReceipt` emits keys in the order above (reason only when
 * rejected). Payloads over MAX_SMALL_PAYLOAD_BYTES are TOO_LARGE (checked before decoding);
 * every other failure is SCHEMA_INVALID naming the field.
 *
 * @module
 */
import { ProtocolError } from './errors.ts'

/** The shape of a reason code; the catalogue in errors.ts lists the ones this version emits. */
export const REASON_CODE_SHAPE = /^[A-Z][A-Z0-9_]{0,63}$/
import { compactJson, parseStrictJson, utf8Decode } from './json.ts'
import { MAX_SMALL_PAYLOAD_BYTES } from './limits.ts'
import { isRfc3339Millis } from './time.ts'
import type { ReceiptV1 } from './types.ts'
import { isPeerId } from './peer-id.ts'
import { isUuidV7 } from './uuid.ts'

const DIGEST = /^[0-9a-f]{64}$/
const KEYS = new Set(['v', 'for', 'messageId', 'by', 'at', 'status', 'reason'])
const INTEGER_KEYS = ['v']

export interface ParseReceiptOptions {
  /** Largest accepted payload; default MAX_SMALL_PAYLOAD_BYTES. */
  maxBytes?: number
}

/** Decodes and validates a receipt payload (the exact signed bytes). Throws ProtocolError. */
export function parseReceipt (payload: Uint8Array, opts?: ParseReceiptOptions): ReceiptV1 {
  if (!(payload instanceof Uint8Array)) throw new TypeError('payload must be a Uint8Array')
  const maxBytes = opts?.maxBytes ?? MAX_SMALL_PAYLOAD_BYTES
  if (payload.length > maxBytes) {
    throw new ProtocolError('TOO_LARGE', `receipt payload is ${payload.length} bytes; the limit is ${maxBytes}`)
  }
  return checkReceipt(parseStrictJson(utf8Decode(payload), { integerKeys: INTEGER_KEYS }), false)
}

/**
 * Validates a receipt given as a JavaScript value and returns a fresh object in the fixed key
 * order; `reason: undefined` counts as absent. Throws ProtocolError('SCHEMA_INVALID').
 */
export function validateReceipt (value: unknown): ReceiptV1 {
  return checkReceipt(value, true)
}

/** Validates then encodes a receipt as compact UTF-8 JSON in the fixed key order. Throws ProtocolError. */
export function encodeReceipt (r: ReceiptV1): Uint8Array {
  const bytes = Buffer.from(compactJson(checkReceipt(r, true)), 'utf8')
  if (bytes.length > MAX_SMALL_PAYLOAD_BYTES) {
    throw new ProtocolError('TOO_LARGE', `receipt payload is ${bytes.length} bytes; the limit is ${MAX_SMALL_PAYLOAD_BYTES}`)
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)
}

function invalid (message: string): never {
  throw new ProtocolError('SCHEMA_INVALID', message)
}

/** Throws SCHEMA_INVALID for `field`: "<field> is missing" or "<field> <rule>". */
function bad (field: string, value: unknown, rule: string): never {
  invalid(value === undefined ? `${field} is missing` : `${field} ${rule}`)
}

function checkReceipt (value: unknown, fromObject: boolean): ReceiptV1 {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid('receipt is not a JSON object')
  if (fromObject) {
    const proto = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) invalid('receipt is not a plain object')
  }
  const o = value as Record<string, unknown>
  for (const key of Object.keys(o)) {
    if (!KEYS.has(key)) invalid(`unknown field ${JSON.stringify(key)}`)
  }
  if (o.v !== 1) bad('v', o.v, 'must be the integer 1')
  const digest = o.for
  if (typeof digest !== 'string' || !DIGEST.test(digest)) bad('for', digest, 'is not 64 lowercase hex digits')
  const messageId = o.messageId
  if (messageId !== null && !isUuidV7(messageId)) bad('messageId', messageId, 'is neither a UUIDv7 nor null')
  const by = o.by
  if (!isPeerId(by)) bad('by', by, 'is not a peer ID')
  const at = o.at
  if (!isRfc3339Millis(at)) bad('at', at, 'is not an RFC 3339 UTC timestamp with milliseconds')
  const status = o.status
  const reason = o.reason
  const hasReason = Object.hasOwn(o, 'reason') && !(fromObject && reason === undefined)
  if (status === 'accepted') {
    if (hasReason) invalid('reason must be absent when status is accepted')
    return { v: 1, for: digest, messageId, by, at, status }
  }
  if (status !== 'rejected') bad('status', status, 'must be accepted or rejected')
  if (!hasReason) invalid('reason is required when status is rejected')
  // Any well-formed code is accepted, so that adding a code to the catalogue never breaks an
  // older sender; a code it does not know is simply a final rejection to it.
  if (typeof reason !== 'string' || !REASON_CODE_SHAPE.test(reason)) invalid('reason is not a reason code (^[A-Z][A-Z0-9_]{0,63}$)')
  return { v: 1, for: digest, messageId, by, at, status, reason }
}
