import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../../protocol/errors.ts'
import { jsonDataProblem } from '../../protocol/json.ts'
import { MAX_JSON_DEPTH, MAX_MESSAGE_PAYLOAD_BYTES, MAX_RECIPIENTS } from '../../protocol/limits.ts'
import { encodeMessage, parseMessage, validateMessage } from '../../protocol/message.ts'
import { formatRfc3339Millis } from '../../protocol/time.ts'
import { HANDLING_CODES, MESSAGE_KINDS, TLP_LEVELS } from '../../protocol/types.ts'
import type { MessageV1 } from '../../protocol/types.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import { rejects } from '../helpers/expect-code.ts'

/** Peer IDs made by js-libp2p itself, an oracle independent of protocol/peer-id.ts. */
const peer = (seed: number | Uint8Array): string =>
  peerIdFromPublicKey(publicKeyFromRaw(typeof seed === 'number' ? new Uint8Array(32).fill(seed) : seed)).toString()

const ALICE = peer(1)
const BOB = peer(2)
const CAROL = peer(3)
const ID = '01890a5d-ac96-774b-bcce-b302099a8057'
const REPLY = '01890a5d-ac96-7000-8000-000000000001'

function sample (): MessageV1 {
  return {
    v: 1,
    id: ID,
    kind: 'report',
    from: ALICE,
    to: [BOB, CAROL],
    created: '2026-01-02T03:04:05.678Z',
    expires: '2026-02-01T03:04:05.678Z',
    tlp: 'AMBER+STRICT',
    handling: ['originator-only', 'x-eu-only'],
    topic: 'fraud-cards',
    legalBasis: 'eu:2016/680',
    body: { summary: 'Skimmer found', n: 3, nested: { ok: true, list: [1, 'two', null] } }
  }
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const json = (value: unknown): Uint8Array => bytes(JSON.stringify(value))

/** Asserts that the sample with `patch` applied is rejected by parseMessage and validateMessage. */
function rejectsPatch (patch: Record<string, unknown>, message?: RegExp | string): void {
  const value: Record<string, unknown> = { ...sample(), ...patch }
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete value[k]
  rejects(() => parseMessage(json(value)), 'SCHEMA_INVALID', message)
  rejects(() => validateMessage(value), 'SCHEMA_INVALID', message)
}

describe('encodeMessage', () => {
  it('emits compact JSON with keys in the fixed order', () => {
    const m = sample()
    const shuffled = Object.fromEntries(Object.entries({ ...m, inReplyTo: REPLY }).reverse())
    const expected = `{"v":1,"id":"${ID}","kind":"report","from":"${ALICE}","to":["${BOB}","${CAROL}"],` +
      '"created":"2026-01-02T03:04:05.678Z","expires":"2026-02-01T03:04:05.678Z","tlp":"AMBER+STRICT",' +
      '"handling":["originator-only","x-eu-only"],"topic":"fraud-cards","legalBasis":"eu:2016/680",' +
      `"inReplyTo":"${REPLY}","body":{"summary":"Skimmer found","n":3,"nested":{"ok":true,"list":[1,"two",null]}}}`
    expect(new TextDecoder().decode(encodeMessage(shuffled as unknown as MessageV1))).toBe(expected)
  })

  it('omits inReplyTo when absent or undefined', () => {
    const text = new TextDecoder().decode(encodeMessage({ ...sample(), inReplyTo: undefined }))
    expect(text).not.toContain('inReplyTo')
  })

  it('rejects an invalid message with SCHEMA_INVALID', () => {
    rejects(() => encodeMessage({ ...sample(), to: [] }), 'SCHEMA_INVALID', /^to /)
    rejects(() => encodeMessage({ ...sample(), body: { x: undefined } }), 'SCHEMA_INVALID', 'body.x is not JSON data')
  })

  it('rejects a message over MAX_MESSAGE_PAYLOAD_BYTES with TOO_LARGE', () => {
    rejects(() => encodeMessage({ ...sample(), body: { blob: 'x'.repeat(MAX_MESSAGE_PAYLOAD_BYTES) } }), 'TOO_LARGE')
  })
})

describe('parseMessage', () => {
  it('reads back what encodeMessage wrote', () => {
    const m = { ...sample(), inReplyTo: REPLY }
    expect(parseMessage(encodeMessage(m))).toStrictEqual(m)
    expect(parseMessage(encodeMessage(sample()))).toStrictEqual(sample())
  })

  it('reads a body number written -0 or -0e125 as −0, as JSON.parse does, and re-encodes it as 0 (as JSON.stringify does)', () => {
    // Found by the payload fuzzer: a zero's sign does not survive compact re-encoding.
    const text = new TextDecoder().decode(encodeMessage({ ...sample(), body: { n: 1.5 } })).replace('"n":1.5', '"n":-0e0125')
    const read = parseMessage(bytes(text))
    expect(Object.is((read.body as { n: number }).n, -0)).toBe(true)
    expect(new TextDecoder().decode(encodeMessage(read))).toContain('"n":0}')
    expect(parseMessage(encodeMessage(read)).body).toStrictEqual({ n: 0 })
  })

  it('accepts any key order, whitespace and an empty handling list', () => {
    const m = { ...sample(), handling: [] }
    const text = JSON.stringify(Object.fromEntries(Object.entries(m).reverse()), null, 2)
    expect(parseMessage(bytes(text))).toStrictEqual(m)
  })

  it('accepts every kind, TLP label and known handling code', () => {
    for (const kind of MESSAGE_KINDS) expect(parseMessage(json({ ...sample(), kind })).kind).toBe(kind)
    for (const tlp of TLP_LEVELS) expect(parseMessage(json({ ...sample(), tlp })).tlp).toBe(tlp)
    expect(parseMessage(json({ ...sample(), handling: [...HANDLING_CODES] })).handling).toEqual(HANDLING_CODES)
  })

  it('checks the size before decoding: TOO_LARGE above the limit', () => {
    const ok = json(sample())
    expect(() => parseMessage(ok, { maxBytes: ok.length })).not.toThrow()
    rejects(() => parseMessage(ok, { maxBytes: ok.length - 1 }), 'TOO_LARGE')
    // Not even valid UTF-8: the size check must come first.
    rejects(() => parseMessage(new Uint8Array(MAX_MESSAGE_PAYLOAD_BYTES + 1).fill(0xff)), 'TOO_LARGE')
  })

  it('accepts a payload of exactly MAX_MESSAGE_PAYLOAD_BYTES', () => {
    const base = json({ ...sample(), body: { pad: '' } })
    const padded = json({ ...sample(), body: { pad: 'x'.repeat(MAX_MESSAGE_PAYLOAD_BYTES - base.length) } })
    expect(padded.length).toBe(MAX_MESSAGE_PAYLOAD_BYTES)
    expect(parseMessage(padded).body.pad).toHaveLength(MAX_MESSAGE_PAYLOAD_BYTES - base.length)
  })

  it('rejects invalid UTF-8 and invalid JSON with SCHEMA_INVALID', () => {
    rejects(() => parseMessage(Uint8Array.of(0x7b, 0xff, 0x7d)), 'SCHEMA_INVALID', /UTF-8/)
    rejects(() => parseMessage(bytes('{"v":1,')), 'SCHEMA_INVALID')
    rejects(() => parseMessage(bytes(JSON.stringify(sample()) + 'x')), 'SCHEMA_INVALID')
  })

  it('rejects a top level that is not an object', () => {
    for (const text of ['[]', '"x"', '1', 'null']) rejects(() => parseMessage(bytes(text)), 'SCHEMA_INVALID', /not a JSON object/)
  })

  it('rejects duplicate keys, even where JSON.parse would keep a valid value', () => {
    const text = JSON.stringify(sample()).replace('"tlp":"AMBER+STRICT"', '"tlp":"RED","tlp":"AMBER+STRICT"')
    rejects(() => parseMessage(bytes(text)), 'SCHEMA_INVALID', /duplicate key/)
    const inBody = JSON.stringify(sample()).replace('"n":3', '"n":3,"n":4')
    rejects(() => parseMessage(bytes(inBody)), 'SCHEMA_INVALID', /\$\.body\.n .*duplicate key/)
  })

  it('rejects unknown top-level fields, including "__proto__"', () => {
    rejectsPatch({ extra: 1 }, 'unknown field "extra"')
    rejects(() => parseMessage(bytes(JSON.stringify(sample()).replace('{', '{"__proto__":{},'))), 'SCHEMA_INVALID', /unknown field "__proto__"/)
  })

  it('names each missing field', () => {
    for (const field of ['v', 'id', 'kind', 'from', 'to', 'created', 'expires', 'tlp', 'handling', 'topic', 'legalBasis', 'body']) {
      rejectsPatch({ [field]: undefined }, `${field} is missing`)
    }
  })

  it('requires v to be the integer 1 written as an integer literal', () => {
    for (const v of [2, 0, -1, '1', true, null, [1]]) rejectsPatch({ v }, /^v must be the integer 1/)
    rejects(() => validateMessage({ ...sample(), v: 1.5 }), 'SCHEMA_INVALID', /^v must be the integer 1/)
    const text = JSON.stringify(sample())
    for (const literal of ['1.0', '1e0', '1E0', '10e-1', '1.00']) {
      rejects(() => parseMessage(bytes(text.replace('"v":1', `"v":${literal}`))), 'SCHEMA_INVALID', /\$\.v .*integer literal/)
    }
  })

  it('requires id and inReplyTo to be UUIDv7s', () => {
    for (const id of ['01890a5d-ac96-474b-bcce-b302099a8057', ID.toUpperCase(), '', 7]) rejectsPatch({ id }, 'id is not a UUIDv7')
    for (const inReplyTo of ['nope', null, 1]) rejectsPatch({ inReplyTo }, 'inReplyTo is not a UUIDv7')
  })

  it('requires a known kind and TLP label', () => {
    for (const kind of ['Report', 'request', '', 1]) rejectsPatch({ kind }, /^kind must be one of/)
    for (const tlp of ['amber', 'WHITE', 'AMBER STRICT', '']) rejectsPatch({ tlp }, /^tlp must be one of/)
  })

  it('requires from to be a peer ID', () => {
    for (const from of ['QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N', ALICE.slice(0, -1), ALICE + '1', '12D3KooW' + '0'.repeat(44), 1]) {
      rejectsPatch({ from }, 'from is not a peer ID')
    }
  })

  it('requires to to hold 1..MAX_RECIPIENTS unique peer IDs, naming the bad entry', () => {
    rejectsPatch({ to: [] }, 'to must name at least one recipient')
    rejectsPatch({ to: BOB }, 'to must be an array of peer IDs')
    rejectsPatch({ to: [BOB, CAROL, 'not-a-peer'] }, 'to[2] is not a peer ID')
    rejectsPatch({ to: [BOB, CAROL, BOB] }, 'to[2] repeats a recipient')
    const many = Array.from({ length: MAX_RECIPIENTS + 1 }, (_, i) => peer(i + 10))
    expect(parseMessage(json({ ...sample(), to: many.slice(0, MAX_RECIPIENTS) })).to).toHaveLength(MAX_RECIPIENTS)
    rejectsPatch({ to: many }, `the limit is ${MAX_RECIPIENTS}`)
  })

  it('requires created and expires to be real RFC 3339 UTC millisecond timestamps', () => {
    for (
      const created of [
        '2026-02-30T00:00:00.000Z',
        '2026-01-02T24:00:00.000Z',
        '2026-01-02T03:04:60.000Z',
        '2026-01-02T03:04:05Z',
        '2026-01-02T03:04:05.678+00:00',
        1767323045678
      ]
    ) {
      rejectsPatch({ created }, /^created is not an RFC 3339/)
    }
    rejectsPatch({ expires: '2026-02-01' }, /^expires is not an RFC 3339/)
  })

  it('requires expires to be after created', () => {
    rejectsPatch({ expires: sample().created }, 'expires must be after created')
    rejectsPatch({ expires: '2026-01-02T03:04:05.677Z' }, 'expires must be after created')
    expect(() => parseMessage(json({ ...sample(), expires: '2026-01-02T03:04:05.679Z' }))).not.toThrow()
  })

  it('requires handling to be unique known codes or x- slugs', () => {
    rejectsPatch({ handling: 'originator-only' }, 'handling must be an array')
    rejectsPatch({ handling: ['no-such-code'] }, /^handling\[0\] is not a known handling code/)
    for (const code of ['x-', 'x-Eu', 'x-eu--only', 'x-eu_only', 'x-' + 'a'.repeat(63), 'X-eu', 'y-eu', 1]) {
      rejectsPatch({ handling: ['originator-only', code] }, /^handling\[1\] is not/)
    }
    expect(parseMessage(json({ ...sample(), handling: ['x-' + 'a'.repeat(62)] })).handling).toHaveLength(1)
    rejectsPatch({ handling: ['x-a', 'originator-only', 'x-a'] }, 'handling[2] repeats a handling code')
  })

  it('requires topic to be a lowercase slug of at most 64 characters', () => {
    for (const topic of ['Fraud', 'fraud cards', '-fraud', 'fraud-', 'fraud--cards', 'fraud_cards', '', 'a'.repeat(65), 'é']) {
      rejectsPatch({ topic }, /^topic (must|is missing)/)
    }
    expect(parseMessage(json({ ...sample(), topic: 'a'.repeat(64) })).topic).toHaveLength(64)
    expect(parseMessage(json({ ...sample(), topic: '2026-q1' })).topic).toBe('2026-q1')
  })

  it('requires legalBasis to be 1..128 identifier characters', () => {
    for (const legalBasis of ['', ' eu', 'eu 2016', '.eu', '-eu', '/eu', 'eu\n', 'art§13', 'A'.repeat(129), 5]) {
      rejectsPatch({ legalBasis }, /^legalBasis must be/)
    }
    for (const legalBasis of ['A'.repeat(128), 'urn:x:mla:2025-17', 'ECA-Art.13', '0']) {
      expect(parseMessage(json({ ...sample(), legalBasis })).legalBasis).toBe(legalBasis)
    }
  })

  it('requires body to be a JSON object', () => {
    for (const body of [[], null, 'text', 1]) rejectsPatch({ body }, 'body must be a JSON object')
    expect(parseMessage(json({ ...sample(), body: {} })).body).toEqual({})
  })

  it('bounds the nesting of the whole document, body included', () => {
    const deep = (n: number): unknown => n === 0 ? 1 : { a: deep(n - 1) }
    // The message object is level 1, so the body may add MAX_JSON_DEPTH - 1 levels.
    expect(() => parseMessage(json({ ...sample(), body: deep(MAX_JSON_DEPTH - 1) }))).not.toThrow()
    expect(() => validateMessage({ ...sample(), body: deep(MAX_JSON_DEPTH - 1) })).not.toThrow()
    rejectsPatch({ body: deep(MAX_JSON_DEPTH) }, /nest/)
  })

  it('throws TypeError for a payload that is not a Uint8Array', () => {
    expect(() => parseMessage('{}' as unknown as Uint8Array)).toThrow(TypeError)
  })
})

describe('validateMessage', () => {
  it('returns a fresh object in the fixed key order', () => {
    const input = Object.fromEntries(Object.entries(sample()).reverse())
    const m = validateMessage(input)
    expect(m).toStrictEqual(sample())
    expect(m).not.toBe(input)
    expect(Object.keys(m)).toEqual(Object.keys(sample()))
  })

  it('rejects body values that are not JSON data, naming the path', () => {
    rejects(() => validateMessage({ ...sample(), body: { a: [1, NaN] } }), 'SCHEMA_INVALID', 'body.a[1] is not a finite number')
    rejects(() => validateMessage({ ...sample(), body: { d: new Date(0) } }), 'SCHEMA_INVALID', 'body.d is not a plain object')
    rejects(() => validateMessage({ ...sample(), body: new Map() }), 'SCHEMA_INVALID', 'body is not a plain object')
  })

  it('rejects class instances and non-objects', () => {
    class Message {
      v = 1
    }
    rejects(() => validateMessage(new Message()), 'SCHEMA_INVALID', 'not a plain object')
    for (const value of [null, undefined, 'x', [sample()]]) rejects(() => validateMessage(value), 'SCHEMA_INVALID')
  })
})

describe('message round trip', () => {
  const peerId = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(peer)
  const slug = fc.array(fc.stringMatching(/^[a-z0-9]{1,6}$/), { minLength: 1, maxLength: 4 }).map(parts => parts.join('-'))
  const uuid = fc.tuple(fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.uint8Array({ minLength: 10, maxLength: 10 }))
    .map(([ms, random]) => uuidV7(ms, random))
  const FIRST = -62167219200000
  const LAST = 253402300799999
  const times = fc.tuple(fc.integer({ min: FIRST, max: LAST - 1 }), fc.integer({ min: 1, max: 400 * 86_400_000 }))
    .map(([created, ttl]) => [formatRfc3339Millis(created), formatRfc3339Millis(Math.min(LAST, created + ttl))])
  const handling = fc.uniqueArray(fc.oneof(fc.constantFrom(...HANDLING_CODES), slug.map(s => `x-${s}`)), { maxLength: 5 })
  const body = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4, stringUnit: 'grapheme' }), { maxKeys: 5 })
    .filter(b => jsonDataProblem(b) === undefined)
  const message: fc.Arbitrary<MessageV1> = fc.record({
    id: uuid,
    kind: fc.constantFrom(...MESSAGE_KINDS),
    from: peerId,
    to: fc.uniqueArray(peerId, { minLength: 1, maxLength: 4 }),
    times,
    tlp: fc.constantFrom(...TLP_LEVELS),
    handling,
    topic: slug,
    legalBasis: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,30}$/),
    inReplyTo: fc.option(uuid, { nil: undefined }),
    body
  }).map(({ times: [created, expires], inReplyTo, ...rest }) => {
    const m: MessageV1 = { v: 1, ...rest, created, expires }
    if (inReplyTo !== undefined) m.inReplyTo = inReplyTo
    return m
  })

  it('encode then parse returns the same message and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(message, m => {
        const encoded = encodeMessage(m)
        const parsed = parseMessage(encoded)
        expect(parsed).toStrictEqual(JSON.parse(JSON.stringify(validateMessage(m))))
        expect(encodeMessage(parsed)).toStrictEqual(encoded)
      }),
      { numRuns: 150 }
    )
  })

  it('throws only ProtocolError when an encoded message is corrupted', () => {
    const corrupt = fc.tuple(message, fc.nat(), fc.integer({ min: 1, max: 255 }))
    fc.assert(
      fc.property(corrupt, ([m, at, flip]) => {
        const encoded = encodeMessage(m)
        encoded[at % encoded.length] ^= flip
        try {
          parseMessage(encoded)
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError)
        }
      }),
      { numRuns: 150 }
    )
  })
})
