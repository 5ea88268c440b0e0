/**
 * The part of node:crypto the protocol layer and the bundle checks use, for the browser bundle
 * (esbuild aliases `node:crypto` here): synchronous SHA-256/512 from @noble/hashes (the protocol
 * code hashes synchronously; whole files are hashed with WebCrypto by the page itself), Ed25519
 * public keys as raw bytes in SPKI/PEM clothing, and `verify` as protocol/ed25519.ts's
 * `nobleVerify` — the independent implementation of node:crypto's exact verdicts, pinned by the
 * Wycheproof and speccheck vectors (test/unit/browser-verifier.test.ts).
 *
 * @module
 */
import { sha256, sha512 } from '@noble/hashes/sha2.js'
import { nobleVerify } from '../../protocol/ed25519.ts'

const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])
const utf8 = new TextEncoder()

function bytes (data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? utf8.encode(data) : data
}

function digest (algorithm: string, data: Uint8Array | string): Uint8Array {
  const a = algorithm.toLowerCase()
  if (a === 'sha256') return sha256(bytes(data))
  if (a === 'sha512') return sha512(bytes(data))
  throw new Error(`browser shim: no hash ${algorithm}`)
}

function encode (out: Uint8Array, encoding?: string): Buffer | string {
  const b = Buffer.from(out.buffer, out.byteOffset, out.byteLength)
  if (encoding === undefined || encoding === 'buffer') return b
  return b.toString(encoding as BufferEncoding)
}

export function hash (algorithm: string, data: Uint8Array | string, encoding = 'hex'): Buffer | string {
  return encode(digest(algorithm, data), encoding)
}

export function createHash (algorithm: string): { update: (d: Uint8Array | string) => unknown, digest: (e?: string) => Buffer | string } {
  const parts: Uint8Array[] = []
  const h = {
    update (d: Uint8Array | string) {
      parts.push(bytes(d))
      return h
    },
    digest (e?: string) {
      return encode(digest(algorithm, Buffer.concat(parts)), e)
    }
  }
  return h
}

export class KeyObject {
  readonly type = 'public'
  readonly asymmetricKeyType = 'ed25519'
  readonly raw: Uint8Array
  constructor (raw: Uint8Array) {
    this.raw = raw
  }

  export (opts: { format: string }): Buffer | string {
    const der = Buffer.concat([SPKI_PREFIX, this.raw])
    if (opts.format === 'der') return der
    const b64 = der.toString('base64')
    return `-----BEGIN PUBLIC KEY-----\n${b64}\n-----END PUBLIC KEY-----\n`
  }
}

export function createPublicKey (input: KeyObject | { key: Uint8Array | string, format?: string }): KeyObject {
  if (input instanceof KeyObject) return input
  let der: Uint8Array
  if (typeof input.key === 'string') {
    const m = /-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]+)-----END PUBLIC KEY-----/.exec(input.key)
    if (m == null) throw new Error('unsupported PEM')
    der = Buffer.from(m[1].replace(/\s+/g, ''), 'base64')
  } else {
    der = input.key
  }
  if (der.length !== SPKI_PREFIX.length + 32 || !SPKI_PREFIX.every((b, i) => der[i] === b)) throw new Error('not an Ed25519 SPKI public key')
  return new KeyObject(new Uint8Array(der.subarray(SPKI_PREFIX.length)))
}

export function verify (_algorithm: null | undefined, data: Uint8Array, key: KeyObject, signature: Uint8Array): boolean {
  return nobleVerify(key.raw, data, signature)
}

export function createPrivateKey (): never {
  throw new Error('browser shim: no private keys')
}
export function generateKeyPairSync (): never {
  throw new Error('browser shim: no private keys')
}
export function sign (): never {
  throw new Error('browser shim: no signing')
}
export function timingSafeEqual (): never {
  throw new Error('browser shim: not available')
}
export function randomUUID (): string {
  return crypto.randomUUID()
}
