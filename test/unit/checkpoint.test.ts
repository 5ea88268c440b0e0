import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../../protocol/errors.ts'
import type { ReasonCode } from '../../protocol/errors.ts'
import { emptyRoot, leafHash } from '../../protocol/merkle.ts'
import {
  MAX_NOTE_SIGNATURES,
  checkpointOrigin,
  ed25519NoteKey,
  formatCheckpoint,
  formatSignatureLine,
  noteKeyHash,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  signNote
} from '../../protocol/checkpoint.ts'
import {
  cosign,
  cosignatureKeyId,
  cosignatureNoteKey,
  cosignatureTime,
  cosignedMessage,
  verifyCosignature
} from '../../protocol/cosignature.ts'
import type { Signer } from '../../protocol/types.ts'

const b64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'))

function signerFromKey (privateKey: KeyObject): Signer {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' })
  return {
    peerId: 'test-peer',
    publicKey: new Uint8Array(Buffer.from(jwk.x as string, 'base64url')),
    sign: (data) => new Uint8Array(cryptoSign(null, data, privateKey))
  }
}

function signerFromSeed (seed: Uint8Array): Signer {
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed])
  return signerFromKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }))
}

const newSigner = (): Signer => signerFromKey(generateKeyPairSync('ed25519').privateKey)

function codeOf (fn: () => unknown): ReasonCode | string {
  try {
    fn()
  } catch (err) {
    return err instanceof ProtocolError ? err.code : `not a ProtocolError: ${String(err)}`
  }
  return 'no error'
}

// golang.org/x/mod/sumdb/note: the PeterNeumann example (note.go package doc and note_test.go).
const PETER = {
  name: 'PeterNeumann',
  keyId: 0xc74f20a3,
  publicKey: b64('ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW').subarray(1),
  seed: b64('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz').subarray(1),
  text: "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n",
  signature: 'x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM='
}
const PETER_NOTE = `${PETER.text}\n— PeterNeumann ${PETER.signature}\n`

describe('signed note known answers (golang.org/x/mod/sumdb/note)', () => {
  it('derives the Ed25519 key ID c74f20a3 for PeterNeumann', () => {
    expect(noteKeyHash(PETER.name, PETER.publicKey)).toBe(PETER.keyId)
  })

  it('derives key IDs of transparency-dev/formats test keys for types 0x01 and 0x04', () => {
    const plus = b64('AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6')
    expect(plus[0]).toBe(0x01)
    expect(noteKeyHash('TEST', plus.subarray(1))).toBe(0x7997405c)
    const remora = b64('BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2')
    expect(remora[0]).toBe(0x04)
    expect(cosignatureKeyId('remora.n621.de', remora.subarray(1))).toBe(0xda77ade7)
  })

  it('signs the example text into the Go note byte for byte', () => {
    expect(signNote(PETER.text, PETER.name, signerFromSeed(PETER.seed))).toBe(PETER_NOTE)
  })

  it('opens the Go note and reports the verified signer', () => {
    const opened = openNote(PETER_NOTE, [ed25519NoteKey(PETER.name, PETER.publicKey)])
    expect(opened.text).toBe(PETER.text)
    expect(opened.verified.map((s) => [s.name, s.keyId])).toEqual([[PETER.name, PETER.keyId]])
    expect(opened.unknown).toBe(0)
  })

  it('opens the same note given as UTF-8 bytes', () => {
    expect(openNote(new TextEncoder().encode(PETER_NOTE), [ed25519NoteKey(PETER.name, PETER.publicKey)]).text).toBe(PETER.text)
  })

  it('rejects a one-letter change in the text with BAD_SIGNATURE', () => {
    const tampered = PETER_NOTE.replace('cryptography', 'cryptographY')
    expect(codeOf(() => openNote(tampered, [ed25519NoteKey(PETER.name, PETER.publicKey)]))).toBe('BAD_SIGNATURE')
  })
})

describe('openNote signer handling', () => {
  const log = newSigner()
  const other = newSigner()
  const body = 'a\nb\n'
  const logKey = ed25519NoteKey('log.example/a', log.publicKey)
  const note = signNote(body, 'log.example/a', log)
  const otherLine = signNote(body, 'other.example/b', other).slice(body.length + 1)

  it('ignores signatures from unknown keys and counts them', () => {
    const opened = openNote(note + otherLine, [logKey])
    expect(opened.verified.map((s) => s.name)).toEqual(['log.example/a'])
    expect(opened.unknown).toBe(1)
  })

  it('treats a known name with another key ID as unknown', () => {
    const impostor = signNote(body, 'log.example/a', other)
    expect(codeOf(() => openNote(impostor, [logKey]))).toBe('UNKNOWN_SIGNER')
  })

  it('rejects a note no trusted key signed with UNKNOWN_SIGNER', () => {
    expect(codeOf(() => openNote(note, [ed25519NoteKey('other.example/b', other.publicKey)]))).toBe('UNKNOWN_SIGNER')
    expect(codeOf(() => openNote(note, []))).toBe('UNKNOWN_SIGNER')
  })

  it("rejects the whole note when a trusted key's signature fails, even beside a good one", () => {
    const bad = formatSignatureLine('other.example/b', noteKeyHash('other.example/b', other.publicKey), new Uint8Array(64))
    const keys = [logKey, ed25519NoteKey('other.example/b', other.publicKey)]
    expect(codeOf(() => openNote(note + bad, keys))).toBe('BAD_SIGNATURE')
  })

  it('verifies a repeated signature line once', () => {
    const line = note.slice(body.length + 1)
    expect(openNote(note + line, [logKey]).verified).toHaveLength(1)
  })

  it('verifies several trusted signers', () => {
    const opened = openNote(note + otherLine, [logKey, ed25519NoteKey('other.example/b', other.publicKey)])
    expect(opened.verified.map((s) => s.name)).toEqual(['log.example/a', 'other.example/b'])
  })

  it('takes the LAST blank line as the split, so the text may hold blank lines', () => {
    const text = 'x\n\ny\n'
    expect(openNote(signNote(text, 'log.example/a', log), [logKey]).text).toBe(text)
  })
})

describe('openNote rejects malformed notes with SCHEMA_INVALID or TOO_LARGE', () => {
  const log = newSigner()
  const keys = [ed25519NoteKey('log.example/a', log.publicKey)]
  const body = 'a\nb\n'
  const note = signNote(body, 'log.example/a', log)
  const sig = note.slice(note.lastIndexOf(' ') + 1, -1)

  const malformed: Array<[string, string]> = [
    ['no blank line', note.replace('\n\n', '\n')],
    ['no final newline', note.slice(0, -1)],
    ['a hyphen instead of the em dash', note.replace('—', '-')],
    ['no space after the em dash', note.replace('— ', '—')],
    ['a name with "+"', `${body}\n— log.example+a ${sig}\n`],
    ['an empty name', `${body}\n—  ${sig}\n`],
    ['unpadded base64', `${body}\n— log.example/a ${sig.replace(/=+$/, '')}\n`],
    ['URL-safe base64', `${body}\n— log.example/a ${Buffer.from(sig, 'base64').toString('base64url')}\n`],
    ['a signature of 4 bytes', `${body}\n— log.example/a AAAAAA==\n`],
    ['a trailing space', note.slice(0, -1) + ' \n'],
    ['an empty signature line', note + '\n'],
    ['a tab in the text', 'a\tb\n\n' + note.slice(body.length + 1)],
    ['a carriage return', note.replace('a\n', 'a\r\n')],
    ['a lone surrogate', 'a\uD800\n\n' + note.slice(body.length + 1)]
  ]
  it.each(malformed)('rejects %s', (_what, text) => {
    expect(codeOf(() => openNote(text, keys))).toBe('SCHEMA_INVALID')
  })

  it('rejects bytes that are not UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from([0xff]), Buffer.from(note)])
    expect(codeOf(() => openNote(bytes, keys))).toBe('SCHEMA_INVALID')
  })

  it(`rejects more than ${MAX_NOTE_SIGNATURES} signature lines with TOO_LARGE`, () => {
    const line = note.slice(body.length + 1)
    expect(codeOf(() => openNote(note + line.repeat(MAX_NOTE_SIGNATURES), keys))).toBe('TOO_LARGE')
  })

  it('rejects a note over 64 KiB with TOO_LARGE', () => {
    expect(codeOf(() => openNote('x'.repeat(70_000) + '\n' + note, keys))).toBe('TOO_LARGE')
  })
})

describe('checkpoints', () => {
  const root = leafHash(new TextEncoder().encode('root'))
  const rootB64 = Buffer.from(root).toString('base64')
  // The 43rd character of 32 bytes in base64 carries 4 data bits and 2 unused ones (zero when canonical).
  const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

  it('formats origin, size and base64 root as three lines and nothing else', () => {
    expect(formatCheckpoint({ origin: 'liaison.local/12D3KooWx', size: 1234, root }))
      .toBe(`liaison.local/12D3KooWx\n1234\n${rootB64}\n`)
  })

  it('builds the Liaison origin from a peer ID', () => {
    expect(checkpointOrigin('12D3KooWx')).toBe('liaison.local/12D3KooWx')
    expect(() => checkpointOrigin('a b')).toThrow(TypeError)
  })

  it('parses the tlog-checkpoint spec example', () => {
    const cp = parseCheckpoint('example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n')
    expect(cp.origin).toBe('example.com/behind-the-sofa')
    expect(cp.size).toBe(20852163)
    expect(Buffer.from(cp.root).toString('base64')).toBe('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=')
    expect(cp.extensions).toEqual([])
  })

  it('round-trips extension lines', () => {
    const text = formatCheckpoint({ origin: 'o', size: 5, root, extensions: ['ext one', 'x'] })
    expect(parseCheckpoint(text)).toEqual({ origin: 'o', size: 5, root, extensions: ['ext one', 'x'] })
  })

  it('accepts the empty tree only with the empty root', () => {
    const empty = Buffer.from(emptyRoot()).toString('base64')
    expect(parseCheckpoint(`o\n0\n${empty}\n`).size).toBe(0)
    expect(codeOf(() => parseCheckpoint(`o\n0\n${rootB64}\n`))).toBe('SCHEMA_INVALID')
  })

  const bad: Array<[string, string]> = [
    ['a leading zero in the size', `o\n012\n${rootB64}\n`],
    ['a negative size', `o\n-1\n${rootB64}\n`],
    ['a size with a plus sign', `o\n+1\n${rootB64}\n`],
    ['a size above 2^53 - 1', `o\n9007199254740992\n${rootB64}\n`],
    ['an empty origin', `\n1\n${rootB64}\n`],
    ['a missing final newline', `o\n1\n${rootB64}`],
    ['only two lines', 'o\n1\n'],
    ['a 31-byte root', `o\n1\n${Buffer.alloc(31, 1).toString('base64')}\n`],
    ['an unpadded root', `o\n1\n${rootB64.replace(/=$/, '')}\n`],
    ['non-zero unused bits in the root', `o\n1\n${rootB64.slice(0, 42)}${B64_ALPHABET[B64_ALPHABET.indexOf(rootB64[42]) + 1]}=\n`],
    ['an empty extension line', `o\n1\n${rootB64}\n\n`],
    ['CRLF line ends', `o\r\n1\r\n${rootB64}\r\n`]
  ]
  it.each(bad)('rejects %s with SCHEMA_INVALID', (_what, text) => {
    expect(codeOf(() => parseCheckpoint(text))).toBe('SCHEMA_INVALID')
  })

  it('throws TypeError when formatting with a bad size or root (caller bugs)', () => {
    expect(() => formatCheckpoint({ origin: 'o', size: -1, root })).toThrow(TypeError)
    expect(() => formatCheckpoint({ origin: 'o', size: 1, root: new Uint8Array(31) })).toThrow(TypeError)
    expect(() => formatCheckpoint({ origin: 'o\nx', size: 1, root })).toThrow(TypeError)
  })

  it('signs and opens a checkpoint under its origin, rejecting another origin with SIGNER_MISMATCH', () => {
    const signer = newSigner()
    const origin = checkpointOrigin('12D3KooWnode')
    const note = signNote(formatCheckpoint({ origin, size: 7, root }), origin, signer)
    const keys = [ed25519NoteKey(origin, signer.publicKey)]
    const { checkpoint, verified } = openCheckpoint(note, keys, origin)
    expect(checkpoint.size).toBe(7)
    expect(verified[0].name).toBe(origin)
    expect(codeOf(() => openCheckpoint(note, keys, 'liaison.local/someone-else'))).toBe('SIGNER_MISMATCH')
  })
})

describe('cosignatures (c2sp.org/tlog-cosignature, Ed25519 v1)', () => {
  const log = newSigner()
  const witness = newSigner()
  const origin = 'liaison.local/12D3KooWlog'
  const body = formatCheckpoint({ origin, size: 42, root: leafHash(new Uint8Array([1])) })
  const name = 'witness.example/w1'
  const time = 1_700_000_000

  it('reads the timestamps of the transparency-dev and C2SP example cosignatures', () => {
    const go = b64('ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==')
    expect(cosignatureTime(go.subarray(4))).toBe(1727964367)
    const spec = b64('jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==')
    expect(cosignatureTime(spec.subarray(4))).toBe(1679315147)
    expect(cosignatureTime(new Uint8Array(71))).toBeUndefined()
  })

  it('signs "cosignature/v1\\ntime <t>\\n" + body and lays out key ID ‖ u64 time ‖ signature', () => {
    const line = cosign(body, name, witness, time)
    expect(line.startsWith(`— ${name} `)).toBe(true)
    expect(line.endsWith('\n')).toBe(true)
    const bytes = Buffer.from(line.slice(`— ${name} `.length, -1), 'base64')
    expect(bytes.length).toBe(4 + 8 + 64)
    expect(bytes.readUInt32BE(0)).toBe(cosignatureKeyId(name, witness.publicKey))
    expect(bytes.readBigUInt64BE(4)).toBe(BigInt(time))
    const message = Buffer.from(`cosignature/v1\ntime ${time}\n${body}`)
    expect(Buffer.from(cosignedMessage(body, time)).equals(message)).toBe(true)
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(witness.publicKey).toString('base64url') }, format: 'jwk' })
    expect(cryptoVerify(null, message, publicKey, bytes.subarray(12))).toBe(true)
  })

  it('verifies a cosignature line and returns its time, with or without the newline', () => {
    const line = cosign(body, name, witness, time)
    expect(verifyCosignature(line, body, name, witness.publicKey)).toEqual({ ok: true, time })
    expect(verifyCosignature(line.slice(0, -1), body, name, witness.publicKey)).toEqual({ ok: true, time })
  })

  it('answers ok: false for another body, name, key, or a changed timestamp', () => {
    const line = cosign(body, name, witness, time)
    const other = formatCheckpoint({ origin, size: 43, root: leafHash(new Uint8Array([1])) })
    expect(verifyCosignature(line, other, name, witness.publicKey).ok).toBe(false)
    expect(verifyCosignature(line, body, 'witness.example/w2', witness.publicKey).ok).toBe(false)
    expect(verifyCosignature(line, body, name, log.publicKey).ok).toBe(false)
    const bytes = Buffer.from(line.slice(`— ${name} `.length, -1), 'base64')
    bytes.writeBigUInt64BE(BigInt(time + 1), 4)
    expect(verifyCosignature(`— ${name} ${bytes.toString('base64')}`, body, name, witness.publicKey).ok).toBe(false)
    expect(verifyCosignature('garbage', body, name, witness.publicKey).ok).toBe(false)
  })

  it('answers ok: false for a timestamp beyond 2^53 - 1 rather than rounding it', () => {
    const big = 2n ** 60n
    const privateKey = generateKeyPairSync('ed25519').privateKey
    const signer = signerFromKey(privateKey)
    const sig = cryptoSign(null, Buffer.from(`cosignature/v1\ntime ${big}\n${body}`), privateKey)
    const payload = Buffer.alloc(76)
    payload.writeUInt32BE(cosignatureKeyId(name, signer.publicKey), 0)
    payload.writeBigUInt64BE(big, 4)
    sig.copy(payload, 12)
    expect(verifyCosignature(`— ${name} ${payload.toString('base64')}`, body, name, signer.publicKey)).toEqual({ ok: false })
  })

  it('refuses to cosign text that is not a checkpoint', () => {
    expect(codeOf(() => cosign('hello\n', name, witness, time))).toBe('SCHEMA_INVALID')
  })

  it('lets openNote verify log signature and cosignature together; a plain key ignores the cosignature', () => {
    const note = signNote(body, origin, log) + cosign(body, name, witness, time)
    const opened = openNote(note, [ed25519NoteKey(origin, log.publicKey), cosignatureNoteKey(name, witness.publicKey)])
    expect(opened.verified.map((s) => s.name)).toEqual([origin, name])
    expect(cosignatureTime(opened.verified[1].signature)).toBe(time)
    // The same public key as a type-0x01 key has another key ID, so the cosignature is unknown to it.
    const plain = openNote(note, [ed25519NoteKey(origin, log.publicKey), ed25519NoteKey(name, witness.publicKey)])
    expect(plain.verified.map((s) => s.name)).toEqual([origin])
    expect(plain.unknown).toBe(1)
  })

  it('rejects a note whose trusted cosignature was made over another body with BAD_SIGNATURE', () => {
    const other = formatCheckpoint({ origin, size: 43, root: leafHash(new Uint8Array([1])) })
    const note = signNote(body, origin, log) + cosign(other, name, witness, time)
    const keys = [ed25519NoteKey(origin, log.publicKey), cosignatureNoteKey(name, witness.publicKey)]
    expect(codeOf(() => openNote(note, keys))).toBe('BAD_SIGNATURE')
  })
})
