import { describe, expect, it } from 'vitest'
import { nobleVerify, opensslVerify } from '../../protocol/ed25519.ts'
import {
  decodeEnvelope,
  encodeEnvelope,
  envelopeDigest,
  pae,
  paeDigest,
  signEnvelope,
  verifyEnvelope,
  verifyEnvelopeDigest,
  verifyEnvelopeWith
} from '../../protocol/envelope.ts'
import { ProtocolError } from '../../protocol/errors.ts'
import { generateSigner, signerFromSeed, verifyKeyFromPeerId, verifyKeyFromPublicKey } from '../../protocol/keys.ts'
import { MAX_SIGNATURES } from '../../protocol/limits.ts'
import type { Envelope } from '../../protocol/types.ts'
import { PAYLOAD_TYPES } from '../../protocol/types.ts'

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const TYPE = PAYLOAD_TYPES.message
const PAYLOAD = utf8('{"v":1,"hello":"world"}')

const alice = signerFromSeed(new Uint8Array(Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex')))
const mallory = generateSigner().signer
const aliceKey = verifyKeyFromPeerId(alice.peerId)
const malloryKey = verifyKeyFromPublicKey(mallory.publicKey)

/** Encode a JS value as envelope bytes, bypassing encodeEnvelope. */
const json = (value: unknown): Uint8Array => utf8(JSON.stringify(value))
const validDoc = (): { payloadType: string, payload: string, signatures: Array<{ keyid: string, sig: string }> } =>
  JSON.parse(Buffer.from(encodeEnvelope(signEnvelope(TYPE, PAYLOAD, alice))).toString())

function expectCode (fn: () => unknown, code: string, message?: RegExp): ProtocolError {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(ProtocolError)
  const err = caught as ProtocolError
  expect(err.code).toBe(code)
  if (message !== undefined) expect(err.message).toMatch(message)
  return err
}

const verifiers = { openssl: opensslVerify, noble: nobleVerify }

describe('signEnvelope / verifyEnvelope', () => {
  it("signs with the signer's peer ID as keyid and verifies under its key", () => {
    const env = signEnvelope(TYPE, PAYLOAD, alice)
    expect(env.signatures).toHaveLength(1)
    expect(env.signatures[0].keyid).toBe(alice.peerId)
    expect(env.signatures[0].sig).toHaveLength(64)
    expect(verifyEnvelope(env, aliceKey)).toBe(true)
    expect(verifyEnvelope(env, malloryKey)).toBe(false)
  })

  it('signs over PAE: the signature verifies raw against pae(type, payload)', () => {
    const env = signEnvelope(TYPE, PAYLOAD, alice)
    expect(opensslVerify(aliceKey, pae(TYPE, PAYLOAD), env.signatures[0].sig)).toBe(true)
    expect(opensslVerify(aliceKey, PAYLOAD, env.signatures[0].sig)).toBe(false)
  })

  it('round-trips through encode and decode, still verifying', () => {
    const env = signEnvelope(TYPE, PAYLOAD, [alice, mallory])
    const back = decodeEnvelope(encodeEnvelope(env))
    expect(back).toEqual(env)
    expect(verifyEnvelope(back, aliceKey)).toBe(true)
    expect(verifyEnvelope(back, malloryKey)).toBe(true)
  })

  for (const [name, verifier] of Object.entries(verifiers)) {
    it(`fails on every flipped bit of payload, payloadType and signature (${name})`, () => {
      const env = signEnvelope('t/x', utf8('tiny payload'), alice)
      expect(verifyEnvelopeWith(env, aliceKey, verifier)).toBe(true)
      const flips = (bytes: Uint8Array): Uint8Array[] =>
        Array.from({ length: bytes.length * 8 }, (_, bit) => {
          const copy = new Uint8Array(bytes)
          copy[bit >> 3] ^= 1 << (bit & 7)
          return copy
        })
      for (const payload of flips(env.payload)) {
        expect(verifyEnvelopeWith({ ...env, payload }, aliceKey, verifier)).toBe(false)
      }
      for (const typeBytes of flips(utf8(env.payloadType))) {
        const payloadType = Buffer.from(typeBytes).toString('latin1')
        expect(verifyEnvelopeWith({ ...env, payloadType }, aliceKey, verifier)).toBe(false)
      }
      for (const sig of flips(env.signatures[0].sig)) {
        expect(verifyEnvelopeWith({ ...env, signatures: [{ keyid: alice.peerId, sig }] }, aliceKey, verifier)).toBe(false)
      }
    })
  }

  it('does not trust keyid: a correct signature under a wrong keyid verifies under the right key', () => {
    const env = signEnvelope(TYPE, PAYLOAD, alice)
    const relabelled: Envelope = { ...env, signatures: [{ keyid: mallory.peerId, sig: env.signatures[0].sig }] }
    expect(verifyEnvelope(relabelled, aliceKey)).toBe(true)
    expect(verifyEnvelope({ ...env, signatures: [{ keyid: '', sig: env.signatures[0].sig }] }, aliceKey)).toBe(true)
  })

  it("does not trust keyid: another key's signature labelled with the expected keyid fails", () => {
    const forged = signEnvelope(TYPE, PAYLOAD, mallory)
    forged.signatures[0].keyid = alice.peerId
    expect(verifyEnvelope(forged, aliceKey)).toBe(false)
  })

  it('accepts if any one signature verifies, whatever the others hold', () => {
    const good = signEnvelope(TYPE, PAYLOAD, alice).signatures[0]
    const junk = [{ keyid: alice.peerId, sig: new Uint8Array(64) }, { keyid: alice.peerId, sig: new Uint8Array(3) }]
    expect(verifyEnvelope({ payloadType: TYPE, payload: PAYLOAD, signatures: [...junk, good] }, aliceKey)).toBe(true)
    expect(verifyEnvelope({ payloadType: TYPE, payload: PAYLOAD, signatures: junk }, aliceKey)).toBe(false)
  })

  it('fails an envelope with no signatures', () => {
    expect(verifyEnvelope({ payloadType: TYPE, payload: PAYLOAD, signatures: [] }, aliceKey)).toBe(false)
  })

  it('verifyEnvelopeDigest returns the verdict and the PAE digest together', () => {
    const env = signEnvelope(TYPE, PAYLOAD, alice)
    const digest = paeDigest(pae(TYPE, PAYLOAD))
    expect(verifyEnvelopeDigest(env, aliceKey)).toEqual({ ok: true, digest })
    expect(verifyEnvelopeDigest(env, malloryKey)).toEqual({ ok: false, digest })
    expect(verifyEnvelopeDigest(env, aliceKey, nobleVerify)).toEqual({ ok: true, digest })
    expect(envelopeDigest(env)).toBe(digest)
    expect(digest).toMatch(/^[0-9a-f]{64}$/)
  })

  it('gives one digest for the same statement under different signatures', () => {
    const a = signEnvelope(TYPE, PAYLOAD, alice)
    const b = signEnvelope(TYPE, PAYLOAD, [mallory, alice])
    expect(envelopeDigest(a)).toBe(envelopeDigest(b))
    expect(envelopeDigest(signEnvelope(PAYLOAD_TYPES.receipt, PAYLOAD, alice))).not.toBe(envelopeDigest(a))
  })

  it('throws TypeError for caller bugs: bad payloadType, no signers, too many signers', () => {
    expect(() => signEnvelope('', PAYLOAD, alice)).toThrow(TypeError)
    expect(() => signEnvelope('x'.repeat(257), PAYLOAD, alice)).toThrow(TypeError)
    expect(() => signEnvelope(TYPE, PAYLOAD, [])).toThrow(TypeError)
    expect(() => signEnvelope(TYPE, PAYLOAD, Array(MAX_SIGNATURES + 1).fill(alice))).toThrow(TypeError)
  })
})

describe('encodeEnvelope', () => {
  it('emits compact JSON with DSSE key order and standard padded base64', () => {
    const env: Envelope = {
      payloadType: 'a"b',
      payload: Uint8Array.of(0xfb, 0xff),
      signatures: [{ keyid: 'k', sig: Uint8Array.of(0xff, 0xfe, 0xfd, 0xfc) }]
    }
    expect(Buffer.from(encodeEnvelope(env)).toString()).toBe(
      '{"payloadType":"a\\"b","payload":"+/8=","signatures":[{"keyid":"k","sig":"//79/A=="}]}'
    )
  })

  it('returns a plain Uint8Array', () => {
    expect(Object.getPrototypeOf(encodeEnvelope(signEnvelope(TYPE, PAYLOAD, alice)))).toBe(Uint8Array.prototype)
  })
})

describe('decodeEnvelope', () => {
  it('accepts URL-safe and unpadded base64 in payload and sig', () => {
    const doc = validDoc()
    const urlSafe = (s: string): string => s.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
    const payload = Uint8Array.of(0xfb, 0xff, 0xbf, 0xfe)
    const env = signEnvelope(TYPE, payload, alice)
    doc.payload = urlSafe(Buffer.from(payload).toString('base64'))
    doc.signatures[0].sig = urlSafe(Buffer.from(env.signatures[0].sig).toString('base64'))
    expect(doc.payload).toMatch(/[-_]/)
    const back = decodeEnvelope(json(doc))
    expect(back.payload).toEqual(payload)
    expect(verifyEnvelope(back, aliceKey)).toBe(true)
    expect(Buffer.from(encodeEnvelope(back)).toString()).toContain(`"payload":"${Buffer.from(payload).toString('base64')}"`)
  })

  it('accepts an empty signatures array (verification then fails)', () => {
    const env = decodeEnvelope(json({ payloadType: TYPE, payload: '', signatures: [] }))
    expect(env.signatures).toEqual([])
    expect(env.payload).toEqual(new Uint8Array(0))
    expect(verifyEnvelope(env, aliceKey)).toBe(false)
  })

  it('accepts insignificant JSON whitespace and any key order', () => {
    const doc = validDoc()
    const text = `{ "signatures" : [ { "sig" : "${doc.signatures[0].sig}", "keyid" : "" } ],\n "payload":"${doc.payload}", "payloadType":"${doc.payloadType}" }`
    expect(verifyEnvelope(decodeEnvelope(utf8(text)), aliceKey)).toBe(true)
  })

  it('rejects oversize input with TOO_LARGE before parsing', () => {
    const bytes = encodeEnvelope(signEnvelope(TYPE, PAYLOAD, alice))
    expect(decodeEnvelope(bytes, bytes.length).payload).toEqual(PAYLOAD)
    expectCode(() => decodeEnvelope(bytes, bytes.length - 1), 'TOO_LARGE')
    expectCode(() => decodeEnvelope(new Uint8Array(5 * 1024 * 1024).fill(0x7b)), 'TOO_LARGE')
  })

  it('rejects invalid UTF-8 with BAD_ENVELOPE', () => {
    const bytes = utf8(`{"payloadType":"t\u00e9","payload":"","signatures":[]}`)
    const i = bytes.indexOf(0xc3)
    const broken = Uint8Array.from(bytes, (b, j) => j === i + 1 ? 0x28 : b)
    expectCode(() => decodeEnvelope(broken), 'BAD_ENVELOPE', /UTF-8/)
    expectCode(() => decodeEnvelope(Uint8Array.of(0xef, 0xbb, 0xbf, ...json({ payloadType: 't', payload: '', signatures: [] }))), 'BAD_ENVELOPE')
  })

  it('rejects non-JSON and strict-JSON violations with BAD_ENVELOPE, keeping the parser error as cause', () => {
    const doc = validDoc()
    const cases = [
      '',
      'null',
      '[]',
      '"x"',
      '42',
      'not json',
      '{',
      `${JSON.stringify(doc)} x`,
      `{"payloadType":"${TYPE}","payloadType":"${TYPE}","payload":"","signatures":[]}`,
      `{"payloadType":"t","payload":"","signatures":[],"signatures":[]}`,
      `{"payloadType":"t","payload":"","signatures":[{"keyid":"a","keyid":"b","sig":""}]}`,
      `{"payloadType":"t","payload":"","signatures":[{"keyid":"a","sig":"","x":[[1]]}]}`,
      `{"payloadType":"\\ud800","payload":"","signatures":[]}`,
      `{"payloadType":"t","payload":"","signatures":[],"n":9007199254740993}`
    ]
    for (const text of cases) {
      const err = expectCode(() => decodeEnvelope(utf8(text)), 'BAD_ENVELOPE')
      if (text.includes('"keyid":"a","keyid"') || text.includes('"payloadType":"t","payloadType"')) {
        expect(err.cause).toBeInstanceOf(ProtocolError)
      }
    }
    const dup = expectCode(() => decodeEnvelope(utf8(`{"payloadType":"t","payloadType":"t","payload":"","signatures":[]}`)), 'BAD_ENVELOPE')
    expect((dup.cause as ProtocolError).code).toBe('SCHEMA_INVALID')
    expect(dup.message).toMatch(/duplicate key/)
  })

  const ok = { payloadType: TYPE, payload: 'aGk=', signatures: [{ keyid: 'k', sig: 'AAAA' }] }
  const variants: Array<[string, unknown, RegExp]> = [
    ['an unknown top-level key', { ...ok, extra: 1 }, /unknown key "extra"/],
    ['an unknown __proto__ key', JSON.parse(`{"payloadType":"t","payload":"","signatures":[],"__proto__":{}}`), /unknown key "__proto__"/],
    ['an unknown signature key', { ...ok, signatures: [{ keyid: 'k', sig: 'AAAA', extra: true }] }, /signatures\[0\] has unknown key "extra"/],
    ['a missing payloadType', { payload: ok.payload, signatures: ok.signatures }, /has no payloadType/],
    ['a missing payload', { payloadType: TYPE, signatures: ok.signatures }, /has no payload/],
    ['missing signatures', { payloadType: TYPE, payload: ok.payload }, /has no signatures/],
    ['a signature without keyid', { ...ok, signatures: [{ sig: 'AAAA' }] }, /signatures\[0\] has no keyid/],
    ['a signature without sig', { ...ok, signatures: [{ keyid: 'k' }] }, /signatures\[0\] has no sig/],
    ['a non-string payloadType', { ...ok, payloadType: 1 }, /payloadType is not a string/],
    ['an empty payloadType', { ...ok, payloadType: '' }, /payloadType must be/],
    ['an overlong payloadType', { ...ok, payloadType: 'x'.repeat(257) }, /payloadType must be/],
    ['a non-string payload', { ...ok, payload: [1] }, /payload is not a string/],
    ['a null payload', { ...ok, payload: null }, /payload is not a string/],
    ['signatures as an object', { ...ok, signatures: { keyid: 'k', sig: 'AAAA' } }, /signatures is not an array/],
    ['a signature that is a string', { ...ok, signatures: ['AAAA'] }, /signatures\[0\] is not a JSON object/],
    ['a signature that is an array', { ...ok, signatures: [['k', 'AAAA']] }, /signatures\[0\] is not a JSON object/],
    ['a non-string keyid', { ...ok, signatures: [{ keyid: 7, sig: 'AAAA' }] }, /signatures\[0\]\.keyid is not a string/],
    ['an overlong keyid', { ...ok, signatures: [{ keyid: 'k'.repeat(129), sig: 'AAAA' }] }, /keyid is longer than 128/],
    ['a non-string sig', { ...ok, signatures: [{ keyid: 'k', sig: null }] }, /signatures\[0\]\.sig is not a string/],
    ['an oversize sig', { ...ok, signatures: [{ keyid: 'k', sig: Buffer.alloc(129).toString('base64') }] }, /sig is longer than 128 bytes/],
    ['too many signatures', { ...ok, signatures: Array(MAX_SIGNATURES + 1).fill(ok.signatures[0]) }, /more than 4/],
    ['a top-level array', [1], /envelope is not a JSON object/]
  ]
  for (const [what, doc, message] of variants) {
    it(`rejects ${what} with BAD_ENVELOPE`, () => {
      expectCode(() => decodeEnvelope(json(doc)), 'BAD_ENVELOPE', message)
    })
  }

  it('accepts limits exactly: 256-char payloadType, 128-char keyid, 128-byte sig, MAX_SIGNATURES signatures', () => {
    const sig = { keyid: 'k'.repeat(128), sig: Buffer.alloc(128).toString('base64') }
    const env = decodeEnvelope(json({ payloadType: 'x'.repeat(256), payload: '', signatures: Array(MAX_SIGNATURES).fill(sig) }))
    expect(env.signatures).toHaveLength(MAX_SIGNATURES)
  })

  const badBase64: Array<[string, string]> = [
    ['whitespace', 'aG k='],
    ['a newline', 'aGk=\n'],
    ['an invalid character', 'aG*='],
    ['mixed alphabets', 'a+_A'],
    ['wrong padding', 'aGk=='],
    ['a stray pad', 'a=Gk'],
    ['an impossible length', 'aGkhY'],
    ['non-canonical trailing bits', 'aGl=']
  ]
  for (const [what, text] of badBase64) {
    it(`rejects a payload with ${what} in its base64 with BAD_ENVELOPE`, () => {
      expectCode(() => decodeEnvelope(json({ ...ok, payload: text })), 'BAD_ENVELOPE', /payload is not base64/)
    })
    it(`rejects a sig with ${what} in its base64 with BAD_ENVELOPE`, () => {
      expectCode(
        () => decodeEnvelope(json({ ...ok, signatures: [ok.signatures[0], { keyid: 'k', sig: text }] })),
        'BAD_ENVELOPE',
        /signatures\[1\]\.sig is not base64/
      )
    })
  }

  it('throws TypeError when not given bytes', () => {
    expect(() => decodeEnvelope('{}' as unknown as Uint8Array)).toThrow(TypeError)
  })
})

describe('performance', () => {
  it('envelope verification costs little more than raw node:crypto verification of the PAE', () => {
    const payload = new Uint8Array(1024).fill(0x61)
    const env = signEnvelope(TYPE, payload, alice)
    const bytes = pae(TYPE, payload)
    const sig = env.signatures[0].sig
    const time = (fn: () => void, n: number): number => {
      const start = performance.now()
      for (let i = 0; i < n; i++) fn()
      return performance.now() - start
    }
    // Interleaved slices, best of each: other processes' load inflates some slices, not the minimum.
    let raw = Infinity
    let wrapped = Infinity
    for (let round = 0; round < 15; round++) {
      raw = Math.min(raw, time(() => opensslVerify(aliceKey, bytes, sig), 100))
      wrapped = Math.min(wrapped, time(() => verifyEnvelope(env, aliceKey), 100))
    }
    // The target is ≥ 0.9× (scripts/bench-crypto.ts measures it); a shared CI box gets slack.
    expect(raw / wrapped).toBeGreaterThan(0.8)
  })
})
