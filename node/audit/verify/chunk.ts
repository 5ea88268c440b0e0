/**
 * The batch format that carries stored envelopes to verification workers: one ArrayBuffer per
 * chunk (transferred, not copied), many items each, so the cost of a message between threads is
 * paid once per few hundred envelopes.
 *
 * Item layout (little-endian):
 *
 *   0   u8   kind: 1 inbound message, 2 outbound message, 3 receipt
 *   4   u32  signer: index into the peer table shared with the worker
 *   8   u32  length of the envelope bytes
 *   12  32   message digest (raw bytes)
 *   44  36   message id, ASCII, zero-padded (messages only)
 *   80  …    the envelope bytes exactly as stored
 *
 * Results come back as one status byte (0 = ok) and one SHA-256 of the stored bytes per item,
 * plus a problem text for each item that failed.
 *
 * @module
 */

export const KIND_IN = 1
export const KIND_OUT = 2
export const KIND_RECEIPT = 3

const HEADER = 80
const ID_BYTES = 36

export interface ChunkItem {
  kind: number
  signer: number
  digest: string
  id: string
  bytes: Uint8Array
}

export class ChunkWriter {
  private readonly buffer: ArrayBuffer
  private readonly view: DataView
  private readonly bytes: Uint8Array
  private offset = 0
  count = 0

  constructor (capacity: number) {
    this.buffer = new ArrayBuffer(capacity)
    this.view = new DataView(this.buffer)
    this.bytes = new Uint8Array(this.buffer)
  }

  get used (): number {
    return this.offset
  }

  /** Append an item; false if it does not fit (an empty chunk always takes one, growing). */
  add (kind: number, signer: number, digest: string, id: string, envelope: Uint8Array): boolean {
    const need = HEADER + envelope.length
    if (this.offset + need > this.buffer.byteLength) return false
    const at = this.offset
    this.view.setUint8(at, kind)
    this.view.setUint32(at + 4, signer, true)
    this.view.setUint32(at + 8, envelope.length, true)
    this.bytes.set(Buffer.from(digest, 'hex'), at + 12)
    this.bytes.fill(0, at + 44, at + HEADER)
    if (id !== '') this.bytes.set(Buffer.from(id.slice(0, ID_BYTES), 'latin1'), at + 44)
    this.bytes.set(envelope, at + HEADER)
    this.offset += need
    this.count++
    return true
  }

  /** The buffer to transfer (its unused tail is not read). */
  finish (): ArrayBuffer {
    return this.buffer
  }
}

/** Bytes a chunk needs to hold one envelope of `length` bytes. */
export function itemSize (length: number): number {
  return HEADER + length
}

/** Read the items of a chunk (views into `buffer`, no copies). */
export function * readChunk (buffer: ArrayBuffer, count: number): Generator<ChunkItem> {
  const view = new DataView(buffer)
  const bytes = new Uint8Array(buffer)
  let at = 0
  for (let i = 0; i < count; i++) {
    const kind = view.getUint8(at)
    const signer = view.getUint32(at + 4, true)
    const length = view.getUint32(at + 8, true)
    const digest = Buffer.from(buffer, at + 12, 32).toString('hex')
    let idEnd = at + 44
    while (idEnd < at + HEADER && bytes[idEnd] !== 0) idEnd++
    const id = Buffer.from(buffer, at + 44, idEnd - at - 44).toString('latin1')
    yield { kind, signer, digest, id, bytes: bytes.subarray(at + HEADER, at + HEADER + length) }
    at += HEADER + length
  }
}
