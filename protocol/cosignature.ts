/**
 * C2SP tlog-cosignature v1, Ed25519 (c2sp.org/tlog-cosignature): a witness's timestamped
 * statement that, as of `time`, the checkpoint is the largest consistent tree head it has seen
 * for that origin. Liaison uses it to put time on checkpoints (see protocol/checkpoint.ts).
 *
 * - signature type 0x04; key ID = SHA-256(name ‖ 0x0A ‖ 0x04 ‖ 32-byte public key)[:4]
 * - signed message = "cosignature/v1\n" ‖ "time <POSIX seconds, decimal>\n" ‖ checkpoint body
 *   (the whole note text including any extension lines and the final newline)
 * - signature line = `— <name> base64(key ID ‖ u64 big-endian timestamp ‖ 64-byte signature)\n`
 *
 * Byte-level choices: timestamps are limited to 2^53 − 1 (JavaScript numbers; the spec allows up
 * to 2^63 − 1) — a larger one fails verification rather than being rounded. The message does not
 * name the witness, so each witness name needs its own key (as the spec says).
 *
 * `verifyCosignature` checks one line and returns `{ ok, time }` (the caller compares `time` with
 * its own clock: the spec lets verifiers reject cosignatures from the future); `cosignatureNoteKey` lets
 * `openNote` verify cosignature lines among a note's signatures, and `cosignatureTime` reads the
 * time from such a verified signature.
 *
 * @example
 * ```ts
 * const line = cosign(body, 'witness.example/w1', witnessSigner, nowSeconds)
 * const note = signNote(body, origin, logSigner) + line
 * verifyCosignature(line, body, 'witness.example/w1', witnessPublicKey) // { ok: true, time: nowSeconds }
 * ```
 *
 * @module
 */
import { verify as cryptoVerify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import {
  ed25519PublicKeyObject,
  formatSignatureLine,
  noteKeyHash,
  parseCheckpoint,
  parseSignatureLine
} from './checkpoint.ts'
import type { NoteKey } from './checkpoint.ts'
import type { Signer } from './types.ts'

/** Signature type byte of timestamped Ed25519 cosignatures. */
export const COSIGNATURE_SIGNATURE_TYPE = 0x04

const HEADER = 'cosignature/v1\n'
const TIMESTAMP_BYTES = 8
const SIGNATURE_BYTES = 64
const utf8 = new TextEncoder()

export type CosignatureCheck = { ok: true, time: number } | { ok: false, time?: undefined }

/** SHA-256(name ‖ 0x0A ‖ 0x04 ‖ publicKey)[:4] as a big-endian uint32. */
export function cosignatureKeyId (name: string, publicKey: Uint8Array): number {
  return noteKeyHash(name, publicKey, COSIGNATURE_SIGNATURE_TYPE)
}

function assertTime (timeSeconds: number): void {
  if (!Number.isSafeInteger(timeSeconds) || timeSeconds < 0) {
    throw new TypeError('timeSeconds must be an integer in [0, 2^53 - 1]')
  }
}

/** The bytes a cosigner signs for `checkpointBody` at `timeSeconds`. */
export function cosignedMessage (checkpointBody: string, timeSeconds: number): Uint8Array {
  if (typeof checkpointBody !== 'string') throw new TypeError('checkpointBody must be a string')
  assertTime(timeSeconds)
  return utf8.encode(`${HEADER}time ${timeSeconds}\n${checkpointBody}`)
}

/**
 * Cosign a checkpoint body at `timeSeconds` (the caller's clock); returns the signature line,
 * newline included, ready to append to the signed note. The body must parse as a checkpoint
 * (ProtocolError otherwise): a witness never vouches for arbitrary text.
 */
export function cosign (checkpointBody: string, witnessName: string, signer: Signer, timeSeconds: number): string {
  parseCheckpoint(checkpointBody)
  const signature = signer.sign(cosignedMessage(checkpointBody, timeSeconds))
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) {
    throw new TypeError('signer must return a 64-byte Ed25519 signature')
  }
  const payload = new Uint8Array(TIMESTAMP_BYTES + SIGNATURE_BYTES)
  new DataView(payload.buffer).setBigUint64(0, BigInt(timeSeconds))
  payload.set(signature, TIMESTAMP_BYTES)
  return formatSignatureLine(witnessName, cosignatureKeyId(witnessName, signer.publicKey), payload)
}

/** The timestamp of a cosignature's `timestamp ‖ signature` bytes, or undefined if malformed. */
export function cosignatureTime (signature: Uint8Array): number | undefined {
  if (!(signature instanceof Uint8Array)) throw new TypeError('signature must be a Uint8Array')
  if (signature.length !== TIMESTAMP_BYTES + SIGNATURE_BYTES) return undefined
  const time = new DataView(signature.buffer, signature.byteOffset, signature.byteLength).getBigUint64(0)
  return time <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(time) : undefined
}

function verifyPayload (keyObject: KeyObject, checkpointBody: string, payload: Uint8Array): CosignatureCheck {
  const time = cosignatureTime(payload)
  if (time === undefined) return { ok: false }
  const ok = cryptoVerify(null, cosignedMessage(checkpointBody, time), keyObject, payload.subarray(TIMESTAMP_BYTES))
  return ok ? { ok: true, time } : { ok: false }
}

/**
 * Verify one cosignature line (with or without its newline) for `checkpointBody` by the witness
 * `witnessName` with raw Ed25519 `publicKey`. Hostile lines give `{ ok: false }`.
 */
export function verifyCosignature (
  line: string,
  checkpointBody: string,
  witnessName: string,
  publicKey: Uint8Array
): CosignatureCheck {
  if (typeof line !== 'string') throw new TypeError('line must be a string')
  if (typeof checkpointBody !== 'string') throw new TypeError('checkpointBody must be a string')
  const keyObject = ed25519PublicKeyObject(publicKey)
  const keyId = cosignatureKeyId(witnessName, publicKey)
  const parsed = parseSignatureLine(line.endsWith('\n') ? line.slice(0, -1) : line)
  if (parsed === undefined || parsed.name !== witnessName || parsed.keyId !== keyId) return { ok: false }
  return verifyPayload(keyObject, checkpointBody, parsed.signature)
}

/** A NoteKey that makes `openNote` verify this witness's cosignature lines. */
export function cosignatureNoteKey (name: string, publicKey: Uint8Array): NoteKey {
  const keyObject = ed25519PublicKeyObject(publicKey)
  const decoder = new TextDecoder()
  return {
    name,
    publicKey,
    keyId: cosignatureKeyId(name, publicKey),
    verify: (text, signature) => verifyPayload(keyObject, decoder.decode(text), signature).ok
  }
}
