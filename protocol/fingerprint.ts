/**
 * A short, human-comparable fingerprint of an Ed25519 public key, for operators to compare
 * over the phone: the first 15 bytes of SHA-256(public key) in RFC 4648 base32, in six groups
 * of four (`ABCD-EFGH-IJKL-MNOP-QRST-UVWX`, 120 bits).
 *
 * @module
 */
import { createHash } from 'node:crypto'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

export function keyFingerprint (publicKey: Uint8Array): string {
  const digest = createHash('sha256').update(publicKey).digest().subarray(0, 15)
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of digest) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  return out.match(/.{4}/g)?.join('-') ?? out
}
