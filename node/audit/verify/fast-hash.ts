/**
 * SHA-256 for the verifier's hot loops, written straight into preallocated buffers. node:crypto's
 * one-shot `hash` is fast, but asking it for a Buffer allocates one per call, and at a few
 * million small hashes that allocation costs twice the hashing; asking for a latin1 string
 * (one byte per character) and writing that into place does not.
 *
 * @module
 */
import { hash } from 'node:crypto'

let scratch = Buffer.allocUnsafeSlow(64 * 1024)

/** SHA-256 of `data` (bytes, or a string hashed as UTF-8) as a 32-character latin1 string. */
export function sha256Latin1 (data: Uint8Array | string): string {
  return hash('sha256', data, 'binary')
}

/** SHA-256 of `data` into out[at, at + length) (length ≤ 32: a prefix of the hash). */
export function sha256Into (data: Uint8Array | string, out: Buffer, at: number, length = 32): void {
  out.write(sha256Latin1(data), at, length, 'latin1')
}

/** RFC 9162 leaf hash SHA-256(0x00 ‖ `bytes`) into out[at, at + 32). */
export function leafHashInto (bytes: Uint8Array, out: Buffer, at: number): void {
  if (scratch.length < bytes.length + 1) scratch = Buffer.allocUnsafeSlow(2 * bytes.length + 1)
  scratch[0] = 0
  scratch.set(bytes, 1)
  sha256Into(scratch.subarray(0, bytes.length + 1), out, at)
}
