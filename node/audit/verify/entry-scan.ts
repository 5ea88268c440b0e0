/**
 * Worker side of the entry pass: while a worker holds a store file for its checksums, it also
 * reads the audit entries (`audit-entry` sublevel) the file holds, recomputes each one's leaf
 * hash from the stored bytes, decodes and checks it (entry.ts) and keeps what the main thread
 * needs of it in one fixed-size record — so entries never pass through LevelDB or get decoded on
 * the main thread, which only keeps the newest version of each key (what LevelDB serves),
 * orders them and rebuilds the tree (entry-pass.ts).
 *
 * Record layout (little-endian, ENTRY_RECORD bytes):
 *
 *   0    u8   ENTRY_* (what the entry is, or that it failed to decode, or a deletion)
 *   4    u32  peer: index into `peers` — a message's sender, a receipt's signer
 *   8    f64  LevelDB sequence number of this version
 *   16   f64  seal time (epoch ms)
 *   24   f64  a message's expiry (epoch ms)
 *   32   32   leaf hash SHA-256(0x00 ‖ stored bytes)
 *   64   32   a message's digest, a receipt's `for` (raw bytes)
 *   96   32   a message's or receipt's envelopeSha256 (raw bytes)
 *   128  16   a message's index tuple hash (SHA-256 of payloadType, newline, index fields)
 *
 * @module
 */
import { hash } from 'node:crypto'
import { utf8Decode } from '../../../protocol/json.ts'
import { decodeEntryText, entryDigests } from '../entry.ts'
import { timestampMs } from '../timestamp.ts'
import { indexFieldsOfEntry } from './index-tuple.ts'
import { hexInto } from './record-table.ts'
import { PeerTable } from './peer-table.ts'

export const ENTRY_OTHER = 0
export const ENTRY_SENT = 1
export const ENTRY_RECEIVED = 2
export const ENTRY_RECEIPT = 3
/** Failed to decode (the problem is in `problems`). */
export const ENTRY_INVALID = 4
export const ENTRY_DELETED = 5
export const ENTRY_PURGE = 6

export const ENTRY_RECORD = 144

export interface FoundEntries {
  buffer: ArrayBuffer
  count: number
  /** The key of each record (after the sublevel prefix). */
  keys: string[]
  peers: string[]
  /** [record, problem] for ENTRY_INVALID records. */
  problems: Array<[number, string]>
  /** [record, digests] for the other valid entries that name digests (entryDigests; a purge's as listed). */
  digests: Array<[number, string[]]>
}

const keyText = new TextDecoder()

export class EntryWriter {
  private buffer = new ArrayBuffer(64 * ENTRY_RECORD)
  private view = new DataView(this.buffer)
  private bytes = Buffer.from(this.buffer)
  private scratch = Buffer.allocUnsafeSlow(64 * 1024)
  count = 0
  private readonly keys: string[] = []
  private readonly peerTable = new PeerTable()
  private readonly problems: Array<[number, string]> = []
  private readonly digests: Array<[number, string[]]> = []

  /** Add one version of an entry (`key` without the sublevel prefix). */
  add (key: Uint8Array, seq: number, deleted: boolean, value: Uint8Array): void {
    if ((this.count + 1) * ENTRY_RECORD > this.buffer.byteLength) {
      const grown = new ArrayBuffer(2 * this.buffer.byteLength)
      new Uint8Array(grown).set(this.bytes)
      this.buffer = grown
      this.view = new DataView(grown)
      this.bytes = Buffer.from(grown)
    }
    const r = this.count++
    const at = r * ENTRY_RECORD
    this.bytes.fill(0, at, at + ENTRY_RECORD)
    this.keys.push(keyText.decode(key))
    this.view.setFloat64(at + 8, seq, true)
    if (deleted) {
      this.bytes[at] = ENTRY_DELETED
      return
    }
    if (this.scratch.length < value.length + 1) this.scratch = Buffer.allocUnsafeSlow(2 * value.length + 1)
    this.scratch[0] = 0
    this.scratch.set(value, 1)
    this.bytes.write(hash('sha256', this.scratch.subarray(0, value.length + 1), 'binary'), at + 32, 32, 'latin1')
    let text: string
    let entry
    try {
      text = utf8Decode(value)
      entry = decodeEntryText(text)
    } catch (err) {
      this.bytes[at] = ENTRY_INVALID
      this.problems.push([r, (err as Error).message])
      return
    }
    this.view.setFloat64(at + 16, timestampMs(entry.at), true)
    switch (entry.type) {
      case 'message.sent':
      case 'message.received': {
        this.bytes[at] = entry.type === 'message.sent' ? ENTRY_SENT : ENTRY_RECEIVED
        this.view.setUint32(at + 4, this.peer(entry.from), true)
        this.view.setFloat64(at + 24, timestampMs(entry.expires), true)
        hexInto(entry.digest, this.bytes, at + 64)
        hexInto(entry.envelopeSha256, this.bytes, at + 96)
        const tuple = entry.payloadType + '\n' + indexFieldsOfEntry(text, entry.type, entry.payloadType)
        this.bytes.write(hash('sha256', tuple, 'binary'), at + 128, 16, 'latin1')
        return
      }
      case 'receipt.stored':
        this.bytes[at] = ENTRY_RECEIPT
        this.view.setUint32(at + 4, this.peer(entry.by), true)
        hexInto(entry.for, this.bytes, at + 64)
        hexInto(entry.envelopeSha256, this.bytes, at + 96)
        return
      default: {
        this.bytes[at] = entry.type === 'purge' ? ENTRY_PURGE : ENTRY_OTHER
        const digests = entry.type === 'purge' ? entry.digests : entryDigests(entry)
        if (digests.length > 0) this.digests.push([r, digests])
      }
    }
  }

  private peer (peerId: string): number {
    return this.peerTable.indexOf(peerId)
  }

  finish (): FoundEntries {
    return { buffer: this.buffer, count: this.count, keys: this.keys, peers: this.peerTable.ids, problems: this.problems, digests: this.digests }
  }
}
