/**
 * Wire framing for `/liaison/exchange/2.0.0` (and the request/answer protocols beside it).
 *
 * A frame is an unsigned LEB128 varint length prefix (as libp2p and multiformats write it:
 * 7 bits per byte, least significant group first, high bit set on every byte but the last)
 * followed by exactly that many bytes — on the exchange, one batch of envelopes or one batch
 * receipt (protocol/batch.ts).
 *
 * The decoder is strict: the prefix must be minimal (no trailing `0x00` group) and at most 5
 * bytes, and a zero-length frame is an error (BAD_FRAME). The declared length is checked
 * against `maxFrameBytes` as soon as the prefix is read, before any of the body is buffered
 * (TOO_LARGE). After an error the decoder stays failed: every later call rethrows it, because
 * the stream can no longer be resynchronised.
 *
 * @example
 * ```ts
 * const decoder = new FrameDecoder()
 * for await (const chunk of stream) for (const frame of decoder.push(chunk)) handle(frame)
 * decoder.end()
 * ```
 *
 * @module
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { ProtocolError } from './errors.ts'
import { MAX_FRAME_BYTES } from './limits.ts'

/** Exchange v2: batches of envelopes, one batch receipt each (v1, one envelope per frame, is gone). */
export const EXCHANGE_PROTOCOL = '/liaison/exchange/2.0.0'

/** Longest accepted length prefix: 5 bytes carry 35 bits, far above any frame limit. */
const MAX_VARINT_BYTES = 5

/**
 * Prefixes `bytes` with its varint length, in one allocation. Throws TypeError for an empty
 * body (a caller bug) and ProtocolError('TOO_LARGE') above `maxFrameBytes`.
 */
export function encodeFrame (bytes: Uint8Array, maxFrameBytes: number = MAX_FRAME_BYTES): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array')
  const length = bytes.length
  if (length === 0) throw new TypeError('a frame cannot be empty')
  if (length > maxFrameBytes) throw new ProtocolError('TOO_LARGE', `frame of ${length} bytes exceeds the limit of ${maxFrameBytes}`)
  let prefixLength = 1
  for (let rest = length; rest >= 0x80; rest = Math.floor(rest / 128)) prefixLength++
  const out = new Uint8Array(prefixLength + length)
  let rest = length
  for (let i = 0; i < prefixLength - 1; i++) {
    out[i] = (rest % 128) | 0x80
    rest = Math.floor(rest / 128)
  }
  out[prefixLength - 1] = rest
  out.set(bytes, prefixLength)
  return out
}

/**
 * Splits a byte stream into frames. Frames that lie within one pushed chunk are returned as
 * views of it (no copy), so callers must not reuse chunk memory they push.
 */
export class FrameDecoder {
  readonly maxFrameBytes: number
  private readonly pending = new Uint8ArrayList()
  /** Length of the frame whose body is being received, or -1 while reading a prefix. */
  private bodyLength = -1
  private failure: ProtocolError | undefined

  constructor (maxFrameBytes: number = MAX_FRAME_BYTES) {
    if (!Number.isSafeInteger(maxFrameBytes) || maxFrameBytes < 1) throw new TypeError('maxFrameBytes must be a positive integer')
    this.maxFrameBytes = maxFrameBytes
  }

  /** Bytes received but not yet returned as part of a frame (prefixes already read excluded). */
  get buffered (): number {
    return this.pending.byteLength
  }

  /**
   * True while a frame has begun but not completed: part of a length prefix, or a whole prefix
   * and part (possibly none) of the body. `buffered > 0` is not the same test: right after a
   * prefix is read and before any body byte arrives, nothing is buffered yet a frame is open —
   * a reader timing frames or checking for truncation at the end of a stream needs this.
   */
  get inFrame (): boolean {
    return this.bodyLength >= 0 || this.pending.byteLength > 0
  }

  /** Adds received bytes; returns the frames they complete, in order. Throws ProtocolError. */
  push (chunk: Uint8Array | Uint8ArrayList): Uint8Array[] {
    if (this.failure !== undefined) throw this.failure
    this.pending.append(chunk)
    const frames: Uint8Array[] = []
    try {
      for (;;) {
        if (this.bodyLength < 0) {
          this.bodyLength = this.readPrefix()
          if (this.bodyLength < 0) break
        }
        if (this.pending.byteLength < this.bodyLength) break
        frames.push(this.pending.subarray(0, this.bodyLength))
        this.pending.consume(this.bodyLength)
        this.bodyLength = -1
      }
    } catch (err) {
      this.failure = err as ProtocolError
      this.pending.consume(this.pending.byteLength)
      throw err
    }
    return frames
  }

  /** Call when the stream ends: throws BAD_FRAME if a partial frame (or prefix) remains. */
  end (): void {
    if (this.failure !== undefined) throw this.failure
    if (this.bodyLength >= 0 || this.pending.byteLength > 0) {
      const detail = this.bodyLength >= 0
        ? `${this.pending.byteLength} of ${this.bodyLength} body bytes`
        : `${this.pending.byteLength} bytes of a length prefix`
      this.failure = new ProtocolError('BAD_FRAME', `stream ended inside a frame (${detail})`)
      throw this.failure
    }
  }

  /** Reads and consumes a complete length prefix and checks it; -1 if more bytes are needed. */
  private readPrefix (): number {
    let value = 0
    let scale = 1
    let count = 0
    for (const buf of this.pending) {
      for (let i = 0; i < buf.length; i++) {
        const byte = buf[i]
        value += (byte & 0x7f) * scale
        count++
        if (byte < 0x80) {
          if (byte === 0 && count > 1) throw new ProtocolError('BAD_FRAME', 'length prefix is not minimally encoded')
          if (value === 0) throw new ProtocolError('BAD_FRAME', 'zero-length frame')
          if (value > this.maxFrameBytes) {
            throw new ProtocolError('TOO_LARGE', `frame declares ${value} bytes; the limit is ${this.maxFrameBytes}`)
          }
          this.pending.consume(count)
          return value
        }
        if (count === MAX_VARINT_BYTES) throw new ProtocolError('BAD_FRAME', `length prefix longer than ${MAX_VARINT_BYTES} bytes`)
        scale *= 128
      }
    }
    return -1
  }
}
