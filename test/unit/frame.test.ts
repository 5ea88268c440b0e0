import fc from 'fast-check'
import { Uint8ArrayList } from 'uint8arraylist'
import * as varint from 'uint8-varint'
import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../../protocol/errors.ts'
import { EXCHANGE_PROTOCOL, FrameDecoder, encodeFrame } from '../../protocol/frame.ts'
import { MAX_FRAME_BYTES } from '../../protocol/limits.ts'
import { rejects } from '../helpers/expect-code.ts'

const body = (n: number, fill = 0x61): Uint8Array => new Uint8Array(n).fill(fill)

describe('encodeFrame', () => {
  it('names the protocol', () => {
    expect(EXCHANGE_PROTOCOL).toBe('/liaison/exchange/2.0.0')
  })

  it('prefixes the body with its LEB128 length', () => {
    const cases: Array<[number, number[]]> = [
      [1, [0x01]],
      [127, [0x7f]],
      [128, [0x80, 0x01]],
      [300, [0xac, 0x02]],
      [16383, [0xff, 0x7f]],
      [16384, [0x80, 0x80, 0x01]],
      [MAX_FRAME_BYTES, [0x80, 0x80, 0x84, 0x02]]
    ]
    for (const [n, prefix] of cases) {
      const frame = encodeFrame(body(n))
      expect(Array.from(frame.subarray(0, prefix.length))).toEqual(prefix)
      expect(frame.length).toBe(prefix.length + n)
      // Buffer.equals: vitest's deep equality is far too slow on a 4 MiB array.
      expect(Buffer.from(frame.subarray(prefix.length)).equals(body(n))).toBe(true)
    }
  })

  it('agrees with uint8-varint, the codec js-libp2p uses', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70_000 }), n => {
        const frame = encodeFrame(new Uint8Array(n))
        const prefix = varint.encode(n)
        expect(frame.subarray(0, prefix.length)).toEqual(prefix)
        expect(frame.length).toBe(prefix.length + n)
      }),
      { numRuns: 100 }
    )
  })

  it('throws TypeError for an empty body and TOO_LARGE above the limit', () => {
    expect(() => encodeFrame(new Uint8Array(0))).toThrow(TypeError)
    rejects(() => encodeFrame(body(11), 10), 'TOO_LARGE')
  })
})

describe('FrameDecoder', () => {
  it('returns each complete frame in order', () => {
    const decoder = new FrameDecoder()
    const frames = decoder.push(new Uint8Array(Buffer.concat([encodeFrame(body(3, 1)), encodeFrame(body(200, 2)), encodeFrame(body(1, 3))])))
    expect(frames).toEqual([body(3, 1), body(200, 2), body(1, 3)])
    expect(decoder.buffered).toBe(0)
    decoder.end()
  })

  it('returns views of the pushed chunk without copying when a frame lies within it', () => {
    const chunk = Buffer.concat([encodeFrame(body(5)), encodeFrame(body(6))])
    const [a, b] = new FrameDecoder().push(chunk)
    expect(a.buffer).toBe(chunk.buffer)
    expect(b.buffer).toBe(chunk.buffer)
    expect(b.byteOffset).toBe(chunk.byteOffset + 7)
  })

  it('holds partial frames until they complete, prefix split included', () => {
    const frame = encodeFrame(body(300))
    const decoder = new FrameDecoder()
    expect(decoder.push(frame.subarray(0, 1))).toEqual([])
    expect(decoder.buffered).toBe(1)
    expect(decoder.push(frame.subarray(1, 10))).toEqual([])
    expect(decoder.buffered).toBe(8)
    expect(decoder.push(frame.subarray(10))).toEqual([body(300)])
    expect(decoder.buffered).toBe(0)
  })

  it('accepts Uint8ArrayList chunks', () => {
    const frame = encodeFrame(body(10))
    const list = new Uint8ArrayList(frame.subarray(0, 4), frame.subarray(4))
    expect(new FrameDecoder().push(list)).toEqual([body(10)])
  })

  it('rejects a declared length over the limit as soon as the prefix is read', () => {
    const decoder = new FrameDecoder(1000)
    // Only the prefix of a 1001-byte frame: no body bytes have arrived yet.
    rejects(() => decoder.push(Uint8Array.of(0xe9, 0x07)), 'TOO_LARGE', /1001/)
    expect(decoder.buffered).toBe(0)
    expect(new FrameDecoder(1000).push(encodeFrame(body(1000)))).toHaveLength(1)
  })

  it('rejects a prefix declaring more than MAX_FRAME_BYTES by default', () => {
    rejects(() => new FrameDecoder().push(Uint8Array.from(varint.encode(MAX_FRAME_BYTES + 1))), 'TOO_LARGE')
  })

  it('rejects a zero-length frame with BAD_FRAME', () => {
    rejects(() => new FrameDecoder().push(Uint8Array.of(0x00)), 'BAD_FRAME', /zero-length/)
  })

  it('rejects a non-minimal prefix with BAD_FRAME', () => {
    rejects(() => new FrameDecoder().push(Uint8Array.of(0x81, 0x00, 0x61)), 'BAD_FRAME', /minimal/)
    rejects(() => new FrameDecoder().push(Uint8Array.of(0x80, 0x00)), 'BAD_FRAME', /minimal/)
  })

  it('rejects a prefix longer than 5 bytes with BAD_FRAME without waiting for more', () => {
    rejects(() => new FrameDecoder().push(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80)), 'BAD_FRAME', /longer than 5/)
    const decoder = new FrameDecoder()
    expect(decoder.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff))).toEqual([])
    rejects(() => decoder.push(Uint8Array.of(0xff)), 'BAD_FRAME')
  })

  it('rejects a 5-byte prefix beyond the limit with TOO_LARGE', () => {
    rejects(() => new FrameDecoder().push(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f)), 'TOO_LARGE')
  })

  it('end() rejects a stream that stops inside a frame or a prefix', () => {
    const inBody = new FrameDecoder()
    inBody.push(encodeFrame(body(10)).subarray(0, 5))
    rejects(() => inBody.end(), 'BAD_FRAME', /4 of 10 body bytes/)
    const inPrefix = new FrameDecoder()
    inPrefix.push(Uint8Array.of(0x80))
    rejects(() => inPrefix.end(), 'BAD_FRAME', /length prefix/)
    const clean = new FrameDecoder()
    clean.push(encodeFrame(body(2)))
    expect(() => clean.end()).not.toThrow()
    expect(() => new FrameDecoder().end()).not.toThrow()
  })

  it('stays failed after an error', () => {
    const decoder = new FrameDecoder()
    const first = rejects(() => decoder.push(Uint8Array.of(0x00)), 'BAD_FRAME')
    expect(() => decoder.push(encodeFrame(body(1)))).toThrow(first)
    expect(() => decoder.end()).toThrow(first)
  })

  it('throws TypeError for a bad limit', () => {
    for (const limit of [0, -1, 1.5, NaN]) expect(() => new FrameDecoder(limit)).toThrow(TypeError)
  })

  it('reassembles any sequence of frames under any chunking', () => {
    const frames = fc.array(fc.uint8Array({ minLength: 1, maxLength: 400 }), { minLength: 1, maxLength: 12 })
    const cuts = fc.array(fc.nat(), { maxLength: 30 })
    fc.assert(
      fc.property(frames, cuts, (bodies, rawCuts) => {
        const stream = Buffer.concat(bodies.map(b => encodeFrame(b)))
        const points = [...new Set(rawCuts.map(c => c % (stream.length + 1)))].sort((a, b) => a - b)
        const decoder = new FrameDecoder()
        const out: Uint8Array[] = []
        let from = 0
        for (const to of [...points, stream.length]) {
          out.push(...decoder.push(stream.subarray(from, to)))
          from = to
        }
        decoder.end()
        expect(out.map(f => Buffer.from(f))).toEqual(bodies.map(b => Buffer.from(b)))
        expect(decoder.buffered).toBe(0)
      }),
      { numRuns: 300 }
    )
  })

  it('throws only ProtocolError on random bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 10 }), chunks => {
        const decoder = new FrameDecoder(100)
        try {
          for (const chunk of chunks) decoder.push(chunk)
          decoder.end()
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError)
          expect(['BAD_FRAME', 'TOO_LARGE']).toContain((err as ProtocolError).code)
        }
      }),
      { numRuns: 300 }
    )
  })
})
