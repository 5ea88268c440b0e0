import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { decodeEnvelope, encodeEnvelope, envelopeDigest, signEnvelope, verifyEnvelope } from '../../protocol/envelope.ts'
import { signerFromSeed, verifyKeyFromPeerId } from '../../protocol/keys.ts'
import { encodeMessage } from '../../protocol/message.ts'
import { PAYLOAD_TYPES } from '../../protocol/types.ts'
import type { MessageV1 } from '../../protocol/types.ts'
import { checkStoredEnvelope, checkStoredEnvelopes } from '../../node/audit/verify/envelope-check.ts'
import { messagePrefix } from '../../node/audit/verify/index-tuple.ts'
import { signReceipt } from '../../node/exchange/index.ts'

const alice = signerFromSeed(new Uint8Array(32).fill(3))
const bob = signerFromSeed(new Uint8Array(32).fill(4))
const msg: MessageV1 = {
  v: 1,
  id: '01a221a0-f770-7abc-9c9b-5cb5337b45bf',
  kind: 'report',
  from: alice.peerId,
  to: [bob.peerId],
  created: '2026-03-01T00:00:00.000Z',
  expires: '2026-04-01T00:00:00.000Z',
  tlp: 'AMBER',
  handling: [],
  topic: 't',
  legalBasis: 'L',
  body: { text: 'hello' }
}
const env = signEnvelope(PAYLOAD_TYPES.message, encodeMessage(msg), alice)
const bytes = encodeEnvelope(env)
const digest = Buffer.from(envelopeDigest(env), 'hex')
const utf8 = new TextEncoder()
const text = new TextDecoder().decode(bytes)
const expect0 = { kind: 'message' as const, digest, prefix: utf8.encode(messagePrefix(msg)) }
const key = verifyKeyFromPeerId(alice.peerId)

/** What the strict path says: decodes, signed by alice, and the right digest. */
function strictVerdict (b: Uint8Array): boolean {
  try {
    const e = decodeEnvelope(b)
    return verifyEnvelope(e, key) && envelopeDigest(e) === envelopeDigest(env)
  } catch {
    return false
  }
}

describe('checkStoredEnvelope', () => {
  it('accepts an envelope in our encoding and returns SHA-256 of its bytes', () => {
    const result = checkStoredEnvelope(bytes, key, expect0)
    expect(result.ok).toBe(true)
    expect(Buffer.from(result.sha256, 'latin1').toString('hex')).toBe(createHash('sha256').update(bytes).digest('hex'))
  })

  it("gives the strict decoder's verdict for other spellings of the same envelope", () => {
    const payloadB64 = Buffer.from(env.payload).toString('base64')
    const sigB64 = Buffer.from(env.signatures[0].sig).toString('base64')
    const variants: Record<string, string> = {
      spaces: text.replace('{"payloadType"', '{ "payloadType"'),
      urlSafePayload: text.replace(payloadB64, Buffer.from(env.payload).toString('base64url')),
      unpadded: text.replace(sigB64, sigB64.replace(/=+$/, '')),
      trailingBits: text.replace(sigB64, sigB64.slice(0, -3) + String.fromCharCode(sigB64.charCodeAt(sigB64.length - 3) + 1) + '=='),
      foreignChar: text.replace(payloadB64, payloadB64.slice(0, 8) + '*' + payloadB64.slice(9)),
      duplicateKey: text.replace('{"payloadType"', '{"payloadType":"x","payloadType"'),
      unknownKey: text.replace('{"payloadType"', '{"x":1,"payloadType"'),
      keyidChanged: text.replace(alice.peerId, bob.peerId),
      twoSignatures: text.replace(']}', `,{"keyid":"x","sig":"${sigB64}"}]}`)
    }
    for (const [name, variant] of Object.entries(variants)) {
      const b = utf8.encode(variant)
      expect(checkStoredEnvelope(b, key, expect0).ok, name).toBe(strictVerdict(b))
    }
  })

  it('names what is wrong: payload type, digest, signature, index fields', () => {
    expect(checkStoredEnvelope(bytes, key, { ...expect0, kind: 'receipt' })).toMatchObject({ ok: false, problem: expect.stringMatching(/payload type/) })
    expect(checkStoredEnvelope(bytes, key, { ...expect0, digest: new Uint8Array(32) })).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/PAE digest/)
    })
    expect(checkStoredEnvelope(bytes, verifyKeyFromPeerId(bob.peerId), expect0)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/no signature verifies/)
    })
    const wrongIndex = utf8.encode(messagePrefix({ ...msg, tlp: 'CLEAR' }))
    expect(checkStoredEnvelope(bytes, key, { ...expect0, prefix: wrongIndex })).toMatchObject({ ok: false, problem: expect.stringMatching(/index record/) })
  })

  it('checks receipts by their `for` and `by`, and batches keep each verdict with its envelope', () => {
    const receipt = signReceipt(bob, { digest: envelopeDigest(env), messageId: msg.id, status: 'accepted' }, new Date())
    const bobKey = verifyKeyFromPeerId(bob.peerId)
    const results = checkStoredEnvelopes([
      { bytes: receipt, signer: bobKey, expect: { kind: 'receipt', digest } },
      { bytes, signer: key, expect: expect0 },
      { bytes: receipt, signer: bobKey, expect: { kind: 'receipt', digest: new Uint8Array(32) } },
      { bytes: receipt, signer: key, expect: { kind: 'receipt', digest } }
    ])
    expect(results.map(r => r.ok)).toEqual([true, true, false, false])
  })
})
