import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { envelopeDigest, paeDigest, sha256Hex } from '../../protocol/digest.ts'
import { pae } from '../../protocol/pae.ts'

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8')
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8')

describe('PAE', () => {
  it('matches the DSSE protocol.md known answer', () => {
    expect(text(pae('http://example.com/HelloWorld', utf8('hello world'))))
      .toBe('DSSEv1 29 http://example.com/HelloWorld 11 hello world')
  })

  it('encodes empty type and body as zero lengths', () => {
    expect(text(pae('', new Uint8Array(0)))).toBe('DSSEv1 0  0 ')
  })

  it('counts the type in UTF-8 bytes, not characters', () => {
    // t 1 + ÿ 2 + p 1 + e 1 + → 3 + 😀 4 = 12 bytes, 7 UTF-16 units
    expect(text(pae('tÿpe→😀', utf8('x')))).toBe('DSSEv1 12 tÿpe→😀 1 x')
  })

  it('writes lengths in decimal without leading zeros and copies the body verbatim', () => {
    fc.assert(fc.property(fc.string(), fc.uint8Array({ maxLength: 2000 }), (type, body) => {
      const t = Buffer.from(type, 'utf8')
      const expected = Buffer.concat([
        Buffer.from(`DSSEv1 ${t.length} `),
        t,
        Buffer.from(` ${body.length} `),
        body
      ])
      expect(Buffer.from(pae(type, body)).equals(expected)).toBe(true)
    }))
  })

  it('uses only the bytes of a subarray view', () => {
    const backing = utf8('xxhelloyy')
    expect(text(pae('t', backing.subarray(2, 7)))).toBe('DSSEv1 1 t 5 hello')
  })

  it('throws TypeError for a non-string type or non-bytes body', () => {
    expect(() => pae(1 as unknown as string, new Uint8Array())).toThrow(TypeError)
    expect(() => pae('t', 'body' as unknown as Uint8Array)).toThrow(TypeError)
  })
})

describe('digests', () => {
  it('sha256Hex is lowercase hex SHA-256', () => {
    expect(sha256Hex(utf8('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('envelopeDigest is SHA-256 of the PAE bytes and ignores signatures', () => {
    const payload = utf8('hello world')
    const type = 'http://example.com/HelloWorld'
    const expected = sha256Hex(utf8('DSSEv1 29 http://example.com/HelloWorld 11 hello world'))
    expect(paeDigest(pae(type, payload))).toBe(expected)
    expect(envelopeDigest({ payloadType: type, payload, signatures: [] })).toBe(expected)
    expect(envelopeDigest({ payloadType: type, payload, signatures: [{ keyid: 'k', sig: new Uint8Array(64) }] })).toBe(expected)
  })
})
