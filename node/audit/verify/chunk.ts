import { PAYLOAD_TYPES } from '../../../protocol/types.ts'

/**
 * The batch format that carries stored envelopes to verification workers: one ArrayBuffer per
 * chunk (transferred, not copied), many items each, so the cost of a message between threads is
 * paid once per few hundred envelopes.
 *
 * Item layout (little-endian):
 *
 *   0   u8   kind: 1 inbound message, 2 outbound message, 3 receipt
 *   1   u8   payload type of a message (index into PAYLOAD_CODES; 255 = one the node does not store)
 *   4   u32  signer: index into the peer table shared with the worker
 *   8   u32  length E of the envelope bytes
 *   12  32   message digest (raw bytes)
 *   44  u32  length P of the expectation text (0 for receipts)
 *   48  P    UTF-8: a message's payload prefix (index-tuple.ts), or the id of another payload type
 *   48+P E   the envelope bytes exactly as stored
 *
 * Results come back as one status byte (0 = ok) and one SHA-256 of the stored bytes per item,
 * plus a problem text for each item that failed.
 *
 * @module
 */

export const KIND_IN = 1
export const KIND_OUT = 2
export const KIND_RECEIPT = 3

const HEADER = 48

/** Payload types that are stored as messages, by code. */
export const PAYLOAD_CODES: readonly string[] = [
  PAYLOAD_TYPES.message,
  PAYLOAD_TYPES.forward,
  PAYLOAD_TYPES.releaseRequest,
  PAYLOAD_TYPES.releaseGrant,
  PAYLOAD_TYPES.keyRotation,
  PAYLOAD_TYPES.addressUpdate,
  PAYLOAD_TYPES.feedback,
  PAYLOAD_TYPES.rotationApproval,
  PAYLOAD_TYPES.taskforceNotice
]
export const UNKNOWN_PAYLOAD = 255

export interface ChunkItem {
  kind: number
  payloadCode: number
  signer: number
  digest: Uint8Array
  /** Empty for receipts. */
  prefix: Uint8Array
  bytes: Uint8Array
}

export class ChunkWriter {
  private readonly buffer: ArrayBuffer
  private readonly view: DataView
  private readonly bytes: Uint8Array
  private offset = 0
  count = 0

  /** A writer over `buffer` if given (a chunk handed back by a worker), else a new one. */
  constructor (capacity: number, buffer?: ArrayBuffer) {
    this.buffer = buffer !== undefined && buffer.byteLength >= capacity ? buffer : new ArrayBuffer(capacity)
    this.view = new DataView(this.buffer)
    this.bytes = new Uint8Array(this.buffer)
  }

  /**
   * Append an item, the prefix (a string) written as UTF-8 straight into the chunk, the envelope
   * copied as it is stored (or, given as a string, written as UTF-8); false if it does not fit.
   */
  add (kind: number, payloadCode: number, signer: number, digest: Uint8Array, prefix: string, envelope: string | Uint8Array): boolean {
    const at = this.offset
    if (at + HEADER > this.buffer.byteLength) return false
    const p = utf8.encodeInto(prefix, this.bytes.subarray(at + HEADER))
    if (p.read < prefix.length) return false
    const start = at + HEADER + p.written
    const e = typeof envelope === 'string' ? utf8.encodeInto(envelope, this.bytes.subarray(start)) : { read: envelope.length, written: envelope.length }
    if (e.read < envelope.length || start + e.written > this.buffer.byteLength) return false
    if (typeof envelope !== 'string') this.bytes.set(envelope, start)
    this.view.setUint8(at, kind)
    this.view.setUint8(at + 1, payloadCode)
    this.view.setUint32(at + 4, signer, true)
    this.view.setUint32(at + 8, e.written, true)
    this.bytes.set(digest, at + 12)
    this.view.setUint32(at + 44, p.written, true)
    this.offset += HEADER + p.written + e.written
    this.count++
    return true
  }

  /** The buffer to transfer (its unused tail is not read). */
  finish (): ArrayBuffer {
    return this.buffer
  }
}

/** Bytes a chunk may need to hold one item (UTF-8 takes at most 3 bytes per UTF-16 unit). */
export function itemSize (prefix: string, envelope: string | Uint8Array): number {
  return HEADER + 3 * prefix.length + (typeof envelope === 'string' ? 3 : 1) * envelope.length
}

const utf8 = new TextEncoder()

/** Read the items of a chunk (views into `buffer`, no copies). */
export function* readChunk (buffer: ArrayBuffer, count: number): Generator<ChunkItem> {
  const view = new DataView(buffer)
  const bytes = new Uint8Array(buffer)
  let at = 0
  for (let i = 0; i < count; i++) {
    const kind = view.getUint8(at)
    const payloadCode = view.getUint8(at + 1)
    const signer = view.getUint32(at + 4, true)
    const length = view.getUint32(at + 8, true)
    const p = view.getUint32(at + 44, true)
    yield {
      kind,
      payloadCode,
      signer,
      digest: bytes.subarray(at + 12, at + 44),
      prefix: bytes.subarray(at + HEADER, at + HEADER + p),
      bytes: bytes.subarray(at + HEADER + p, at + HEADER + p + length)
    }
    at += HEADER + p + length
  }
}
