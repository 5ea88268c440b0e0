/**
 * What a worker found in one store file (stored-scan.ts) and sends back to the main thread:
 * every version of every message envelope (`env` sublevel) and receipt (`rcpt` sublevel) the
 * file holds, with the verdict of its check — one fixed-size record each in one transferred
 * ArrayBuffer, plus the few strings (peer IDs, problems, bad keys) beside it.
 *
 * Record layout (little-endian, RECORD bytes):
 *
 *   0   u8   sublevel: 1 env, 2 rcpt
 *   1   u8   status (FOUND_*)
 *   4   u32  peer: index into `peers` — a receipt's signer (from its key), a message's claimed
 *            signer (when ok); NO_PEER otherwise
 *   8   f64  LevelDB sequence number of this version
 *   16  32   digest (raw bytes, from the key)
 *   48  32   SHA-256 of the stored bytes (values only)
 *   80  16   claimed index tuple (ok messages only; claimed-check.ts)
 *
 * @module
 */

import { PeerTable } from './peer-table.ts'

export const SUB_ENV = 1
export const SUB_RCPT = 2

/** Checked and good (a message: under its claimed signer). */
export const FOUND_OK = 0
/** A receipt whose check failed (the problem is in `problems`). */
export const FOUND_FAILED = 1
/** A message to check again with its index record. */
export const FOUND_RECHECK = 2
export const FOUND_DELETED = 3
/** A key of the wrong shape (the key text is in `problems`); the value is not checked. */
export const FOUND_BAD_KEY = 4
export const FOUND_BAD_KEY_DELETED = 5

export const RECORD = 96
export const NO_PEER = 0xffffffff

export interface Found {
  buffer: ArrayBuffer
  count: number
  peers: string[]
  /** [record, problem text or bad key] */
  problems: Array<[number, string]>
}

export class FoundWriter {
  private buffer = new ArrayBuffer(64 * RECORD)
  private view = new DataView(this.buffer)
  private bytes = new Uint8Array(this.buffer)
  count = 0
  private readonly peerTable = new PeerTable()
  readonly problems: Array<[number, string]> = []

  /** Append a record; returns its number. */
  add (sub: number, status: number, seq: number, digest: Uint8Array | undefined, peer?: string): number {
    if ((this.count + 1) * RECORD > this.buffer.byteLength) {
      const grown = new ArrayBuffer(2 * this.buffer.byteLength)
      new Uint8Array(grown).set(this.bytes)
      this.buffer = grown
      this.view = new DataView(grown)
      this.bytes = new Uint8Array(grown)
    }
    const at = this.count * RECORD
    this.bytes.fill(0, at, at + RECORD)
    this.view.setUint8(at, sub)
    this.view.setUint8(at + 1, status)
    this.view.setUint32(at + 4, peer === undefined ? NO_PEER : this.peer(peer), true)
    this.view.setFloat64(at + 8, seq, true)
    if (digest !== undefined) this.bytes.set(digest, at + 16)
    return this.count++
  }

  setStatus (record: number, status: number): void {
    this.bytes[record * RECORD + 1] = status
  }

  setPeer (record: number, peer: string): void {
    this.view.setUint32(record * RECORD + 4, this.peer(peer), true)
  }

  /** SHA-256 (or a prefix of it) as a latin1 string, at `offset` (48: stored bytes, 80: tuple). */
  setHash (record: number, offset: number, latin1: string, length: number): void {
    const at = record * RECORD + offset
    for (let i = 0; i < length; i++) this.bytes[at + i] = latin1.charCodeAt(i)
  }

  private peer (peerId: string): number {
    return this.peerTable.indexOf(peerId)
  }

  finish (): Found {
    return { buffer: this.buffer, count: this.count, peers: this.peerTable.ids, problems: this.problems }
  }
}
