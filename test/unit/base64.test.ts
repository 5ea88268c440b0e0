import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeBase64, isBase64, tryDecodeBase64 } from '../../protocol/base64.ts'

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b)
const toUrl = (s: string): string => s.replaceAll('+', '-').replaceAll('/', '_')

describe('base64', () => {
  it('decodes RFC 4648 section 10 vectors, padded and unpadded', () => {
    const vectors: Array<[string, string]> = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy']
    ]
    for (const [plain, encoded] of vectors) {
      expect(Buffer.from(tryDecodeBase64(encoded)!).toString()).toBe(plain)
      expect(Buffer.from(tryDecodeBase64(encoded.replace(/=+$/, ''))!).toString()).toBe(plain)
      expect(encodeBase64(Buffer.from(plain))).toBe(encoded)
    }
  })

  it('accepts the URL-safe alphabet and the standard one', () => {
    expect(tryDecodeBase64('-_-_')).toEqual(bytes(0xfb, 0xff, 0xbf))
    expect(tryDecodeBase64('+/+/')).toEqual(bytes(0xfb, 0xff, 0xbf))
    expect(tryDecodeBase64('-w')).toEqual(bytes(0xfb))
    expect(tryDecodeBase64('-w==')).toEqual(bytes(0xfb))
  })

  it('always emits the standard alphabet with padding', () => {
    expect(encodeBase64(bytes(0xfb, 0xff, 0xbf))).toBe('+/+/')
    expect(encodeBase64(bytes(0xfb))).toBe('+w==')
    expect(encodeBase64(bytes(0xfb, 0xf0))).toBe('+/A=')
  })

  it('encodes only the bytes of a subarray view', () => {
    const buf = bytes(1, 2, 3, 4, 5, 6)
    expect(encodeBase64(buf.subarray(2, 4))).toBe(Buffer.of(3, 4).toString('base64'))
  })

  const rejected: Array<[string, string]> = [
    ['whitespace', 'Zm9v YmFy'],
    ['a trailing newline', 'Zm9vYmFy\n'],
    ['a leading space', ' Zm9v'],
    ['a tab', 'Zm9v\tYmFy'],
    ['an invalid character', 'Zm9v*mFy'],
    ['a non-ASCII character', 'Zm9vYmFé'],
    ['a dot', 'Zm9v.mFy'],
    ['mixed alphabets', '+_+_'],
    ['mixed alphabets far apart', '-' + 'A'.repeat(100) + '/A'],
    ['an impossible length (4n+1)', 'Zm9vY'],
    ['a single character', 'Z'],
    ['padding alone', '=='],
    ['a lone pad', '='],
    ['too much padding', 'Zg==='],
    ['padding making a wrong length', 'Zg='],
    ['padding where none belongs', 'Zm9v='],
    ['padding after a full quantum', 'Zm9v===='],
    ['padding in the middle', 'Zg==Zm9v'],
    ['one pad where two belong', 'Zm8=='],
    ['non-zero trailing bits (one byte)', 'Zh=='],
    ['non-zero trailing bits (one byte, unpadded)', 'Zh'],
    ['non-zero trailing bits (two bytes)', 'Zm9='],
    ['non-zero trailing bits (two bytes, unpadded)', 'Zm9']
  ]
  for (const [what, text] of rejected) {
    it(`rejects ${what}`, () => {
      expect(isBase64(text)).toBe(false)
      expect(tryDecodeBase64(text)).toBeUndefined()
    })
  }

  it('round-trips any bytes in either alphabet, padded or not', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), data => {
      const std = encodeBase64(data)
      for (const text of [std, std.replace(/=+$/, ''), toUrl(std), toUrl(std).replace(/=+$/, '')]) {
        expect(tryDecodeBase64(text)).toEqual(data)
      }
    }))
  })

  it('accepts one spelling per byte string: unused trailing bits must be zero', () => {
    const chars = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/']
    const oneByte = chars.filter(c => isBase64(`A${c}==`))
    const twoBytes = chars.filter(c => isBase64(`AA${c}=`))
    expect(oneByte).toEqual(['A', 'Q', 'g', 'w'])
    expect(twoBytes).toHaveLength(16)
    for (const c of oneByte) expect(encodeBase64(tryDecodeBase64(`A${c}==`)!)).toBe(`A${c}==`)
    for (const c of twoBytes) expect(encodeBase64(tryDecodeBase64(`AA${c}=`)!)).toBe(`AA${c}=`)
  })

  it('decodes a 1.4 KB string thousands of times per second', () => {
    const text = randomBytes(1050).toString('base64')
    const start = performance.now()
    for (let i = 0; i < 5000; i++) tryDecodeBase64(text)
    const perSecond = 5000 / ((performance.now() - start) / 1000)
    expect(perSecond).toBeGreaterThan(20_000)
  })
})
