/**
 * Hit tags and the OPRF key id. A record's tag for one peer is
 * SHA-512("liaison-hit-tag-v1" ‖ lp(peerId) ‖ lp(type) ‖ output)[0..16): only a holder of the
 * OPRF output (the answering node, or an asking node that had the selector evaluated online)
 * can compute it, and the tags one peer sees do not match another peer's.
 *
 * @module
 */
import { createHash } from 'node:crypto'

const TAG_LABEL = 'liaison-hit-tag-v1'
/** Tag length, bytes (128 bits: false hits at 2^-128 per pair). */
export const TAG_BYTES = 16

function lp (bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + bytes.length)
  out[0] = bytes.length >> 8
  out[1] = bytes.length & 0xff
  out.set(bytes, 2)
  return out
}

/** The hex tag of one OPRF output for one peer and type. */
export function hitTag (peerId: string, type: string, output: Uint8Array): string {
  const enc = new TextEncoder()
  return createHash('sha512').update(TAG_LABEL).update(lp(enc.encode(peerId))).update(lp(enc.encode(type))).update(output).digest().subarray(0, TAG_BYTES)
    .toString('hex')
}

/** The OPRF key id: SHA-256 of the 32-byte public key, first 16 bytes, hex. */
export function oprfKeyId (publicKey: Uint8Array): string {
  return createHash('sha256').update(publicKey).digest().subarray(0, 16).toString('hex')
}
