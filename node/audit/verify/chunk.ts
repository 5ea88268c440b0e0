/**
 * The batch format that carries stored envelopes to verification workers: one ArrayBuffer per
 * chunk (transferred, not copied), many items each, so the cost of a message between threads is
 * paid once per few hundred envelopes.
 *
 * Item layout: five little-endian u32 — receipt (1) or message (0), then the UTF-8 lengths of the
 * signer's peer ID, the payload type, the expectation text and the envelope — the message digest
 * (32 raw bytes), then those four byte strings. The expectation is a message's payload prefix
 * (index-tuple.ts) or, for another payload type, the id its index record holds; empty for receipts.
 *
 * @module
 */

/** One envelope to check, with what the index says it is. */
export interface EnvelopeItem {
  receipt: boolean
  /** The signer's peer ID. */
  signer: string
  /** For a message: the payload type its index record names. */
  payloadType: string
  /** For a message: its payload prefix, or the id of another payload type. */
  expect: string
  digest: Uint8Array
  bytes: Uint8Array
}

/** An item as a worker reads it: views into the chunk, the expectation as UTF-8. */
export type ChunkItem = Omit<EnvelopeItem, 'expect'> & { expect: Buffer }

const HEADER = 52
const utf8 = new TextEncoder()

/** Bytes a chunk may need to hold `item` (UTF-8 takes at most 3 bytes per UTF-16 unit). */
export function itemSize (item: EnvelopeItem): number {
  return HEADER + 3 * (item.signer.length + item.payloadType.length + item.expect.length) + item.bytes.length
}

export class ChunkWriter {
  readonly buffer: ArrayBuffer
  private readonly view: DataView
  private readonly bytes: Uint8Array
  private offset = 0
  count = 0

  /** A writer over `buffer` if given and large enough (a chunk handed back by a worker), else a new one. */
  constructor (capacity: number, buffer?: ArrayBuffer) {
    this.buffer = buffer !== undefined && buffer.byteLength >= capacity ? buffer : new ArrayBuffer(capacity)
    this.view = new DataView(this.buffer)
    this.bytes = new Uint8Array(this.buffer)
  }

  /** Append an item; false if it does not fit. */
  add (item: EnvelopeItem): boolean {
    const at = this.offset
    if (at + HEADER > this.buffer.byteLength) return false
    let end = at + HEADER
    const lengths: number[] = []
    for (const text of [item.signer, item.payloadType, item.expect]) {
      const done = utf8.encodeInto(text, this.bytes.subarray(end))
      if (done.read < text.length) return false
      lengths.push(done.written)
      end += done.written
    }
    if (end + item.bytes.length > this.buffer.byteLength) return false
    this.bytes.set(item.bytes, end)
    lengths.push(item.bytes.length)
    this.view.setUint32(at, item.receipt ? 1 : 0, true)
    for (let k = 0; k < 4; k++) this.view.setUint32(at + 4 + 4 * k, lengths[k], true)
    this.bytes.set(item.digest, at + 20)
    this.offset = end + item.bytes.length
    this.count++
    return true
  }
}

/** Read the items of a chunk (views into `buffer`; the signer and payload type as strings). */
export function* readChunk (buffer: ArrayBuffer, count: number): Generator<ChunkItem> {
  const view = new DataView(buffer)
  const bytes = Buffer.from(buffer)
  let at = 0
  for (let i = 0; i < count; i++) {
    let end = at + HEADER
    const part = (k: number): Buffer => bytes.subarray(end, end += view.getUint32(at + 4 + 4 * k, true))
    const [signer, payloadType] = [part(0).toString(), part(1).toString()]
    yield { receipt: view.getUint32(at, true) === 1, digest: bytes.subarray(at + 20, at + 52), signer, payloadType, expect: part(2), bytes: part(3) }
    at = end
  }
}
