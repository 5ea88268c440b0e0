/**
 * The fuzz catalogue: fast-check properties for every decoder in protocol/, grouped by decoder.
 * The unit tests (test/unit/fuzz-*.test.ts) run each with a modest budget; `npm run fuzz`
 * (scripts/fuzz.ts) runs at least 100,000 cases per decoder.
 *
 * What every decoder must do with hostile input:
 * - random and mutated-valid inputs never throw anything but ProtocolError, and only with the
 *   codes the decoder documents (never TypeError, RangeError, a crash in a dependency…);
 * - a mutated signed payload never verifies (envelopes, notes, cosignatures);
 * - limits hold before parsing (oversize input is TOO_LARGE whatever it contains; the frame
 *   decoder never buffers more than its limit);
 * - what is accepted is canonical: it re-encodes to what was read, or reads back equal.
 *
 * @module
 */
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import { decodeEnvelope, encodeEnvelope, verifyEnvelope } from '../../protocol/envelope.ts'
import { encodeFrame, FrameDecoder } from '../../protocol/frame.ts'
import { compactJson, jsonDataProblem, parseStrictJson, utf8Decode } from '../../protocol/json.ts'
import { encodeBase64, isBase64, tryDecodeBase64 } from '../../protocol/base64.ts'
import { encodeMessage, parseMessage, validateMessage } from '../../protocol/message.ts'
import { encodeReceipt, parseReceipt } from '../../protocol/receipt.ts'
import { encodeCard, parseCard } from '../../protocol/card.ts'
import { encodeBase58btc, isPeerId, peerIdFromPublicKey, publicKeyFromPeerId, tryDecodeBase58btc } from '../../protocol/peer-id.ts'
import { formatRfc3339Millis, isRfc3339Millis, parseRfc3339Millis } from '../../protocol/time.ts'
import { isUuidV7 } from '../../protocol/uuid.ts'
import { ed25519NoteKey, formatCheckpoint, openCheckpoint, openNote, parseCheckpoint, parseSignatureLine } from '../../protocol/checkpoint.ts'
import { cosignatureNoteKey, verifyCosignature } from '../../protocol/cosignature.ts'
import { MAX_JSON_DEPTH, MAX_SMALL_PAYLOAD_BYTES } from '../../protocol/limits.ts'
import { decodeBatch, encodeBatch, encodeBatchReceipt } from '../../protocol/batch.ts'
import { MerkleAppender, memoryNodeStore } from '../../protocol/merkle-tree.ts'
import { leafHash } from '../../protocol/merkle.ts'
import { multiProof } from '../../protocol/merkle-multiproof.ts'
import { issueCheckpoint } from '../../node/audit/checkpoints.ts'
import { openBatchReceipt } from '../../node/exchange/index.ts'
import type { ReasonCode } from '../../protocol/errors.ts'
import {
  CHECKPOINT_BODY,
  COSIGNATURE_LINE,
  ENVELOPES,
  KEY,
  MESSAGES,
  NOTES,
  ORIGIN,
  OTHER_KEY,
  OTHER_SIGNER,
  RECEIPTS,
  SIGNER,
  WITNESS,
  anyBytes,
  anyString,
  equalBytes,
  messageArb,
  mutatedBytes,
  mutatedFrom,
  mutatedString,
  outcome,
  peerIdArb,
  receiptArb
} from './fuzz-kit.ts'

export interface FuzzProperty {
  /** The decoder under test (the unit the fuzz script counts cases for). */
  decoder: string
  /** What the property asserts. */
  name: string
  /** Relative cost of one case (1 = cheap); the budget per case is divided by it in unit tests. */
  cost?: number
  property: () => fc.IRawProperty<unknown[]>
}

/** Documented error codes, per decoder. */
const ENVELOPE_CODES: ReasonCode[] = ['BAD_ENVELOPE', 'TOO_LARGE']
const PAYLOAD_CODES: ReasonCode[] = ['SCHEMA_INVALID', 'TOO_LARGE']
const FRAME_CODES: ReasonCode[] = ['BAD_FRAME', 'TOO_LARGE']
const JSON_CODES: ReasonCode[] = ['SCHEMA_INVALID']
const NOTE_CODES: ReasonCode[] = ['SCHEMA_INVALID', 'TOO_LARGE', 'BAD_SIGNATURE', 'UNKNOWN_SIGNER', 'SIGNER_MISMATCH']
const PEER_ID_CODES: ReasonCode[] = ['BAD_PEER_ID']

const utf8 = new TextEncoder()
/** fc.property, loosely typed so the catalogue can hold properties of any arity in one list. */
const prop = fc.property as unknown as (...args: unknown[]) => fc.IRawProperty<unknown[]>
const check = (ok: boolean, what: string): void => {
  if (!ok) throw new Error(what)
}

/** `v` with every −0 replaced by 0. */
function withoutNegativeZero (v: unknown): unknown {
  if (Object.is(v, -0)) return 0
  if (Array.isArray(v)) return v.map(withoutNegativeZero)
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutNegativeZero(x)]))
  return v
}

/**
 * Equal as JSON data: deep strict equality, except that JSON has one zero. The strict parser
 * reads `-0` (or `-0e5`) as −0, as JSON.parse does, and the compact encoding (compactJson, as
 * JSON.stringify) writes it `0`, so a payload holding it reads back with 0 there.
 */
const sameJson = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a, b) || isDeepStrictEqual(withoutNegativeZero(a), withoutNegativeZero(b))

/** Bytes of JSON-ish text built from JSON values, envelope-shaped objects and raw strings. */
const jsonishText: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 6 }).map(v => JSON.stringify(v)),
  fc.string({ unit: 'binary', maxLength: 60 }).map(s => JSON.stringify(s)),
  fc.record({
    payloadType: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 })),
    payload: fc.oneof(fc.base64String(), fc.string(), fc.jsonValue({ maxDepth: 1 })),
    signatures: fc.oneof(
      fc.array(fc.record({ keyid: fc.oneof(fc.string(), peerIdArb, fc.jsonValue({ maxDepth: 1 })), sig: fc.oneof(fc.base64String(), fc.string()) }), {
        maxLength: 6
      }),
      fc.jsonValue({ maxDepth: 2 })
    )
  }, { requiredKeys: [] }).map(v => JSON.stringify(v))
)

// ---------------------------------------------------------------------------------------------
// DSSE envelopes

const envelopeProperties: FuzzProperty[] = [
  {
    decoder: 'envelope',
    name: 'random bytes are rejected with BAD_ENVELOPE or TOO_LARGE, nothing else',
    property: () =>
      prop(anyBytes, (bytes: Uint8Array) => {
        outcome(() => decodeEnvelope(bytes), ENVELOPE_CODES)
      })
  },
  {
    decoder: 'envelope',
    name: 'JSON-ish text decodes only to an envelope that re-encodes to the same value',
    property: () =>
      prop(jsonishText, (text: string) => {
        const r = outcome(() => decodeEnvelope(utf8.encode(text)), ENVELOPE_CODES)
        if (r.ok) check(isDeepStrictEqual(decodeEnvelope(encodeEnvelope(r.value)), r.value), 'decode∘encode is not the identity')
      })
  },
  {
    decoder: 'envelope',
    name: 'a mutated signed envelope never verifies unless its signed content and signature are unchanged',
    cost: 3,
    property: () =>
      prop(mutatedFrom(ENVELOPES), ({ base, bytes }: { base: typeof ENVELOPES[number], bytes: Uint8Array }) => {
        const r = outcome(() => decodeEnvelope(bytes), ENVELOPE_CODES)
        if (!r.ok) return
        const env = r.value
        const original = base.env.signatures.map(s => s.sig)
        for (const key of [KEY, OTHER_KEY]) {
          if (!verifyEnvelope(env, key)) continue
          check(env.payloadType === base.env.payloadType, 'verified with a mutated payloadType')
          check(equalBytes(env.payload, base.env.payload), 'verified with a mutated payload')
          check(env.signatures.some(s => original.some(o => equalBytes(o, s.sig))), 'verified with a mutated signature')
        }
      })
  },
  {
    decoder: 'envelope',
    name: 'changing payloadType, payload or signature bytes directly always breaks verification',
    cost: 2,
    property: () =>
      prop(
        fc.constantFrom(...ENVELOPES.filter(e => e.env.signatures.length === 1)),
        fc.constantFrom('payloadType', 'payload', 'sig'),
        fc.uint8Array({ minLength: 1, maxLength: 8 }),
        ({ env }: typeof ENVELOPES[number], field: string, noise: Uint8Array) => {
          const sig = env.signatures[0].sig
          const mutated = {
            payloadType: field === 'payloadType' ? env.payloadType + String.fromCharCode(0x20 + (noise[0] % 90)) : env.payloadType,
            payload: field === 'payload' ? mutateOnce(env.payload, noise) : env.payload,
            signatures: [{ keyid: SIGNER.peerId, sig: field === 'sig' ? mutateOnce(sig, noise) : sig }]
          }
          check(!verifyEnvelope(mutated, KEY), `verified after changing ${field}`)
        }
      )
  },
  {
    decoder: 'envelope',
    name: 'input over maxBytes is TOO_LARGE whatever it contains (checked before parsing)',
    property: () =>
      prop(fc.integer({ min: 0, max: 256 }), anyBytes, fc.constantFrom(...ENVELOPES), (max: number, junk: Uint8Array, valid: typeof ENVELOPES[number]) => {
        for (const bytes of [junk, valid.bytes]) {
          const r = outcome(() => decodeEnvelope(bytes, max), ENVELOPE_CODES)
          if (bytes.length > max) check(!r.ok && r.code === 'TOO_LARGE', `oversize input gave ${r.ok ? 'a value' : r.code}`)
          else check(r.ok || r.code !== 'TOO_LARGE', 'input within the limit was TOO_LARGE')
        }
      })
  }
]

/** XOR `noise` into `bytes` at a position it chooses; always changes at least one byte. */
function mutateOnce (bytes: Uint8Array, noise: Uint8Array): Uint8Array {
  if (bytes.length === 0) return noise
  const out = bytes.slice()
  out[noise[0] % out.length] ^= noise[noise.length - 1] | 1
  return out
}

// ---------------------------------------------------------------------------------------------
// Message and receipt payloads (and cards: same schema kit)

interface PayloadCodec<T> {
  decoder: string
  /** Parses with the default limit, or with `maxBytes` when the decoder takes one. */
  parse: (bytes: Uint8Array, maxBytes?: number) => T
  /** False when the decoder has only its default limit (then oversize input is padded to it). */
  takesLimit: boolean
  encode: (value: T) => Uint8Array
  pool: ReadonlyArray<{ bytes: Uint8Array }>
  valid: fc.Arbitrary<T>
}

const CARD_POOL = [
  {
    v: 1 as const,
    peerId: SIGNER.peerId,
    name: 'Agency \u00e9 "A"',
    jurisdiction: 'NL',
    addresses: ['/ip4/127.0.0.1/tcp/4001'],
    created: '2026-01-02T03:04:05.678Z'
  },
  { v: 1 as const, peerId: OTHER_SIGNER.peerId, name: 'B', addresses: [], created: '2026-01-02T03:04:05.678Z' }
].map(card => ({ card, bytes: encodeCard(card) }))

const codecs: Array<PayloadCodec<unknown>> = [
  {
    decoder: 'message',
    parse: (b, maxBytes) => parseMessage(b, maxBytes === undefined ? undefined : { maxBytes }),
    takesLimit: true,
    encode: v => encodeMessage(v as never),
    pool: MESSAGES,
    valid: messageArb
  },
  {
    decoder: 'receipt',
    parse: (b, maxBytes) => parseReceipt(b, maxBytes === undefined ? undefined : { maxBytes }),
    takesLimit: true,
    encode: v => encodeReceipt(v as never),
    pool: RECEIPTS,
    valid: receiptArb
  },
  {
    decoder: 'card',
    parse: b => parseCard(b),
    takesLimit: false,
    encode: v => encodeCard(v as never),
    pool: CARD_POOL,
    valid: fc.record({
      peerId: peerIdArb,
      name: fc.string({ minLength: 1, maxLength: 128 }).filter(s => s.isWellFormed()),
      addresses: fc.array(fc.string({ maxLength: 30 }).map(s => '/' + s).filter(s => s.isWellFormed()), { maxLength: 16 }),
      created: fc.integer({ min: 0, max: 4e12 })
    })
      .map(r => ({ v: 1, peerId: r.peerId, name: r.name, addresses: r.addresses, created: new Date(r.created).toISOString() }))
  }
]

/** Replaces, deletes or adds one top-level field of a valid payload with an arbitrary JSON value. */
const fieldMutation = fc.tuple(
  fc.nat(),
  fc.constantFrom('replace', 'delete', 'add'),
  fc.oneof(fc.string({ maxLength: 12 }), fc.constant('__proto__')),
  fc.jsonValue({ maxDepth: 3 })
)
type FieldMutation = [number, string, string, unknown]

/** Applies a field mutation in place; keys are defined as own data properties (even "__proto__"). */
function mutateField (obj: Record<string, unknown>, [at, op, name, value]: FieldMutation): void {
  const keys = Object.keys(obj)
  const key = keys[at % keys.length]
  if (op === 'replace') obj[key] = value
  else if (op === 'delete') delete obj[key]
  else Object.defineProperty(obj, name, { value, writable: true, enumerable: true, configurable: true })
}

/** JSON text with object keys sorted at every level: equal for values that mean the same JSON. */
function sortedJson (value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) Object.defineProperty(out, k, { value: (v as Record<string, unknown>)[k], enumerable: true })
    return out
  })
}

const payloadProperties: FuzzProperty[] = codecs.flatMap(codec => [
  {
    decoder: codec.decoder,
    name: 'random bytes are rejected with SCHEMA_INVALID or TOO_LARGE, nothing else',
    property: () =>
      prop(anyBytes, (bytes: Uint8Array) => {
        outcome(() => codec.parse(bytes), PAYLOAD_CODES)
      })
  },
  {
    decoder: codec.decoder,
    name: 'arbitrary JSON documents are rejected cleanly; any accepted one round-trips',
    property: () =>
      prop(fc.jsonValue({ maxDepth: 5 }), (value: unknown) => {
        const r = outcome(() => codec.parse(utf8.encode(JSON.stringify(value))), PAYLOAD_CODES)
        if (r.ok) check(equalBytes(codec.encode(r.value), utf8.encode(JSON.stringify(r.value))), 'accepted value does not re-encode')
      })
  },
  {
    decoder: codec.decoder,
    name: 'a valid payload with one field replaced, deleted or added: rejected cleanly or still canonical',
    property: () =>
      prop(fc.constantFrom(...codec.pool), fieldMutation, ({ bytes }: { bytes: Uint8Array }, mutation: FieldMutation) => {
        const obj = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>
        mutateField(obj, mutation)
        const r = outcome(() => codec.parse(utf8.encode(JSON.stringify(obj))), PAYLOAD_CODES)
        if (r.ok) check(sameJson(codec.parse(codec.encode(r.value)), r.value), 'accepted value does not read back equal')
      })
  },
  {
    decoder: codec.decoder,
    name: 'mutated valid payload bytes are rejected cleanly; whatever is accepted reads back equal',
    property: () =>
      prop(mutatedFrom(codec.pool), ({ bytes }: { bytes: Uint8Array }) => {
        const r = outcome(() => codec.parse(bytes), PAYLOAD_CODES)
        if (r.ok) check(sameJson(codec.parse(codec.encode(r.value)), r.value), 'accepted value does not read back equal')
      })
  },
  {
    decoder: codec.decoder,
    name: 'valid values encode and parse back equal',
    property: () =>
      prop(codec.valid, (value: unknown) => {
        const bytes = codec.encode(value)
        check(isDeepStrictEqual(codec.parse(bytes), codec.parse(codec.encode(codec.parse(bytes)))), 'encode∘parse is not stable')
        check(sortedJson(codec.parse(bytes)) === sortedJson(value), 'parse∘encode changed the value')
      })
  },
  {
    decoder: codec.decoder,
    name: 'payloads over the size limit are TOO_LARGE before any parsing',
    property: () =>
      prop(fc.integer({ min: 0, max: 200 }), anyBytes, fc.constantFrom(...codec.pool), (max: number, junk: Uint8Array, valid: { bytes: Uint8Array }) => {
        for (const bytes of [junk, valid.bytes]) {
          if (codec.takesLimit) {
            const r = outcome(() => codec.parse(bytes, max), PAYLOAD_CODES)
            if (bytes.length > max) check(!r.ok && r.code === 'TOO_LARGE', `oversize input gave ${r.ok ? 'a value' : r.code}`)
          } else {
            // Valid content padded past the default limit with spaces (still valid JSON).
            const padded = Buffer.concat([bytes, Buffer.alloc(MAX_SMALL_PAYLOAD_BYTES - bytes.length + 1 + max, 0x20)])
            const r = outcome(() => codec.parse(padded), PAYLOAD_CODES)
            check(!r.ok && r.code === 'TOO_LARGE', `oversize input gave ${r.ok ? 'a value' : r.code}`)
          }
        }
      })
  }
])

const messageExtra: FuzzProperty[] = [{
  decoder: 'message',
  name: 'validateMessage (the object path) and parseMessage (the bytes path) agree on JSON objects',
  property: () =>
    prop(fc.constantFrom(...MESSAGES), fieldMutation, ({ message }: typeof MESSAGES[number], mutation: FieldMutation) => {
      const obj: Record<string, unknown> = structuredClone(message) as unknown as Record<string, unknown>
      mutateField(obj, mutation)
      const fromBytes = outcome(() => parseMessage(utf8.encode(JSON.stringify(obj))), PAYLOAD_CODES)
      const fromObject = outcome(() => validateMessage(obj), PAYLOAD_CODES)
      check(fromBytes.ok === fromObject.ok, `bytes path ${fromBytes.ok ? 'accepts' : 'rejects'}, object path ${fromObject.ok ? 'accepts' : 'rejects'}`)
    })
}]

// ---------------------------------------------------------------------------------------------
// Frames

const frameProperties: FuzzProperty[] = [
  {
    decoder: 'frame',
    name: 'random chunks: only BAD_FRAME/TOO_LARGE, frames within the limit, never more buffered than the limit, failure is final',
    property: () =>
      prop(fc.integer({ min: 1, max: 600 }), fc.array(anyBytes, { maxLength: 12 }), (max: number, chunks: Uint8Array[]) => {
        const decoder = new FrameDecoder(max)
        for (const chunk of chunks) {
          const r = outcome(() => decoder.push(chunk), FRAME_CODES)
          if (!r.ok) {
            check(decoder.buffered === 0, 'a failed decoder still holds bytes')
            const again = outcome(() => decoder.push(Uint8Array.of(1, 65)), FRAME_CODES)
            check(!again.ok && again.code === r.code, 'a failed decoder accepted more input')
            return
          }
          check(r.value.every(f => f.length >= 1 && f.length <= max), 'a frame outside 1..max')
          // At most the limit — or, while a length prefix is incomplete, its first 4 bytes.
          check(decoder.buffered <= Math.max(max, 4), `buffered ${decoder.buffered} > limit ${max}`)
          check(decoder.buffered === 0 || decoder.inFrame, 'inFrame false with bytes buffered')
        }
        const end = outcome(() => {
          decoder.end()
        }, FRAME_CODES)
        check(end.ok === !decoder.inFrame, 'end() disagrees with inFrame')
      })
  },
  {
    decoder: 'frame',
    name: 'encoded frames split at arbitrary points come out whole, in order, with nothing left over',
    property: () =>
      prop(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (bodies: Uint8Array[], cuts: number[]) => {
          const stream = Buffer.concat(bodies.map(b => encodeFrame(b)))
          const points = [...new Set(cuts.map(c => c % (stream.length + 1)))].sort((a, b) => a - b)
          const decoder = new FrameDecoder(300)
          const out: Uint8Array[] = []
          let last = 0
          for (const p of [...points, stream.length]) {
            out.push(...decoder.push(new Uint8Array(stream.subarray(last, p))).map(f => f.slice()))
            last = p
          }
          check(out.length === bodies.length && out.every((f, i) => equalBytes(f, bodies[i])), 'frames changed in transit')
          check(!decoder.inFrame && decoder.buffered === 0, 'bytes left over')
          decoder.end()
        }
      )
  },
  {
    decoder: 'frame',
    name: 'a prefix declaring more than the limit is TOO_LARGE as soon as the prefix completes, nothing buffered',
    property: () =>
      prop(
        fc.integer({ min: 1, max: 4096 }),
        fc.integer({ min: 1, max: 2 ** 34 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.nat(),
        (max: number, extra: number, body: Uint8Array, split: number) => {
          const declared = max + extra
          const varint: number[] = []
          for (let rest = declared;; rest = Math.floor(rest / 128)) {
            if (rest < 128) {
              varint.push(rest)
              break
            }
            varint.push((rest % 128) | 0x80)
          }
          const decoder = new FrameDecoder(max)
          const cut = split % varint.length
          if (cut > 0) check(decoder.push(Uint8Array.from(varint.slice(0, cut))).length === 0, 'a frame from half a prefix')
          const r = outcome(() => decoder.push(Uint8Array.from([...varint.slice(cut), ...body])), FRAME_CODES)
          check(!r.ok && r.code === 'TOO_LARGE', `declared ${declared} > ${max} gave ${r.ok ? 'frames' : r.code}`)
          check(decoder.buffered === 0, 'bytes buffered after TOO_LARGE')
        }
      )
  },
  {
    decoder: 'frame',
    name: 'a stream cut inside a frame (even right after its prefix) leaves inFrame set and end() throws BAD_FRAME',
    property: () =>
      prop(fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 5 }), fc.nat(), (bodies: Uint8Array[], at: number) => {
        const stream = Buffer.concat(bodies.map(b => encodeFrame(b)))
        const boundaries = new Set<number>([0])
        let offset = 0
        for (const b of bodies) {
          offset += encodeFrame(b).length
          boundaries.add(offset)
        }
        const cut = at % stream.length
        const decoder = new FrameDecoder()
        decoder.push(new Uint8Array(stream.subarray(0, cut)))
        check(decoder.inFrame === !boundaries.has(cut), 'inFrame wrong at a cut')
        const end = outcome(() => {
          decoder.end()
        }, FRAME_CODES)
        check(boundaries.has(cut) ? end.ok : (!end.ok && end.code === 'BAD_FRAME'), 'end() wrong at a cut')
      })
  }
]

// ---------------------------------------------------------------------------------------------
// Strict JSON and UTF-8

const jsonProperties: FuzzProperty[] = [
  {
    decoder: 'strict-json',
    name: 'random text is rejected with SCHEMA_INVALID only; whatever is accepted, JSON.parse reads the same',
    property: () =>
      prop(fc.oneof(anyString, jsonishText), (text: string) => {
        const r = outcome(() => parseStrictJson(text), JSON_CODES)
        if (r.ok) check(isDeepStrictEqual(r.value, JSON.parse(text)), 'strict parser and JSON.parse disagree')
      })
  },
  {
    decoder: 'strict-json',
    name: 'mutated JSON text: rejected cleanly, or read exactly as JSON.parse reads it',
    property: () =>
      prop(fc.jsonValue({ maxDepth: 5 }).chain(v => mutatedString(JSON.stringify(v))), (text: string) => {
        const r = outcome(() => parseStrictJson(text), JSON_CODES)
        if (r.ok) check(isDeepStrictEqual(r.value, JSON.parse(text)), 'strict parser and JSON.parse disagree')
      })
  },
  {
    decoder: 'strict-json',
    name: 'JSON data within the rules is accepted and compactJson reads back equal',
    property: () =>
      prop(fc.jsonValue({ maxDepth: 8 }), fc.boolean(), (value: unknown, pretty: boolean) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined)
        const r = outcome(() => parseStrictJson(text), JSON_CODES)
        const legal = jsonDataProblem(value) === undefined
        check(r.ok === legal, `strict parser ${r.ok ? 'accepts' : 'rejects'} data jsonDataProblem calls ${legal ? 'legal' : 'illegal'}`)
        if (r.ok) check(compactJson(parseStrictJson(compactJson(r.value))) === compactJson(r.value), 'compactJson not stable')
      })
  },
  {
    decoder: 'strict-json',
    name: 'duplicate keys and nesting beyond the limit are always rejected',
    property: () =>
      prop(
        fc.string({ maxLength: 8 }),
        fc.jsonValue({ maxDepth: 2 }),
        fc.jsonValue({ maxDepth: 2 }),
        fc.integer({ min: MAX_JSON_DEPTH + 1, max: 200 }),
        (key: string, a: unknown, b: unknown, depth: number) => {
          const k = JSON.stringify(key)
          const dup = outcome(() => parseStrictJson(`{${k}:${JSON.stringify(a)},${k}:${JSON.stringify(b)}}`), JSON_CODES)
          check(!dup.ok, 'duplicate key accepted')
          const deep = outcome(() => parseStrictJson('['.repeat(depth) + ']'.repeat(depth)), JSON_CODES)
          check(!deep.ok, `depth ${depth} accepted`)
        }
      )
  },
  {
    decoder: 'utf8',
    name: 'utf8Decode: SCHEMA_INVALID or exactly what a fatal TextDecoder yields',
    property: () =>
      prop(fc.oneof(anyBytes, fc.string({ unit: 'binary' }).chain(s => mutatedBytes(Buffer.from(s, 'utf8')))), (bytes: Uint8Array) => {
        const r = outcome(() => utf8Decode(bytes), JSON_CODES)
        let reference: string | undefined
        try {
          reference = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
        } catch {
          reference = undefined
        }
        check(r.ok ? r.value === reference : reference === undefined, 'utf8Decode disagrees with TextDecoder')
      })
  }
]

// ---------------------------------------------------------------------------------------------
// Base64, peer IDs, timestamps, UUIDs

/** The URL-safe alphabet mapped to the standard one, padding removed. */
const normalizeBase64 = (s: string): string => s.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '')

const encodingProperties: FuzzProperty[] = [
  {
    decoder: 'base64',
    name: 'random and mutated text never throws; accepted text is the one spelling of its bytes',
    property: () =>
      prop(fc.oneof(anyString, fc.base64String(), fc.uint8Array({ maxLength: 40 }).chain(b => mutatedString(encodeBase64(b)))), (text: string) => {
        const bytes = tryDecodeBase64(text)
        check(isBase64(text) === (bytes !== undefined), 'isBase64 and tryDecodeBase64 disagree')
        if (bytes === undefined) return
        check(normalizeBase64(text) === normalizeBase64(encodeBase64(bytes)), `${JSON.stringify(text)} is a second spelling`)
        check(equalBytes(bytes, Buffer.from(text, 'base64')), "decoded bytes differ from Buffer's")
      })
  },
  {
    decoder: 'base64',
    name: 'bytes round-trip in every accepted spelling (standard/URL-safe, padded/unpadded)',
    property: () =>
      prop(fc.uint8Array({ maxLength: 100 }), (bytes: Uint8Array) => {
        const std = encodeBase64(bytes)
        const url = std.replace(/\+/g, '-').replace(/\//g, '_')
        for (const s of [std, std.replace(/=+$/, ''), url, url.replace(/=+$/, '')]) {
          const back = tryDecodeBase64(s)
          check(back !== undefined && equalBytes(back, bytes), `${s} did not round-trip`)
        }
      })
  },
  {
    decoder: 'peer-id',
    name: 'random and mutated strings: BAD_PEER_ID only; an accepted ID is canonical and libp2p-compatible',
    property: () =>
      prop(fc.oneof(anyString, peerIdArb.chain(mutatedString), fc.uint8Array({ maxLength: 48 }).map(encodeBase58btc)), (text: string) => {
        const r = outcome(() => publicKeyFromPeerId(text), PEER_ID_CODES)
        check(isPeerId(text) === r.ok, 'isPeerId and publicKeyFromPeerId disagree')
        if (r.ok) check(peerIdFromPublicKey(r.value) === text, 'an accepted peer ID is not the canonical spelling of its key')
      })
  },
  {
    decoder: 'peer-id',
    name: 'base58btc round-trips bytes; decoding random text never throws',
    property: () =>
      prop(fc.uint8Array({ maxLength: 64 }), anyString, (bytes: Uint8Array, text: string) => {
        const back = tryDecodeBase58btc(encodeBase58btc(bytes))
        check(back !== undefined && equalBytes(back, bytes), 'base58btc did not round-trip')
        const decoded = tryDecodeBase58btc(text)
        if (decoded !== undefined) check(encodeBase58btc(decoded) === text, 'accepted base58 text is not canonical')
      })
  },
  {
    decoder: 'timestamp',
    name: 'random and mutated timestamps: SCHEMA_INVALID only; accepted ones are the one spelling of their instant',
    property: () =>
      prop(
        fc.oneof(anyString, fc.integer({ min: -62167219200000, max: 253402300799999 }).chain(ms => mutatedString(new Date(ms).toISOString()))),
        (text: string) => {
          const r = outcome(() => parseRfc3339Millis(text), JSON_CODES)
          check(isRfc3339Millis(text) === r.ok, 'isRfc3339Millis and parseRfc3339Millis disagree')
          if (r.ok) check(formatRfc3339Millis(r.value) === text, `${text} is not the canonical spelling`)
        }
      )
  },
  {
    decoder: 'uuid',
    name: 'isUuidV7 never throws and accepts only lowercase canonical version-7 UUIDs',
    property: () =>
      prop(fc.oneof(anyString, fc.uuid().chain(mutatedString), fc.uuid({ version: 7 })), (text: string) => {
        if (!isUuidV7(text)) return
        check(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(text), `${text} accepted`)
      })
  }
]

// ---------------------------------------------------------------------------------------------
// Signed notes, checkpoints, cosignatures

const NOTE_KEYS = [ed25519NoteKey(ORIGIN, SIGNER.publicKey), cosignatureNoteKey(WITNESS, OTHER_SIGNER.publicKey)]

const noteProperties: FuzzProperty[] = [
  {
    decoder: 'signed-note',
    name: 'random text and bytes: only the documented codes',
    property: () =>
      prop(fc.oneof(anyString, anyBytes), (note: string | Uint8Array) => {
        outcome(() => openNote(note, NOTE_KEYS), NOTE_CODES)
      })
  },
  {
    decoder: 'signed-note',
    name: 'a mutated signed note opens only with its original, signed text',
    cost: 2,
    property: () =>
      prop(fc.constantFrom(...NOTES).chain(n => mutatedString(n).map(m => [n, m] as const)), ([original, mutated]: readonly [string, string]) => {
        const r = outcome(() => openNote(mutated, NOTE_KEYS), NOTE_CODES)
        if (r.ok) check(r.value.text === openNote(original, NOTE_KEYS).text, 'a note opened with text that was never signed')
      })
  },
  {
    decoder: 'signed-note',
    name: 'mutated note bytes: only the documented codes; a verified checkpoint is the signed one',
    cost: 2,
    property: () =>
      prop(
        fc.constantFrom(...NOTES).chain(n => mutatedBytes(utf8.encode(n)).map(m => [n, m] as const)),
        ([original, mutated]: readonly [string, Uint8Array]) => {
          const r = outcome(() => openCheckpoint(mutated, NOTE_KEYS, ORIGIN), NOTE_CODES)
          if (r.ok) check(isDeepStrictEqual(r.value.checkpoint, openCheckpoint(original, NOTE_KEYS, ORIGIN).checkpoint), 'a checkpoint that was never signed')
        }
      )
  },
  {
    decoder: 'signed-note',
    name: 'notes over 64 KiB are TOO_LARGE whatever they contain',
    property: () =>
      prop(fc.constantFrom(...NOTES), fc.integer({ min: 1, max: 100 }), (note: string, extra: number) => {
        const big = note + 'x'.repeat(MAX_SMALL_PAYLOAD_BYTES - note.length + extra)
        for (const input of [big, utf8.encode(big)]) {
          const r = outcome(() => openNote(input, NOTE_KEYS), NOTE_CODES)
          check(!r.ok && r.code === 'TOO_LARGE', 'oversize note not TOO_LARGE')
        }
      })
  },
  {
    decoder: 'checkpoint',
    name: 'random and mutated checkpoint bodies: SCHEMA_INVALID/TOO_LARGE only; accepted bodies re-format identically',
    property: () =>
      prop(fc.oneof(anyString, mutatedString(CHECKPOINT_BODY)), (text: string) => {
        const r = outcome(() => parseCheckpoint(text), PAYLOAD_CODES)
        if (r.ok) check(formatCheckpoint(r.value) === text, 'an accepted checkpoint body is not canonical')
      })
  },
  {
    decoder: 'checkpoint',
    name: 'signature lines: parseSignatureLine never throws on strings',
    property: () =>
      prop(fc.oneof(anyString, mutatedString(COSIGNATURE_LINE.slice(0, -1))), (line: string) => {
        parseSignatureLine(line)
      })
  },
  {
    decoder: 'cosignature',
    name: 'a mutated cosignature line never verifies; verification never throws',
    cost: 2,
    property: () =>
      prop(mutatedString(COSIGNATURE_LINE), (line: string) => {
        const r = verifyCosignature(line, CHECKPOINT_BODY, WITNESS, OTHER_SIGNER.publicKey)
        const same = line === COSIGNATURE_LINE || line === COSIGNATURE_LINE.slice(0, -1)
        if (r.ok) check(same, 'a mutated cosignature verified')
      })
  },
  {
    decoder: 'cosignature',
    name: 'the genuine cosignature does not verify for a mutated checkpoint body',
    cost: 2,
    property: () =>
      prop(mutatedString(CHECKPOINT_BODY), (body: string) => {
        const r = verifyCosignature(COSIGNATURE_LINE, body, WITNESS, OTHER_SIGNER.publicKey)
        if (r.ok) check(body === CHECKPOINT_BODY, 'cosignature verified for another body')
      })
  }
]

// ---------------------------------------------------------------------------------------------
// Exchange v2: batches and batch receipts (PROTOCOL.md §12, §22)

const BATCH_RECEIPT_CODES: ReasonCode[] = ['SCHEMA_INVALID', 'TOO_LARGE', 'BAD_PROOF', 'BAD_SIGNATURE', 'UNKNOWN_SIGNER', 'SIGNER_MISMATCH']

/** A valid batch receipt by SIGNER for three messages (an in-memory log of five leaves). */
async function validBatchReceipt (): Promise<{ bytes: Uint8Array, digests: string[] }> {
  const tree = new MerkleAppender()
  const nodes = memoryNodeStore()
  const digests = ['a', 'b', 'c'].map(c => c.repeat(64))
  const entries = ['0'.repeat(64), ...digests, 'f'.repeat(64)].map(d =>
    JSON.stringify({ v: 1, type: 'message.received', at: '2026-01-02T03:04:05.678Z', digest: d })
  )
  for (const e of entries) nodes.put(tree.append(leafHash(utf8.encode(e))).nodes)
  const note = issueCheckpoint(SIGNER, tree.size, tree.root(), 1_767_000_000)
  const proof = await multiProof(nodes, [1, 2, 3], tree.size)
  const results = [1, 2, 3].map(leaf => ({ leaf, entry: entries[leaf] }))
  return { bytes: encodeBatchReceipt({ v: 2, checkpoint: note, results, proof, consistency: null }), digests }
}
const VALID_BATCH_RECEIPT = await validBatchReceipt()

const batchProperties: FuzzProperty[] = [
  {
    decoder: 'batch',
    name: 'any bytes: a batch of 1..MAX_BATCH_ENVELOPES non-empty envelopes, or only BAD_FRAME/TOO_LARGE',
    property: () =>
      prop(anyBytes, fc.integer({ min: 1, max: 600 }), (bytes: Uint8Array, max: number) => {
        const r = outcome(() => decodeBatch(bytes, max), FRAME_CODES)
        if (r.ok) {
          check(
            r.value.envelopes.length >= 1 && r.value.envelopes.every(e => e.length >= 1 && e.length <= max) && Number.isSafeInteger(r.value.since),
            'a batch outside its rules'
          )
        }
      })
  },
  {
    decoder: 'batch',
    name: 'encodeBatch then decodeBatch gives back since and every envelope, byte for byte; one byte cut off is BAD_FRAME',
    property: () =>
      prop(
        fc.nat({ max: 2 ** 40 }),
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 20 }),
        (since: number, envelopes: Uint8Array[]) => {
          const body = encodeBatch(since, envelopes)
          const back = decodeBatch(body)
          check(
            back.since === since && back.envelopes.length === envelopes.length && back.envelopes.every((e, i) => equalBytes(e, envelopes[i])),
            'batch changed'
          )
          const cut = outcome(() => decodeBatch(body.subarray(0, body.length - 1)), FRAME_CODES)
          check(!cut.ok && cut.code === 'BAD_FRAME', 'a truncated batch decoded')
        }
      )
  },
  {
    decoder: 'batch-receipt',
    name: "a mutated batch receipt: the sender's check throws only documented codes, and accepts only receipts whose proof and signature hold",
    cost: 5,
    property: () => {
      const valid = VALID_BATCH_RECEIPT
      return prop(mutatedBytes(valid.bytes), (bytes: Uint8Array) => {
        const r = outcome(() => openBatchReceipt(bytes, SIGNER.peerId, valid.digests), BATCH_RECEIPT_CODES)
        if (r.ok) check(r.value.results.length === 3 && r.value.results.every(x => x.status === 'accepted'), 'a mutated receipt says something else')
      })
    }
  },
  {
    decoder: 'batch-receipt',
    name: 'the valid batch receipt opens; for another batch, or another receiver, it is refused',
    cost: 1000,
    property: () =>
      prop(fc.constant(0), () => {
        const valid = VALID_BATCH_RECEIPT
        check(openBatchReceipt(valid.bytes, SIGNER.peerId, valid.digests).results.length === 3, 'the valid receipt was refused')
        check(!outcome(() => openBatchReceipt(valid.bytes, SIGNER.peerId, [...valid.digests].reverse()), BATCH_RECEIPT_CODES).ok, 'accepted for other digests')
        check(!outcome(() => openBatchReceipt(valid.bytes, OTHER_SIGNER.peerId, valid.digests), BATCH_RECEIPT_CODES).ok, 'accepted from another receiver')
      })
  }
]

/** Every property, in catalogue order. */
export const FUZZ_PROPERTIES: readonly FuzzProperty[] = [
  ...envelopeProperties,
  ...payloadProperties,
  ...messageExtra,
  ...frameProperties,
  ...batchProperties,
  ...jsonProperties,
  ...encodingProperties,
  ...noteProperties
]

/** The decoders covered, in catalogue order. */
export const DECODERS: readonly string[] = [...new Set(FUZZ_PROPERTIES.map(p => p.decoder))]

export function propertiesFor (decoder: string): FuzzProperty[] {
  return FUZZ_PROPERTIES.filter(p => p.decoder === decoder)
}
