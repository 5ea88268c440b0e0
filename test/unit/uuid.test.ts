import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isUuidV7, uuidV7, uuidV7Timestamp } from '../../protocol/uuid.ts'

// RFC 9562 Appendix A.6: UUIDv7 for 2022-02-22 14:22:22.000 -05:00 (0x017F22E279B0 ms),
// rand_a 0xCC3, rand_b 0x18C4DC0C0C07398F.
const RFC_UUID = '017f22e2-79b0-7cc3-98c4-dc0c0c07398f'
const RFC_MS = 0x017f22e279b0
const RFC_RANDOM = Uint8Array.of(0x0c, 0xc3, 0x18, 0xc4, 0xdc, 0x0c, 0x0c, 0x07, 0x39, 0x8f)

describe('uuidV7', () => {
  it('reproduces the RFC 9562 example', () => {
    expect(RFC_MS).toBe(Date.parse('2022-02-22T19:22:22.000Z'))
    expect(uuidV7(RFC_MS, RFC_RANDOM)).toBe(RFC_UUID)
  })

  it('forces the version and variant bits whatever the random bytes', () => {
    expect(uuidV7(0, new Uint8Array(10))).toBe('00000000-0000-7000-8000-000000000000')
    expect(uuidV7(2 ** 48 - 1, new Uint8Array(10).fill(0xff))).toBe('ffffffff-ffff-7fff-bfff-ffffffffffff')
  })

  it('throws TypeError for a bad time or random buffer', () => {
    for (const t of [-1, 2 ** 48, 1.5, NaN]) expect(() => uuidV7(t, new Uint8Array(10))).toThrow(TypeError)
    for (const r of [new Uint8Array(9), new Uint8Array(11), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]) {
      expect(() => uuidV7(0, r as Uint8Array)).toThrow(TypeError)
    }
  })

  it('yields valid UUIDv7s whose timestamp reads back', () => {
    const args = fc.tuple(fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.uint8Array({ minLength: 10, maxLength: 10 }))
    fc.assert(
      fc.property(args, ([ms, random]) => {
        const id = uuidV7(ms, random)
        expect(isUuidV7(id)).toBe(true)
        expect(uuidV7Timestamp(id)).toBe(ms)
      }),
      { numRuns: 300 }
    )
  })

  it('sorts by creation time as text', () => {
    const args = fc.tuple(
      fc.integer({ min: 0, max: 2 ** 48 - 2 }),
      fc.integer({ min: 1, max: 2 ** 40 }),
      fc.uint8Array({ minLength: 10, maxLength: 10 }),
      fc.uint8Array({ minLength: 10, maxLength: 10 })
    )
    fc.assert(
      fc.property(args, ([ms, delta, r1, r2]) => {
        fc.pre(ms + delta < 2 ** 48)
        expect(uuidV7(ms, r1) < uuidV7(ms + delta, r2)).toBe(true)
      }),
      { numRuns: 200 }
    )
  })
})

describe('isUuidV7', () => {
  it('accepts only lowercase canonical version-7 variant-10 UUIDs', () => {
    expect(isUuidV7(RFC_UUID)).toBe(true)
    const bad: unknown[] = [
      RFC_UUID.toUpperCase(), // not lowercase
      '017f22e2-79b0-4cc3-98c4-dc0c0c07398f', // version 4
      '017f22e2-79b0-7cc3-c8c4-dc0c0c07398f', // variant 110
      '017f22e2-79b0-7cc3-78c4-dc0c0c07398f', // variant 0
      `{${RFC_UUID}}`,
      RFC_UUID.replaceAll('-', ''),
      `${RFC_UUID} `,
      RFC_UUID.slice(1),
      '017f22e279b0-7cc3-98c4-dc0c0c07398f-',
      'urn:uuid:' + RFC_UUID,
      '',
      null,
      42,
      undefined
    ]
    for (const value of bad) expect(isUuidV7(value)).toBe(false)
  })
})

describe('uuidV7Timestamp', () => {
  it('reads the 48-bit millisecond timestamp', () => {
    expect(uuidV7Timestamp(RFC_UUID)).toBe(RFC_MS)
  })

  it('throws TypeError for a string that is not a UUIDv7', () => {
    expect(() => uuidV7Timestamp('017f22e2-79b0-4cc3-98c4-dc0c0c07398f')).toThrow(TypeError)
  })
})
