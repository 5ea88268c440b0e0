/**
 * SHA-256 digests as lowercase hex. A signed message's identity is the digest of its PAE bytes
 * (`envelopeDigest`), so two envelopes carrying the same signed statement under different
 * signatures or keyids share one digest. Where the PAE bytes are at hand already (they are
 * needed for verification too), `paeDigest` avoids building them twice.
 *
 * @module
 */
import { hash } from 'node:crypto'
import { pae } from './pae.ts'
import type { Envelope } from './types.ts'

/** Lowercase hex SHA-256 of `data`. */
export function sha256Hex (data: Uint8Array): string {
  if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array')
  return hash('sha256', data, 'hex')
}

/** The message digest: lowercase hex SHA-256 of already-built PAE bytes. */
export function paeDigest (paeBytes: Uint8Array): string {
  return sha256Hex(paeBytes)
}

/** The message's identity: lowercase hex SHA-256 of the envelope's PAE bytes. */
export function envelopeDigest (env: Envelope): string {
  return sha256Hex(pae(env.payloadType, env.payload))
}
