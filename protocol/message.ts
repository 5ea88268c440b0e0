/**
 * Message v1: the payload of `application/vnd.liaison.message.v1+json` — UTF-8 strict JSON.
 *
 * | field      | rule |
 * |------------|------|
 * | v          | the integer 1, written as an integer literal (`1.0`, `1e0` are rejected) |
 * | id         | UUIDv7, lowercase canonical |
 * | kind       | report, alert, rfi or response |
 * | from       | peer ID (Ed25519 identity) |
 * | to         | 1..MAX_RECIPIENTS unique peer IDs |
 * | created    | RFC 3339 UTC with milliseconds (`YYYY-MM-DDTHH:MM:SS.sssZ`) |
 * | expires    | same form, strictly after `created` |
 * | tlp        | CLEAR, GREEN, AMBER, AMBER+STRICT or RED |
 * | handling   | unique codes, each from HANDLING_CODES or an `x-` slug; may be empty |
 * | topic      | lowercase slug `^[a-z0-9]+(-[a-z0-9]+)*$`, ≤ MAX_SLUG_LENGTH |
 * | legalBasis | `^[A-Za-z0-9][A-Za-z0-9._:/-]*$`, 1..MAX_LEGAL_BASIS_LENGTH |
 * | inReplyTo  | optional UUIDv7 |
 * | taskForce  | optional `{ id: UUIDv7, charter: digest }`: sent under that task force charter version (PROTOCOL.md §21.5) |
 * | body       | a JSON object (anything inside, within the depth and size limits) |
 *
 * Unknown fields are rejected. `legalBasis` is an identifier, not prose: it names the legal
 * instrument (`eu:2016/680`, `ECA-Art.13`, `urn:x:mla:2025-17`) in printable ASCII without
 * spaces, so it can be logged, matched by policy and shown without escaping.
 *
 * Integer literals: JSON.parse cannot tell `1` from `1.0`. Rather than a parser that returns
 * tagged numbers, `parseStrictJson` takes `integerKeys: ['v']` and rejects a top-level `v`
 * written with a fraction or exponent; everything else still gets plain JSON values, and the
 * object path (`validateMessage`) only needs `v === 1`.
 *
 * `encodeMessage` emits compact JSON with keys in this fixed order: v, id, kind, from, to,
 * created, expires, tlp, handling, topic, legalBasis, inReplyTo (when present), taskForce (when
 * present), body.
 *
 * A body whose `type` is `"bundle"` is a STIX 2.1 bundle (protocol/stix/): STIX_INVALID when the
 * OASIS schemas refuse it, MARKING_CONFLICT when an object is marked above the message's TLP.
 *
 * All failures are ProtocolError: TOO_LARGE for oversize payloads (checked before decoding),
 * SCHEMA_INVALID otherwise, with a message naming the field (`to[2] is not a peer ID`).
 *
 * @module
 */
import { ProtocolError } from './errors.ts'
import { compactJson, jsonDataProblem, parseStrictJson, utf8Decode } from './json.ts'
import { MAX_JSON_DEPTH, MAX_LEGAL_BASIS_LENGTH, MAX_MESSAGE_PAYLOAD_BYTES, MAX_RECIPIENTS, MAX_SLUG_LENGTH } from './limits.ts'
import { parseRfc3339Millis, isRfc3339Millis } from './time.ts'
import { HANDLING_CODES, MESSAGE_KINDS, TLP_LEVELS } from './types.ts'
import type { MessageKind, MessageV1, Tlp } from './types.ts'
import { isPeerId } from './peer-id.ts'
import { isUuidV7 } from './uuid.ts'
import { checkStixBody } from './stix/index.ts'

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/
const X_HANDLING = /^x-[a-z0-9]+(-[a-z0-9]+)*$/
const LEGAL_BASIS = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/

const KEYS = new Set(['v', 'id', 'kind', 'from', 'to', 'created', 'expires', 'tlp', 'handling', 'topic', 'legalBasis', 'inReplyTo', 'taskForce', 'body'])
const KINDS: ReadonlySet<string> = new Set(MESSAGE_KINDS)
const TLPS: ReadonlySet<string> = new Set(TLP_LEVELS)
const HANDLING: ReadonlySet<string> = new Set(HANDLING_CODES)
const INTEGER_KEYS = ['v']

export interface ParseMessageOptions {
  /** Largest accepted payload; default MAX_MESSAGE_PAYLOAD_BYTES. */
  maxBytes?: number
}

/** Decodes and validates a message payload (the exact signed bytes). Throws ProtocolError. */
export function parseMessage (payload: Uint8Array, opts?: ParseMessageOptions): MessageV1 {
  if (!(payload instanceof Uint8Array)) throw new TypeError('payload must be a Uint8Array')
  const maxBytes = opts?.maxBytes ?? MAX_MESSAGE_PAYLOAD_BYTES
  if (payload.length > maxBytes) {
    throw new ProtocolError('TOO_LARGE', `message payload is ${payload.length} bytes; the limit is ${maxBytes}`)
  }
  const value = parseStrictJson(utf8Decode(payload), { integerKeys: INTEGER_KEYS })
  // The parser already bounded the depth of the whole document, so the body needs no walk.
  return checkMessage(value, false)
}

/**
 * Validates a message given as a JavaScript value (the CLI and local API path) and returns a
 * fresh object with the fixed key order. `inReplyTo: undefined` counts as absent. Throws
 * ProtocolError('SCHEMA_INVALID').
 */
export function validateMessage (value: unknown): MessageV1 {
  return checkMessage(value, true)
}

/**
 * Validates then encodes a message as compact UTF-8 JSON in the fixed key order. Throws
 * ProtocolError: SCHEMA_INVALID if invalid, TOO_LARGE if over MAX_MESSAGE_PAYLOAD_BYTES.
 */
export function encodeMessage (m: MessageV1): Uint8Array {
  const bytes = Buffer.from(compactJson(checkMessage(m, true)), 'utf8')
  if (bytes.length > MAX_MESSAGE_PAYLOAD_BYTES) {
    throw new ProtocolError('TOO_LARGE', `message payload is ${bytes.length} bytes; the limit is ${MAX_MESSAGE_PAYLOAD_BYTES}`)
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

function checkMessage (value: unknown, fromObject: boolean): MessageV1 {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid('message is not a JSON object')
  if (fromObject) {
    const proto = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) invalid('message is not a plain object')
  }
  const o = value as Record<string, unknown>
  for (const key of Object.keys(o)) {
    if (!KEYS.has(key)) invalid(`unknown field ${JSON.stringify(key)}`)
  }

  if (o.v !== 1) bad('v', o.v, 'must be the integer 1')
  const id = o.id
  if (!isUuidV7(id)) bad('id', id, 'is not a UUIDv7')
  const kind = o.kind
  if (typeof kind !== 'string' || !KINDS.has(kind)) bad('kind', kind, `must be one of ${MESSAGE_KINDS.join(', ')}`)
  const from = o.from
  if (!isPeerId(from)) bad('from', from, 'is not a peer ID')
  const to = checkRecipients(o.to)
  const created = o.created
  if (!isRfc3339Millis(created)) bad('created', created, 'is not an RFC 3339 UTC timestamp with milliseconds')
  const expires = o.expires
  if (!isRfc3339Millis(expires)) bad('expires', expires, 'is not an RFC 3339 UTC timestamp with milliseconds')
  if (parseRfc3339Millis(expires) <= parseRfc3339Millis(created)) invalid('expires must be after created')
  const tlp = o.tlp
  if (typeof tlp !== 'string' || !TLPS.has(tlp)) bad('tlp', tlp, `must be one of ${TLP_LEVELS.join(', ')}`)
  const handling = checkHandling(o.handling)
  const topic = o.topic
  if (typeof topic !== 'string' || topic.length > MAX_SLUG_LENGTH || !SLUG.test(topic)) {
    bad('topic', topic, `must be a lowercase slug of at most ${MAX_SLUG_LENGTH} characters`)
  }
  const legalBasis = o.legalBasis
  if (typeof legalBasis !== 'string' || legalBasis.length > MAX_LEGAL_BASIS_LENGTH || !LEGAL_BASIS.test(legalBasis)) {
    bad('legalBasis', legalBasis, `must be 1..${MAX_LEGAL_BASIS_LENGTH} characters of [A-Za-z0-9._:/-] starting with a letter or digit`)
  }
  const inReplyTo = o.inReplyTo
  const hasReply = Object.hasOwn(o, 'inReplyTo') && !(fromObject && inReplyTo === undefined)
  if (hasReply && !isUuidV7(inReplyTo)) invalid('inReplyTo is not a UUIDv7')
  const taskForce = checkTaskForceRef(o, fromObject)
  const body = o.body
  if (typeof body !== 'object' || body === null || Array.isArray(body)) bad('body', body, 'must be a JSON object')
  if (fromObject) {
    // The body sits one level below the message object, which counts towards the depth limit.
    const problem = jsonDataProblem(body, { maxDepth: MAX_JSON_DEPTH - 1 })
    if (problem !== undefined) invalid(`body${problem.slice(1)}`)
  }
  // A body that is a STIX 2.1 bundle must be one, and its markings must fit the message's TLP.
  checkStixBody(body, tlp as Tlp)

  const head = { v: 1 as const, id, kind: kind as MessageKind, from, to, created, expires, tlp: tlp as Tlp, handling, topic, legalBasis }
  return {
    ...head,
    ...(hasReply ? { inReplyTo: inReplyTo as string } : {}),
    ...(taskForce != null ? { taskForce } : {}),
    body: body as Record<string, unknown>
  }
}

/** The optional task force reference `{ id, charter }` (PROTOCOL.md §21.5); undefined counts as absent from objects. */
function checkTaskForceRef (o: Record<string, unknown>, fromObject: boolean): { id: string, charter: string } | undefined {
  if (!Object.hasOwn(o, 'taskForce') || (fromObject && o.taskForce === undefined)) return undefined
  const ref = o.taskForce
  if (typeof ref !== 'object' || ref === null || Array.isArray(ref)) invalid('taskForce must be an object { id, charter }')
  const r = ref as Record<string, unknown>
  for (const key of Object.keys(r)) if (key !== 'id' && key !== 'charter') invalid(`taskForce has unknown field ${JSON.stringify(key)}`)
  if (!isUuidV7(r.id)) bad('taskForce.id', r.id, 'is not a UUIDv7')
  if (typeof r.charter !== 'string' || !/^[0-9a-f]{64}$/.test(r.charter)) bad('taskForce.charter', r.charter, 'is not 64 lowercase hex digits')
  return { id: r.id, charter: r.charter }
}

function checkRecipients (to: unknown): string[] {
  if (!Array.isArray(to)) bad('to', to, 'must be an array of peer IDs')
  if (to.length === 0) invalid('to must name at least one recipient')
  if (to.length > MAX_RECIPIENTS) invalid(`to names ${to.length} recipients; the limit is ${MAX_RECIPIENTS}`)
  const seen = new Set<string>()
  for (let i = 0; i < to.length; i++) {
    const peer = to[i]
    if (!isPeerId(peer)) invalid(`to[${i}] is not a peer ID`)
    if (seen.has(peer)) invalid(`to[${i}] repeats a recipient`)
    seen.add(peer)
  }
  return to.slice()
}

function checkHandling (handling: unknown): string[] {
  if (!Array.isArray(handling)) bad('handling', handling, 'must be an array of handling codes')
  const seen = new Set<string>()
  for (let i = 0; i < handling.length; i++) {
    const code = handling[i]
    if (typeof code !== 'string' || !(HANDLING.has(code) || (code.length <= MAX_SLUG_LENGTH && X_HANDLING.test(code)))) {
      invalid(`handling[${i}] is not a known handling code or an x- slug of at most ${MAX_SLUG_LENGTH} characters`)
    }
    if (seen.has(code)) invalid(`handling[${i}] repeats a handling code`)
    seen.add(code)
  }
  return handling.slice()
}
