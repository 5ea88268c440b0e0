/**
 * Signing and checking receipt v1 envelopes (PROTOCOL.md §11): the signed answer to one envelope
 * on the request/answer protocols beside the exchange (couriers, §9.1). The exchange itself
 * answers batches with batch receipts (batch-receipts.ts, PROTOCOL.md §22).
 *
 * @module
 */
import { encodeEnvelope, decodeEnvelope, pae, signEnvelope, verifyEnvelope } from '../../protocol/envelope.ts'
import { encodeReceipt, parseReceipt } from '../../protocol/receipt.ts'
import { ProtocolError, type ReasonCode } from '../../protocol/errors.ts'
import { PAYLOAD_TYPES, type Envelope, type ReceiptV1, type Signer, type VerifyKey } from '../../protocol/types.ts'
import { signedBy, type AsyncVerifier } from './verify-pool.ts'

export interface ReceiptInput {
  digest: string
  messageId: string | null
  status: 'accepted' | 'rejected'
  reason?: ReasonCode
}

/** Sign a receipt; returns the envelope's JSON bytes, ready for the wire and the store. */
export function signReceipt (signer: Signer, input: ReceiptInput, now: Date): Uint8Array {
  return signReceiptParsed(signer, input, now).bytes
}

/** `signReceipt`, also returning the receipt itself (for the audit entry). */
export function signReceiptParsed (signer: Signer, input: ReceiptInput, now: Date): { bytes: Uint8Array, receipt: ReceiptV1 } {
  const receipt: ReceiptV1 = {
    v: 1,
    for: input.digest,
    messageId: input.messageId,
    by: signer.peerId,
    at: now.toISOString(),
    status: input.status
  }
  if (input.status === 'rejected') receipt.reason = input.reason ?? 'INTERNAL'
  return { bytes: encodeEnvelope(signEnvelope(PAYLOAD_TYPES.receipt, encodeReceipt(receipt), signer)), receipt }
}

/**
 * Check a receipt envelope from `key`'s owner for the message `digest`. Throws ProtocolError
 * when the receipt is not a valid, matching receipt by that peer.
 */
export function openReceipt (bytes: Uint8Array, key: VerifyKey, digest: string): ReceiptV1 {
  const env = receiptEnvelope(bytes)
  if (!verifyEnvelope(env, key)) throw notSignedBy(key)
  return matchingReceipt(env, key, digest)
}

/** `openReceipt` with the signature checked by `verify` (e.g. a VerifyPool, off this thread). */
export async function openReceiptWith (bytes: Uint8Array, key: VerifyKey, digest: string, verify: AsyncVerifier): Promise<ReceiptV1> {
  const env = receiptEnvelope(bytes)
  if (!(await signedBy(verify, key, pae(env.payloadType, env.payload), env.signatures))) throw notSignedBy(key)
  return matchingReceipt(env, key, digest)
}

function receiptEnvelope (bytes: Uint8Array): Envelope {
  const env = decodeEnvelope(bytes)
  if (env.payloadType !== PAYLOAD_TYPES.receipt) throw new ProtocolError('BAD_PAYLOAD_TYPE', `expected a receipt, got ${env.payloadType}`)
  return env
}

function notSignedBy (key: VerifyKey): ProtocolError {
  return new ProtocolError('BAD_SIGNATURE', `receipt is not signed by ${key.peerId}`)
}

function matchingReceipt (env: Envelope, key: VerifyKey, digest: string): ReceiptV1 {
  const receipt = parseReceipt(env.payload)
  if (receipt.by !== key.peerId) throw new ProtocolError('SIGNER_MISMATCH', `receipt names ${receipt.by}, signed by ${key.peerId}`)
  if (receipt.for !== digest) throw new ProtocolError('SCHEMA_INVALID', `receipt is for ${receipt.for}, expected ${digest}`)
  return receipt
}
