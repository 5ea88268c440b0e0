/**
 * Tools for fuzzing the protocol decoders with fast-check: byte and string mutators that keep
 * valid inputs "almost valid", a wrapper that lets only ProtocolError (with an allowed code)
 * through, and deterministic valid fixtures (keys, messages, receipts, envelopes, notes) to
 * mutate. Used by test/helpers/fuzz-properties.ts.
 *
 * @module
 */
import fc from 'fast-check'
import { ProtocolError, type ReasonCode } from '../../protocol/errors.ts'
import { encodeEnvelope, signEnvelope } from '../../protocol/envelope.ts'
import { encodeMessage } from '../../protocol/message.ts'
import { jsonDataProblem } from '../../protocol/json.ts'
import { encodeReceipt } from '../../protocol/receipt.ts'
import { signerFromSeed, verifyKeyFromPeerId } from '../../protocol/keys.ts'
import { peerIdFromPublicKey } from '../../protocol/peer-id.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import { checkpointOrigin, formatCheckpoint, signNote } from '../../protocol/checkpoint.ts'
import { cosign } from '../../protocol/cosignature.ts'
import {
  HANDLING_CODES,
  MESSAGE_KINDS,
  PAYLOAD_TYPES,
  TLP_LEVELS,
  type Envelope,
  type MessageV1,
  type ReceiptV1,
  type Signer,
  type VerifyKey
} from '../../protocol/types.ts'
import { REASON_CODES } from '../../protocol/errors.ts'

// ---------------------------------------------------------------------------------------------
// Outcomes

export type Outcome<T> = { ok: true, value: T } | { ok: false, code: ReasonCode }

/**
 * Runs `fn` and returns its value, or the code of the ProtocolError it threw if that code is in
 * `allowed`. Anything else — another error type, or a ProtocolError with a code the decoder
 * does not document — is rethrown, failing the property.
 */
export function outcome<T> (fn: () => T, allowed: readonly ReasonCode[]): Outcome<T> {
  try {
    return { ok: true, value: fn() }
  } catch (err) {
    if (err instanceof ProtocolError && allowed.includes(err.code)) return { ok: false, code: err.code }
    throw err
  }
}

export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}

// ---------------------------------------------------------------------------------------------
// Mutators

/** Bytes that change the meaning of JSON, base64, UTF-8, varints and notes. */
const INTERESTING_BYTES = [
  0x00,
  0x01,
  0x09,
  0x0a,
  0x20,
  0x22,
  0x2b,
  0x2c,
  0x2d,
  0x2e,
  0x2f,
  0x30,
  0x31,
  0x3a,
  0x3d,
  0x41,
  0x45,
  0x5b,
  0x5c,
  0x5d,
  0x5f,
  0x61,
  0x65,
  0x75,
  0x7b,
  0x7d,
  0x7f,
  0x80,
  0xbf,
  0xc0,
  0xc3,
  0xe2,
  0xed,
  0xef,
  0xf0,
  0xf4,
  0xff
]

const byteValue = fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.integer({ min: 0, max: 255 }))

type ByteMutation = (b: Uint8Array) => Uint8Array

const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  // flip one bit
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })).map(([at, bit]) => (b: Uint8Array) => {
    if (b.length === 0) return b
    const c = b.slice()
    c[at % c.length] ^= 1 << bit
    return c
  }),
  // overwrite one byte
  fc.tuple(fc.nat(), byteValue).map(([at, v]) => (b: Uint8Array) => {
    if (b.length === 0) return b
    const c = b.slice()
    c[at % c.length] = v
    return c
  }),
  // insert a few bytes
  fc.tuple(fc.nat(), fc.array(byteValue, { minLength: 1, maxLength: 8 })).map(([at, bytes]) => (b: Uint8Array) => {
    const i = at % (b.length + 1)
    return Uint8Array.from([...b.subarray(0, i), ...bytes, ...b.subarray(i)])
  }),
  // delete a range
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 16 })).map(([at, n]) => (b: Uint8Array) => {
    if (b.length === 0) return b
    const i = at % b.length
    return Uint8Array.from([...b.subarray(0, i), ...b.subarray(i + n)])
  }),
  // truncate
  fc.nat().map(at => (b: Uint8Array) => b.slice(0, at % (b.length + 1))),
  // duplicate a range in place
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 32 })).map(([at, n]) => (b: Uint8Array) => {
    if (b.length === 0) return b
    const i = at % b.length
    return Uint8Array.from([...b.subarray(0, i + n), ...b.subarray(i)])
  })
)

/** `valid` with 1..4 random mutations applied. */
export function mutatedBytes (valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.array(byteMutation, { minLength: 1, maxLength: 4 }).map(ms => ms.reduce((b, m) => m(b), valid))
}

/** One of `pool`, mutated; the result says which it came from. */
export function mutatedFrom<T extends { bytes: Uint8Array }> (pool: readonly T[]): fc.Arbitrary<{ base: T, bytes: Uint8Array }> {
  return fc.constantFrom(...pool).chain(base => mutatedBytes(base.bytes).map(bytes => ({ base, bytes })))
}

/** Characters that matter to notes, base64, base58, timestamps and JSON — and lone surrogates. */
const INTERESTING_CHARS = [
  '\n',
  ' ',
  '\t',
  '\u2014',
  '+',
  '/',
  '=',
  '-',
  '_',
  '.',
  ':',
  'T',
  'Z',
  '0',
  '9',
  '1',
  'l',
  'O',
  'I',
  '"',
  '\\',
  '{',
  '}',
  '\u0000',
  '\u007f',
  '\u00e9',
  '\ud800',
  '\udc00',
  '\ud83d\ude00',
  '\u2028',
  '\ufeff'
]

const charValue = fc.oneof(fc.constantFrom(...INTERESTING_CHARS), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }))

type StringMutation = (s: string) => string

const stringMutation: fc.Arbitrary<StringMutation> = fc.oneof(
  fc.tuple(fc.nat(), charValue).map(([at, ch]) => (s: string) => {
    if (s.length === 0) return ch
    const i = at % s.length
    return s.slice(0, i) + ch + s.slice(i + 1)
  }),
  fc.tuple(fc.nat(), fc.array(charValue, { minLength: 1, maxLength: 4 })).map(([at, chs]) => (s: string) => {
    const i = at % (s.length + 1)
    return s.slice(0, i) + chs.join('') + s.slice(i)
  }),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 8 })).map(([at, n]) => (s: string) => {
    if (s.length === 0) return s
    const i = at % s.length
    return s.slice(0, i) + s.slice(i + n)
  }),
  fc.nat().map(at => (s: string) => s.slice(0, at % (s.length + 1))),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 16 })).map(([at, n]) => (s: string) => {
    if (s.length === 0) return s
    const i = at % s.length
    return s.slice(0, i + n) + s.slice(i)
  })
)

/** `valid` with 1..4 random string mutations applied. */
export function mutatedString (valid: string): fc.Arbitrary<string> {
  return fc.array(stringMutation, { minLength: 1, maxLength: 4 }).map(ms => ms.reduce((s, m) => m(s), valid))
}

/** Any string, biased towards odd code units (`binary` includes lone surrogates). */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ maxLength: 80, unit: 'binary' }),
  fc.array(fc.constantFrom(...INTERESTING_CHARS), { maxLength: 40 }).map(a => a.join(''))
)

/** Any bytes, short and long. */
export const anyBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.uint8Array({ maxLength: 2048 }),
  fc.array(byteValue, { maxLength: 128 }).map(a => Uint8Array.from(a))
)

// ---------------------------------------------------------------------------------------------
// Valid values

const fixedSigner = (n: number): Signer => signerFromSeed(new Uint8Array(32).fill(n))

/** The signer whose envelopes are fuzzed, another trusted-looking signer, and their keys. */
export const SIGNER = fixedSigner(1)
export const OTHER_SIGNER = fixedSigner(2)
export const KEY: VerifyKey = verifyKeyFromPeerId(SIGNER.peerId)
export const OTHER_KEY: VerifyKey = verifyKeyFromPeerId(OTHER_SIGNER.peerId)

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5, 678)

/** Any syntactically valid peer ID (any 32 bytes make one). */
export const peerIdArb: fc.Arbitrary<string> = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(peerIdFromPublicKey)

export const uuidArb: fc.Arbitrary<string> = fc.tuple(fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.uint8Array({ minLength: 10, maxLength: 10 }))
  .map(([ms, r]) => uuidV7(ms, r))

const instantArb = fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2200, 0, 1) })
const slugArb = fc.stringMatching(/^[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,3}$/)

/** Any valid message v1. */
export const messageArb: fc.Arbitrary<MessageV1> = fc.record({
  id: uuidArb,
  kind: fc.constantFrom(...MESSAGE_KINDS),
  from: peerIdArb,
  to: fc.uniqueArray(peerIdArb, { minLength: 1, maxLength: 5 }),
  created: instantArb,
  ttl: fc.integer({ min: 1, max: 10 ** 10 }),
  tlp: fc.constantFrom(...TLP_LEVELS),
  handling: fc.uniqueArray(fc.oneof(fc.constantFrom(...HANDLING_CODES), slugArb.map(s => `x-${s}`)), { maxLength: 3 }),
  topic: slugArb,
  legalBasis: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,30}$/),
  inReplyTo: fc.option(uuidArb, { nil: undefined }),
  body: fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 5 }).filter(b => jsonDataProblem(b) === undefined)
}).map(r => {
  const m: MessageV1 = {
    v: 1,
    id: r.id,
    kind: r.kind,
    from: r.from,
    to: r.to,
    created: new Date(r.created).toISOString(),
    expires: new Date(r.created + r.ttl).toISOString(),
    tlp: r.tlp,
    handling: r.handling,
    topic: r.topic,
    legalBasis: r.legalBasis,
    body: r.body as Record<string, unknown>
  }
  if (r.inReplyTo !== undefined) m.inReplyTo = r.inReplyTo
  return m
})

/** Any valid receipt v1. */
export const receiptArb: fc.Arbitrary<ReceiptV1> = fc.record({
  for: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(b => Buffer.from(b).toString('hex')),
  messageId: fc.option(uuidArb, { nil: null }),
  by: peerIdArb,
  at: instantArb,
  reason: fc.option(fc.constantFrom(...Object.keys(REASON_CODES)), { nil: undefined })
}).map(r => {
  const receipt: ReceiptV1 = {
    v: 1,
    for: r.for,
    messageId: r.messageId,
    by: r.by,
    at: new Date(r.at).toISOString(),
    status: r.reason === undefined ? 'accepted' : 'rejected'
  }
  if (r.reason !== undefined) receipt.reason = r.reason
  return receipt
})

const sampleMessage = (n: number, body: Record<string, unknown>, extra: Partial<MessageV1> = {}): MessageV1 => ({
  v: 1,
  id: uuidV7(T0 + n, new Uint8Array(10).fill(n)),
  kind: MESSAGE_KINDS[n % MESSAGE_KINDS.length],
  from: SIGNER.peerId,
  to: [OTHER_SIGNER.peerId],
  created: new Date(T0).toISOString(),
  expires: new Date(T0 + 86_400_000).toISOString(),
  tlp: TLP_LEVELS[n % TLP_LEVELS.length],
  handling: n % 2 === 0 ? [] : ['originator-only', 'x-local-rule'],
  topic: 'drug-trafficking',
  legalBasis: 'EU-2024-17',
  body,
  ...extra
})

/** A few valid messages, different in shape, to mutate. */
export const MESSAGES: ReadonlyArray<{ message: MessageV1, bytes: Uint8Array }> = [
  sampleMessage(0, {}),
  sampleMessage(1, { text: 'report: "quoted" \\ back\u00e9\u2014 \ud83d\ude00', n: -12.5e-3, big: 9007199254740991, ok: true, none: null }),
  sampleMessage(2, { list: [1, [2, [3, { deep: ['x'] }]]], obj: { a: { b: { c: {} } } } }, { inReplyTo: uuidV7(T0, new Uint8Array(10)) }),
  sampleMessage(3, { pad: 'a'.repeat(300) })
].map(message => ({ message, bytes: encodeMessage(message) }))

/** A few valid receipts to mutate. */
export const RECEIPTS: ReadonlyArray<{ receipt: ReceiptV1, bytes: Uint8Array }> = [
  { v: 1, for: 'a'.repeat(64), messageId: MESSAGES[0].message.id, by: SIGNER.peerId, at: new Date(T0).toISOString(), status: 'accepted' },
  {
    v: 1,
    for: '0123456789abcdef'.repeat(4),
    messageId: null,
    by: OTHER_SIGNER.peerId,
    at: new Date(T0).toISOString(),
    status: 'rejected',
    reason: 'BAD_SIGNATURE'
  }
].map(r => ({ receipt: r as ReceiptV1, bytes: encodeReceipt(r as ReceiptV1) }))

export interface EnvelopeFixture {
  env: Envelope
  bytes: Uint8Array
}

/** Valid envelopes signed by SIGNER (one also by OTHER_SIGNER): messages, a receipt, odd types. */
export const ENVELOPES: readonly EnvelopeFixture[] = [
  ...MESSAGES.map(m => signEnvelope(PAYLOAD_TYPES.message, m.bytes, SIGNER)),
  signEnvelope(PAYLOAD_TYPES.receipt, RECEIPTS[0].bytes, SIGNER),
  signEnvelope(PAYLOAD_TYPES.message, MESSAGES[1].bytes, [OTHER_SIGNER, SIGNER]),
  signEnvelope('x', new Uint8Array(0), SIGNER),
  signEnvelope('text/plain; charset=\u00e9', Uint8Array.of(0, 255, 1, 254), SIGNER)
].map(env => ({ env, bytes: encodeEnvelope(env) }))

/** A checkpoint body, signed as a note by SIGNER under its origin, plus a cosignature by OTHER_SIGNER. */
export const ORIGIN = checkpointOrigin(SIGNER.peerId)
export const WITNESS = 'witness.example/w1'
export const CHECKPOINT_BODY = formatCheckpoint({ origin: ORIGIN, size: 12345, root: new Uint8Array(32).fill(7) })
export const COSIGNATURE_LINE = cosign(CHECKPOINT_BODY, WITNESS, OTHER_SIGNER, 1_767_323_045)
export const NOTES: readonly string[] = [
  signNote(CHECKPOINT_BODY, ORIGIN, SIGNER),
  signNote(CHECKPOINT_BODY, ORIGIN, SIGNER) + COSIGNATURE_LINE,
  signNote(formatCheckpoint({ origin: ORIGIN, size: 1, root: new Uint8Array(32).fill(0xab), extensions: ['ext line'] }), ORIGIN, SIGNER)
]
