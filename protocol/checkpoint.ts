/**
 * C2SP signed notes (c2sp.org/signed-note) and transparency-log checkpoints
 * (c2sp.org/tlog-checkpoint) for the audit log.
 *
 * A checkpoint body is three lines, each ending in a newline:
 *
 * ```
 * liaison.local/12D3KooW…      origin: for a Liaison node `liaison.local/<peerId>`; also the key name
 * 1234                         tree size, decimal, no leading zeros
 * 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=   RFC 9162 root, standard base64 with padding
 * ```
 *
 * and the signed note is that body, a blank line, then one line per signature:
 * `— <key name> <base64(4-byte key ID ‖ signature)>\n`. For Ed25519 (signature type 0x01) the
 * signature is over the body bytes and the key ID is SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4].
 *
 * Design decision, time: a Liaison checkpoint has NO extension lines. C2SP marks extension lines
 * NOT RECOMMENDED (monitors cannot audit them, and ML-DSA cosignatures do not sign them). Time is
 * carried by cosignatures instead (c2sp.org/tlog-cosignature, protocol/cosignature.ts): each
 * carries the POSIX time at which its signer vouched for the tree head. A node that wants a signed
 * time on its own checkpoint adds its own cosignature line. `formatCheckpoint` still accepts
 * `extensions` and `parseCheckpoint` returns them, for interoperability.
 *
 * Opening a note follows the spec (and golang.org/x/mod/sumdb/note): signatures from unknown keys
 * (name and key ID not both matching a configured key) are skipped; a known key whose signature
 * fails rejects the whole note; a note with no verified signature is rejected. Codes:
 * SCHEMA_INVALID (malformed note or checkpoint), TOO_LARGE (over MAX_SMALL_PAYLOAD_BYTES or more
 * than MAX_NOTE_SIGNATURES lines), BAD_SIGNATURE (a known key's signature fails), UNKNOWN_SIGNER
 * (no signature from a known key), SIGNER_MISMATCH (checkpoint origin not the one expected).
 * Base64 is strict: standard alphabet, padded, canonical trailing bits.
 *
 * @example
 * ```ts
 * const body = formatCheckpoint({ origin: checkpointOrigin(signer.peerId), size, root })
 * const note = signNote(body, checkpointOrigin(signer.peerId), signer)
 * const { checkpoint } = openCheckpoint(note, [ed25519NoteKey(origin, publicKey)], origin)
 * ```
 *
 * @module
 */
import { createPublicKey, hash, verify as cryptoVerify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { ProtocolError } from './errors.ts'
import { MAX_SMALL_PAYLOAD_BYTES } from './limits.ts'
import { HASH_BYTES, emptyRoot } from './merkle.ts'
import type { Signer } from './types.ts'

/** Prefix of a Liaison node's checkpoint origin (and log key name). */
export const LIAISON_ORIGIN_PREFIX = 'liaison.local/'

/** Signature type byte of plain Ed25519 note signatures (c2sp.org/signed-note). */
export const ED25519_NOTE_SIGNATURE_TYPE = 0x01

/**
 * Most signature lines read from one note. The spec requires accepting at least 16.
 * (Belongs in limits.ts; kept here until it is added there.)
 */
export const MAX_NOTE_SIGNATURES = 32

const SIGNATURE_PREFIX = '\u2014 '
const ED25519_SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const DECIMAL = /^(?:0|[1-9][0-9]*)$/
// Below U+0020 other than newline: forbidden anywhere in a note.
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/
const UNICODE_SPACE = /\p{White_Space}/u
const utf8 = new TextEncoder()

/** The tree head a checkpoint commits to. */
export interface Checkpoint {
  origin: string
  size: number
  root: Uint8Array
  /** Extension lines after the root, without newlines; Liaison writes none. */
  extensions: string[]
}

/** A key `openNote` trusts. `keyId` defaults to the Ed25519 (type 0x01) key ID of name and key. */
export interface NoteKey {
  name: string
  publicKey: Uint8Array
  keyId?: number
  /** Checks `signature` (the bytes after the 4-byte key ID) over the note text. */
  verify: (text: Uint8Array, signature: Uint8Array) => boolean
}

/** One verified signature line. */
export interface NoteSignature {
  name: string
  keyId: number
  /** The signature bytes after the key ID (for cosignatures: timestamp ‖ signature). */
  signature: Uint8Array
}

export interface OpenedNote {
  /** The note text (the signed body), ending in a newline. */
  text: string
  verified: NoteSignature[]
  /** Signature lines skipped because no configured key matches their name and key ID. */
  unknown: number
}

/** The checkpoint origin (and key name) of a Liaison node. */
export function checkpointOrigin (peerId: string): string {
  if (typeof peerId !== 'string' || peerId === '' || !isKeyName(peerId)) {
    throw new TypeError('peerId must be a non-empty string without spaces or "+"')
  }
  return LIAISON_ORIGIN_PREFIX + peerId
}

/** Key names: non-empty, no Unicode spaces, no "+", no control characters. */
export function isKeyName (name: string): boolean {
  return typeof name === 'string' && name !== '' && name.isWellFormed() && !UNICODE_SPACE.test(name) &&
    !name.includes('+') && !CONTROL.test(name)
}

/** SHA-256(name ‖ 0x0A ‖ type ‖ publicKey)[:4] as a big-endian uint32. */
export function noteKeyHash (name: string, publicKey: Uint8Array, signatureType = ED25519_NOTE_SIGNATURE_TYPE): number {
  if (!isKeyName(name)) throw new TypeError('name must be a valid note key name')
  if (!(publicKey instanceof Uint8Array)) throw new TypeError('publicKey must be a Uint8Array')
  if (!Number.isInteger(signatureType) || signatureType < 0 || signatureType > 0xff) {
    throw new TypeError('signatureType must be a byte')
  }
  const nameBytes = utf8.encode(name)
  const data = new Uint8Array(nameBytes.length + 2 + publicKey.length)
  data.set(nameBytes)
  data[nameBytes.length] = 0x0a
  data[nameBytes.length + 1] = signatureType
  data.set(publicKey, nameBytes.length + 2)
  const digest = hash('sha256', data, 'buffer')
  return digest.readUInt32BE(0)
}

/** A node:crypto key object for a raw 32-byte Ed25519 public key. */
export function ed25519PublicKeyObject (publicKey: Uint8Array): KeyObject {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw new TypeError('publicKey must be a 32-byte Ed25519 public key')
  }
  const der = new Uint8Array(ED25519_SPKI_PREFIX.length + 32)
  der.set(ED25519_SPKI_PREFIX)
  der.set(publicKey, ED25519_SPKI_PREFIX.length)
  return createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' })
}

/** A NoteKey for plain Ed25519 note signatures (type 0x01) by `name`. */
export function ed25519NoteKey (name: string, publicKey: Uint8Array): NoteKey {
  const keyObject = ed25519PublicKeyObject(publicKey)
  return {
    name,
    publicKey,
    keyId: noteKeyHash(name, publicKey),
    verify: (text, signature) => signature.length === 64 && cryptoVerify(null, text, keyObject, signature)
  }
}

/** One signature line: `— <name> <base64(keyId ‖ signature)>\n`. */
export function formatSignatureLine (name: string, keyId: number, signature: Uint8Array): string {
  if (!isKeyName(name)) throw new TypeError('name must be a valid note key name')
  if (!Number.isInteger(keyId) || keyId < 0 || keyId > 0xffffffff) throw new TypeError('keyId must be a uint32')
  const bytes = Buffer.alloc(4 + signature.length)
  bytes.writeUInt32BE(keyId, 0)
  bytes.set(signature, 4)
  return `${SIGNATURE_PREFIX}${name} ${bytes.toString('base64')}\n`
}

function assertNoteText (text: string, field: string): void {
  if (typeof text !== 'string') throw new TypeError(`${field} must be a string`)
  if (!text.endsWith('\n')) throw new TypeError(`${field} must end with a newline`)
  if (!text.isWellFormed() || CONTROL.test(text)) throw new TypeError(`${field} has control characters or lone surrogates`)
}

/** Sign `body` with Ed25519 as `keyName`; returns the signed note (body, blank line, signature line). */
export function signNote (body: string, keyName: string, signer: Signer): string {
  assertNoteText(body, 'body')
  if (!(signer.publicKey instanceof Uint8Array) || signer.publicKey.length !== 32) {
    throw new TypeError('signer.publicKey must be a 32-byte Ed25519 public key')
  }
  const signature = signer.sign(utf8.encode(body))
  if (!(signature instanceof Uint8Array) || signature.length !== 64) {
    throw new TypeError('signer must return a 64-byte Ed25519 signature')
  }
  return `${body}\n${formatSignatureLine(keyName, noteKeyHash(keyName, signer.publicKey), signature)}`
}

function strictBase64 (text: string): Uint8Array | undefined {
  if (!STRICT_BASE64.test(text)) return undefined
  const bytes = Buffer.from(text, 'base64')
  return bytes.toString('base64') === text ? new Uint8Array(bytes) : undefined
}

/**
 * Split one signature line (without its newline) into name, key ID and signature bytes, or
 * undefined if it is not `— <valid key name> <strict base64 of at least 5 bytes>`.
 */
export function parseSignatureLine (line: string): NoteSignature | undefined {
  if (typeof line !== 'string') throw new TypeError('line must be a string')
  if (!line.startsWith(SIGNATURE_PREFIX)) return undefined
  const space = line.indexOf(' ', SIGNATURE_PREFIX.length)
  if (space < 0) return undefined
  const name = line.slice(SIGNATURE_PREFIX.length, space)
  const bytes = strictBase64(line.slice(space + 1))
  if (!isKeyName(name) || bytes === undefined || bytes.length < 5) return undefined
  const keyId = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0)
  return { name, keyId, signature: bytes.subarray(4) }
}

function decodeNoteText (note: string | Uint8Array): string {
  if (note instanceof Uint8Array) {
    if (note.length > MAX_SMALL_PAYLOAD_BYTES) throw new ProtocolError('TOO_LARGE', `note is over ${MAX_SMALL_PAYLOAD_BYTES} bytes`)
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(note)
    } catch (cause) {
      throw new ProtocolError('SCHEMA_INVALID', 'note is not valid UTF-8', { cause })
    }
  }
  if (typeof note !== 'string') throw new TypeError('note must be a string or a Uint8Array')
  if (note.length > MAX_SMALL_PAYLOAD_BYTES || Buffer.byteLength(note, 'utf8') > MAX_SMALL_PAYLOAD_BYTES) {
    throw new ProtocolError('TOO_LARGE', `note is over ${MAX_SMALL_PAYLOAD_BYTES} bytes`)
  }
  if (!note.isWellFormed()) throw new ProtocolError('SCHEMA_INVALID', 'note has a lone surrogate (not valid UTF-8)')
  return note
}

/**
 * Verify a signed note against trusted keys; returns its text and the signatures that verified.
 * Throws ProtocolError (see the module header) when the note must be rejected.
 */
export function openNote (note: string | Uint8Array, keys: readonly NoteKey[]): OpenedNote {
  if (!Array.isArray(keys)) throw new TypeError('keys must be an array')
  const known = new Map<string, NoteKey>()
  for (const key of keys) known.set(`${key.keyId ?? noteKeyHash(key.name, key.publicKey)} ${key.name}`, key)

  const message = decodeNoteText(note)
  if (CONTROL.test(message)) throw new ProtocolError('SCHEMA_INVALID', 'note has a control character')
  const split = message.lastIndexOf('\n\n')
  if (split < 0) throw new ProtocolError('SCHEMA_INVALID', 'note has no blank line before its signatures')
  const text = message.slice(0, split + 1)
  const block = message.slice(split + 2)
  if (block === '' || !block.endsWith('\n')) {
    throw new ProtocolError('SCHEMA_INVALID', 'note signatures must be newline-terminated lines')
  }
  const lines = block.slice(0, -1).split('\n')
  if (lines.length > MAX_NOTE_SIGNATURES) {
    throw new ProtocolError('TOO_LARGE', `note has over ${MAX_NOTE_SIGNATURES} signature lines`)
  }

  const textBytes = utf8.encode(text)
  const verified: NoteSignature[] = []
  const seen = new Set<string>()
  let unknown = 0
  lines.forEach((line, i) => {
    const parsed = parseSignatureLine(line)
    if (parsed === undefined) throw new ProtocolError('SCHEMA_INVALID', `note signature line ${i + 1} is malformed`)
    const { name, keyId, signature } = parsed
    const id = `${keyId} ${name}`
    const key = known.get(id)
    if (key === undefined) {
      unknown++
      return
    }
    if (seen.has(id)) return
    seen.add(id)
    if (!key.verify(textBytes, signature)) {
      throw new ProtocolError('BAD_SIGNATURE', `note signature line ${i + 1} (${name}) does not verify`)
    }
    verified.push({ name, keyId, signature })
  })
  if (verified.length === 0) throw new ProtocolError('UNKNOWN_SIGNER', 'note has no signature from a trusted key')
  return { text, verified, unknown }
}

/** The checkpoint body (note text) for a tree head. */
export function formatCheckpoint (checkpoint: { origin: string, size: number, root: Uint8Array, extensions?: readonly string[] }): string {
  const { origin, size, root, extensions = [] } = checkpoint
  if (typeof origin !== 'string' || origin === '' || origin.includes('\n')) {
    throw new TypeError('origin must be a non-empty single line')
  }
  if (!Number.isSafeInteger(size) || size < 0) throw new TypeError('size must be an integer in [0, 2^53 - 1]')
  if (!(root instanceof Uint8Array) || root.length !== HASH_BYTES) throw new TypeError(`root must be ${HASH_BYTES} bytes`)
  extensions.forEach((line, i) => {
    if (typeof line !== 'string' || line === '' || line.includes('\n')) {
      throw new TypeError(`extensions[${i}] must be a non-empty single line`)
    }
  })
  const body = [origin, String(size), Buffer.from(root).toString('base64'), ...extensions].join('\n') + '\n'
  assertNoteText(body, 'checkpoint')
  return body
}

/** Parse a checkpoint body strictly; throws ProtocolError SCHEMA_INVALID or TOO_LARGE. */
export function parseCheckpoint (text: string): Checkpoint {
  if (typeof text !== 'string') throw new TypeError('text must be a string')
  if (text.length > MAX_SMALL_PAYLOAD_BYTES || Buffer.byteLength(text, 'utf8') > MAX_SMALL_PAYLOAD_BYTES) {
    throw new ProtocolError('TOO_LARGE', `checkpoint is over ${MAX_SMALL_PAYLOAD_BYTES} bytes`)
  }
  if (!text.isWellFormed() || CONTROL.test(text)) {
    throw new ProtocolError('SCHEMA_INVALID', 'checkpoint has a control character or a lone surrogate')
  }
  if (!text.endsWith('\n')) throw new ProtocolError('SCHEMA_INVALID', 'checkpoint must end with a newline')
  const lines = text.slice(0, -1).split('\n')
  if (lines.length < 3) throw new ProtocolError('SCHEMA_INVALID', 'checkpoint needs origin, size and root lines')
  const [origin, sizeLine, rootLine, ...extensions] = lines
  if (origin === '') throw new ProtocolError('SCHEMA_INVALID', 'checkpoint origin is empty')
  if (!DECIMAL.test(sizeLine)) throw new ProtocolError('SCHEMA_INVALID', 'checkpoint size is not a decimal without leading zeros')
  const size = Number(sizeLine)
  if (!Number.isSafeInteger(size)) throw new ProtocolError('SCHEMA_INVALID', 'checkpoint size is above 2^53 - 1')
  const root = strictBase64(rootLine)
  if (root === undefined || root.length !== HASH_BYTES) {
    throw new ProtocolError('SCHEMA_INVALID', `checkpoint root is not ${HASH_BYTES} bytes of padded standard base64`)
  }
  if (size === 0 && !Buffer.from(root).equals(emptyRoot())) {
    throw new ProtocolError('SCHEMA_INVALID', 'checkpoint of size 0 must have the empty-tree root')
  }
  if (extensions.some((line) => line === '')) throw new ProtocolError('SCHEMA_INVALID', 'checkpoint has an empty extension line')
  return { origin, size, root, extensions }
}

/**
 * Open a signed checkpoint: verify the note, parse the body and, if `origin` is given, require
 * it (SIGNER_MISMATCH otherwise).
 */
export function openCheckpoint (
  note: string | Uint8Array,
  keys: readonly NoteKey[],
  origin?: string
): { checkpoint: Checkpoint, verified: NoteSignature[] } {
  const opened = openNote(note, keys)
  const checkpoint = parseCheckpoint(opened.text)
  if (origin !== undefined && checkpoint.origin !== origin) {
    throw new ProtocolError('SIGNER_MISMATCH', `checkpoint origin is not ${origin}`)
  }
  return { checkpoint, verified: opened.verified }
}
