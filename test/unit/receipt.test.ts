import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { REASON_CODES } from '../../protocol/errors.ts'
import type { ReasonCode } from '../../protocol/errors.ts'
import { MAX_SMALL_PAYLOAD_BYTES } from '../../protocol/limits.ts'
import { encodeReceipt, parseReceipt, validateReceipt } from '../../protocol/receipt.ts'
import { formatRfc3339Millis } from '../../protocol/time.ts'
import type { ReceiptV1 } from '../../protocol/types.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import { rejects } from '../helpers/expect-code.ts'

const peer = (key: Uint8Array): string => peerIdFromPublicKey(publicKeyFromRaw(key)).toString()
const BOB = peer(new Uint8Array(32).fill(2))
const DIGEST = 'a'.repeat(32) + '0123456789abcdef'.repeat(2)
const MSG_ID = '01890a5d-ac96-774b-bcce-b302099a8057'
const AT = '2026-01-02T03:04:05.678Z'

const accepted = (): ReceiptV1 => ({ v: 1, for: DIGEST, messageId: MSG_ID, by: BOB, at: AT, status: 'accepted' })
const rejected = (): ReceiptV1 => ({ v: 1, for: DIGEST, messageId: null, by: BOB, at: AT, status: 'rejected', reason: 'BAD_SIGNATURE' })
const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))

function rejectsPatch (base: ReceiptV1, patch: Record<string, unknown>, message: RegExp | string): void {
  const value: Record<string, unknown> = { ...base, ...patch }
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete value[k]
  rejects(() => parseReceipt(json(value)), 'SCHEMA_INVALID', message)
  rejects(() => validateReceipt(value), 'SCHEMA_INVALID', message)
}

describe('encodeReceipt', () => {
  it('emits compact JSON with keys in the fixed order', () => {
    const reversed = Object.fromEntries(Object.entries(rejected()).reverse()) as unknown as ReceiptV1
    expect(new TextDecoder().decode(encodeReceipt(reversed))).toBe(
      `{"v":1,"for":"${DIGEST}","messageId":null,"by":"${BOB}","at":"${AT}","status":"rejected","reason":"BAD_SIGNATURE"}`
    )
    expect(new TextDecoder().decode(encodeReceipt({ ...accepted(), reason: undefined }))).toBe(
      `{"v":1,"for":"${DIGEST}","messageId":"${MSG_ID}","by":"${BOB}","at":"${AT}","status":"accepted"}`
    )
  })

  it('rejects an invalid receipt with SCHEMA_INVALID', () => {
    rejects(() => encodeReceipt({ ...accepted(), reason: 'REPLAY' }), 'SCHEMA_INVALID', 'reason must be absent')
  })
})

describe('parseReceipt', () => {
  it('reads back accepted and rejected receipts', () => {
    expect(parseReceipt(encodeReceipt(accepted()))).toStrictEqual(accepted())
    expect(parseReceipt(encodeReceipt(rejected()))).toStrictEqual(rejected())
  })

  it('accepts every reason code on a rejection', () => {
    for (const reason of Object.keys(REASON_CODES)) expect(parseReceipt(json({ ...rejected(), reason })).reason).toBe(reason)
  })

  it('requires a reason when rejected and forbids one when accepted', () => {
    rejectsPatch(rejected(), { reason: undefined }, 'reason is required when status is rejected')
    rejectsPatch(accepted(), { reason: 'REPLAY' }, 'reason must be absent when status is accepted')
    rejectsPatch(accepted(), { reason: null }, 'reason must be absent when status is accepted')
    for (const reason of ['replay', 'NOPE!', '', null, 1, 'A'.repeat(65)]) rejectsPatch(rejected(), { reason }, 'reason is not a reason code')
    // A well-formed code this version does not know is accepted (a final rejection to the sender).
    expect(parseReceipt(encodeReceipt({ ...rejected(), reason: 'SOME_FUTURE_CODE' } as never)).reason).toBe('SOME_FUTURE_CODE')
    rejects(() => parseReceipt(json({ ...rejected(), reason: 'toString' })), 'SCHEMA_INVALID')
  })

  it('checks each field, naming it', () => {
    rejectsPatch(accepted(), { v: 2 }, 'v must be the integer 1')
    for (const digest of [DIGEST.toUpperCase(), DIGEST.slice(1), DIGEST + '0', 'g'.repeat(64), 1]) {
      rejectsPatch(accepted(), { for: digest }, 'for is not 64 lowercase hex digits')
    }
    for (const messageId of ['x', MSG_ID.toUpperCase(), 0]) rejectsPatch(accepted(), { messageId }, 'messageId is neither a UUIDv7 nor null')
    rejectsPatch(accepted(), { by: 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N' }, 'by is not a peer ID')
    rejectsPatch(accepted(), { at: '2026-01-02T03:04:05Z' }, /^at is not an RFC 3339/)
    for (const status of ['ok', 'ACCEPTED', null]) rejectsPatch(accepted(), { status }, 'status must be accepted or rejected')
    rejectsPatch(accepted(), { extra: true }, 'unknown field "extra"')
    for (const field of ['v', 'for', 'messageId', 'by', 'at', 'status']) rejectsPatch(accepted(), { [field]: undefined }, `${field} is missing`)
  })

  it('rejects v written as 1.0 and duplicate keys', () => {
    const text = JSON.stringify(accepted())
    rejects(() => parseReceipt(new TextEncoder().encode(text.replace('"v":1', '"v":1.0'))), 'SCHEMA_INVALID', /integer literal/)
    rejects(() => parseReceipt(new TextEncoder().encode(text.replace('"status"', '"status":"rejected","status"'))), 'SCHEMA_INVALID', /duplicate key/)
  })

  it('rejects payloads over MAX_SMALL_PAYLOAD_BYTES with TOO_LARGE before decoding', () => {
    rejects(() => parseReceipt(new Uint8Array(MAX_SMALL_PAYLOAD_BYTES + 1).fill(0x20)), 'TOO_LARGE')
    const ok = json(accepted())
    rejects(() => parseReceipt(ok, { maxBytes: ok.length - 1 }), 'TOO_LARGE')
  })

  it('rejects non-objects and invalid UTF-8 with SCHEMA_INVALID', () => {
    for (const text of ['[]', 'null', '"accepted"']) rejects(() => parseReceipt(new TextEncoder().encode(text)), 'SCHEMA_INVALID')
    rejects(() => parseReceipt(Uint8Array.of(0xc3, 0x28)), 'SCHEMA_INVALID', /UTF-8/)
  })
})

describe('receipt round trip', () => {
  const reasons = Object.keys(REASON_CODES) as ReasonCode[]
  const receipt: fc.Arbitrary<ReceiptV1> = fc.record({
    for: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(b => Buffer.from(b).toString('hex')),
    messageId: fc.option(
      fc.tuple(fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.uint8Array({ minLength: 10, maxLength: 10 }))
        .map(([ms, r]) => uuidV7(ms, r)),
      { nil: null }
    ),
    by: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(peer),
    at: fc.integer({ min: -62167219200000, max: 253402300799999 }).map(formatRfc3339Millis),
    reason: fc.option(fc.constantFrom(...reasons), { nil: undefined })
  }).map(({ reason, ...rest }): ReceiptV1 =>
    reason === undefined
      ? { v: 1, ...rest, status: 'accepted' }
      : { v: 1, ...rest, status: 'rejected', reason }
  )

  it('encode then parse returns the same receipt', () => {
    fc.assert(
      fc.property(receipt, r => {
        const encoded = encodeReceipt(r)
        expect(parseReceipt(encoded)).toStrictEqual(r)
        expect(encodeReceipt(parseReceipt(encoded))).toStrictEqual(encoded)
      }),
      { numRuns: 150 }
    )
  })
})
