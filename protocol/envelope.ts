/**
 * DSSE v1 envelopes (secure-systems-lab/dsse): sign, encode, strictly decode, verify, digest.
 *
 *     {"payloadType":"…","payload":"<base64>","signatures":[{"keyid":"…","sig":"<base64>"}]}
 *
 * Each signature is Ed25519 over PAE(payloadType, payload) (pae.ts). `keyid` is the signer's
 * peer ID as a hint only: verification tries every signature against the key the caller
 * expects and never looks at keyid. A message's identity is `envelopeDigest`, the SHA-256 of
 * its PAE bytes, so it does not change when signatures are added or keyids differ.
 *
 * @example
 * ```ts
 * const env = signEnvelope(PAYLOAD_TYPES.message, payload, signer)
 * const bytes = encodeEnvelope(env)
 * const { ok, digest } = verifyEnvelopeDigest(decodeEnvelope(bytes), verifyKey)
 * ```
 *
 * @module
 */
import { encodeBase64, tryDecodeBase64 } from './base64.ts'
import { paeDigest } from './digest.ts'
import { opensslVerify } from './ed25519.ts'
import type { Ed25519Verifier } from './ed25519.ts'
import { ProtocolError } from './errors.ts'
import { parseStrictJson } from './json.ts'
import { MAX_FRAME_BYTES, MAX_SIGNATURES } from './limits.ts'
import { pae } from './pae.ts'
import type { Envelope, EnvelopeSignature, Signer, VerifyKey } from './types.ts'

export { pae } from './pae.ts'
export { envelopeDigest, paeDigest } from './digest.ts'

/** Longest payloadType accepted, in characters. */
export const MAX_PAYLOAD_TYPE_LENGTH = 256
/** Longest keyid accepted, in characters (peer IDs are 52). */
export const MAX_KEYID_LENGTH = 128
/** Largest decoded `sig` accepted, in bytes (Ed25519 signatures are 64). */
export const MAX_SIG_BYTES = 128
/** Envelope JSON nests three deep: envelope → signatures → signature. */
const ENVELOPE_DEPTH = 3

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const utf8Encoder = new TextEncoder()

/** Signs `payload` as `payloadType` with each signer (1..MAX_SIGNATURES), PAE built once. */
export function signEnvelope (payloadType: string, payload: Uint8Array, signers: Signer | Signer[]): Envelope {
  if (
    typeof payloadType !== 'string' || payloadType.length === 0 || payloadType.length > MAX_PAYLOAD_TYPE_LENGTH ||
    !payloadType.isWellFormed()
  ) {
    throw new TypeError(`payloadType must be a well-formed string of 1..${MAX_PAYLOAD_TYPE_LENGTH} characters`)
  }
  const list = Array.isArray(signers) ? signers : [signers]
  if (list.length === 0 || list.length > MAX_SIGNATURES) throw new TypeError(`need 1..${MAX_SIGNATURES} signers`)
  const bytes = pae(payloadType, payload)
  return {
    payloadType,
    payload,
    signatures: list.map(signer => ({ keyid: signer.peerId, sig: signer.sign(bytes) }))
  }
}

/** Compact JSON bytes, keys in DSSE order; base64 is standard and padded. */
export function encodeEnvelope (env: Envelope): Uint8Array {
  const json = JSON.stringify({
    payloadType: env.payloadType,
    payload: encodeBase64(env.payload),
    signatures: env.signatures.map(s => ({ keyid: s.keyid, sig: encodeBase64(s.sig) }))
  })
  return utf8Encoder.encode(json)
}

/**
 * Strictly decodes envelope bytes. Throws ProtocolError TOO_LARGE if `bytes` exceeds
 * `maxBytes`, else BAD_ENVELOPE naming the field for anything that is not exactly a DSSE v1
 * envelope: invalid UTF-8, JSON the strict parser rejects (duplicate keys, …; kept as `cause`),
 * missing or unknown keys, wrong types, bad base64, more than MAX_SIGNATURES signatures.
 * An empty `signatures` array decodes (and then fails verification). `maxSignatures` raises the
 * signature limit for the one statement that carries more (a task force charter has one per
 * member, PROTOCOL.md §21); everything on the wire keeps MAX_SIGNATURES.
 */
export function decodeEnvelope (bytes: Uint8Array, maxBytes: number = MAX_FRAME_BYTES, maxSignatures: number = MAX_SIGNATURES): Envelope {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array')
  if (bytes.byteLength > maxBytes) {
    throw new ProtocolError('TOO_LARGE', `envelope is ${bytes.byteLength} bytes, more than ${maxBytes}`)
  }
  let text: string
  try {
    text = utf8Decoder.decode(bytes)
  } catch (err) {
    throw new ProtocolError('BAD_ENVELOPE', 'envelope is not valid UTF-8', { cause: err })
  }
  let doc: unknown
  try {
    doc = parseStrictJson(text, { maxDepth: ENVELOPE_DEPTH })
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err
    throw new ProtocolError('BAD_ENVELOPE', `envelope is not strict JSON: ${err.message}`, { cause: err })
  }
  if (!isPlainRecord(doc)) throw bad('envelope is not a JSON object')
  checkKeys(doc, 'envelope', ['payloadType', 'payload', 'signatures'])

  const { payloadType, payload, signatures } = doc
  if (typeof payloadType !== 'string') throw bad('payloadType is not a string')
  if (payloadType.length === 0 || payloadType.length > MAX_PAYLOAD_TYPE_LENGTH) {
    throw bad(`payloadType must be 1..${MAX_PAYLOAD_TYPE_LENGTH} characters`)
  }
  if (typeof payload !== 'string') throw bad('payload is not a string')
  const payloadBytes = tryDecodeBase64(payload)
  if (payloadBytes === undefined) throw bad('payload is not base64')
  if (!Array.isArray(signatures)) throw bad('signatures is not an array')
  if (signatures.length > maxSignatures) throw bad(`signatures has ${signatures.length} entries, more than ${maxSignatures}`)

  const sigs: EnvelopeSignature[] = []
  for (let i = 0; i < signatures.length; i++) {
    const entry: unknown = signatures[i]
    const at = `signatures[${i}]`
    if (!isPlainRecord(entry)) throw bad(`${at} is not a JSON object`)
    checkKeys(entry, at, ['keyid', 'sig'])
    const { keyid, sig } = entry
    if (typeof keyid !== 'string') throw bad(`${at}.keyid is not a string`)
    if (keyid.length > MAX_KEYID_LENGTH) throw bad(`${at}.keyid is longer than ${MAX_KEYID_LENGTH} characters`)
    if (typeof sig !== 'string') throw bad(`${at}.sig is not a string`)
    const sigBytes = tryDecodeBase64(sig)
    if (sigBytes === undefined) throw bad(`${at}.sig is not base64`)
    if (sigBytes.length > MAX_SIG_BYTES) throw bad(`${at}.sig is longer than ${MAX_SIG_BYTES} bytes`)
    sigs.push({ keyid, sig: sigBytes })
  }
  return { payloadType, payload: payloadBytes, signatures: sigs }
}

/** True iff at least one signature verifies under `key` over PAE (keyid is ignored). */
export function verifyEnvelope (env: Envelope, key: VerifyKey): boolean {
  return anySignatureVerifies(env, key, pae(env.payloadType, env.payload), opensslVerify)
}

/** `verifyEnvelope` with another verifier (e.g. `nobleVerify`), for cross-checking. */
export function verifyEnvelopeWith (env: Envelope, key: VerifyKey, verifier: Ed25519Verifier): boolean {
  return anySignatureVerifies(env, key, pae(env.payloadType, env.payload), verifier)
}

/** Verifies and digests with one PAE computation: the receive path needs both. */
export function verifyEnvelopeDigest (
  env: Envelope,
  key: VerifyKey,
  verifier: Ed25519Verifier = opensslVerify
): { ok: boolean, digest: string } {
  const bytes = pae(env.payloadType, env.payload)
  return { ok: anySignatureVerifies(env, key, bytes, verifier), digest: paeDigest(bytes) }
}

function anySignatureVerifies (env: Envelope, key: VerifyKey, paeBytes: Uint8Array, verifier: Ed25519Verifier): boolean {
  for (const { sig } of env.signatures) {
    if (verifier(key, paeBytes, sig)) return true
  }
  return false
}

function bad (message: string): ProtocolError {
  return new ProtocolError('BAD_ENVELOPE', message)
}

function isPlainRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Exactly `expected`, no more: a missing key names itself, and so does the first unknown one. */
function checkKeys (obj: Record<string, unknown>, at: string, expected: readonly string[]): void {
  for (const key of expected) {
    if (!Object.hasOwn(obj, key)) throw bad(`${at} has no ${key}`)
  }
  const keys = Object.keys(obj)
  if (keys.length !== expected.length) {
    const unknown = keys.find(k => !expected.includes(k))
    throw bad(`${at} has unknown key ${JSON.stringify(unknown)}`)
  }
}
