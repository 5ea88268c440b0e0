/**
 * Ed25519 keys as node:crypto KeyObjects: verify keys built once from raw bytes or peer IDs,
 * SPKI PEM for public keys, PKCS#8 PEM for private keys, and signers.
 *
 * A KeyObject is parsed once and reused; verifying against a raw key would re-parse it on every
 * call. Raw keys are wrapped in the fixed DER prefixes of RFC 8410:
 *
 *     SPKI   302a300506032b6570032100 || 32-byte public key
 *     PKCS#8 302e020100300506032b657004220420 || 32-byte seed
 *
 * Nothing here judges whether a public key is a sensible curve point; trust-list admission
 * does that (`assertAdmissiblePublicKey` in ed25519.ts).
 *
 * @example
 * ```ts
 * const { signer, privateKeyPem } = generateSigner()
 * const key = verifyKeyFromPeerId(signer.peerId)
 * ```
 *
 * @module
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { ProtocolError } from './errors.ts'
import { peerIdFromPublicKey, publicKeyFromPeerId } from './peer-id.ts'
import type { Signer, VerifyKey } from './types.ts'

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

function checkBytes (value: Uint8Array, length: number, what: string): void {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array`)
  if (value.length !== length) throw new ProtocolError('BAD_KEY', `${what} is ${value.length} bytes, not ${length}`)
}

/** A node:crypto public KeyObject for a raw 32-byte Ed25519 public key. */
export function publicKeyObject (publicKey: Uint8Array): KeyObject {
  checkBytes(publicKey, 32, 'public key')
  const der = Buffer.concat([SPKI_PREFIX, publicKey])
  return createPublicKey({ key: der, format: 'der', type: 'spki' })
}

/** The raw 32-byte public key of an Ed25519 KeyObject (public, or private: its public half). */
function rawPublicKey (key: KeyObject): Uint8Array {
  const der = (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'der', type: 'spki' })
  if (der.length !== SPKI_PREFIX.length + 32 || !der.subarray(0, SPKI_PREFIX.length).equals(SPKI_PREFIX)) {
    throw new ProtocolError('BAD_KEY', 'not an Ed25519 key')
  }
  return new Uint8Array(der.subarray(SPKI_PREFIX.length))
}

/** A VerifyKey (peer ID, raw key, KeyObject) for a raw 32-byte public key. */
export function verifyKeyFromPublicKey (publicKey: Uint8Array): VerifyKey {
  checkBytes(publicKey, 32, 'public key')
  const raw = new Uint8Array(publicKey)
  return Object.freeze({ peerId: peerIdFromPublicKey(raw), publicKey: raw, keyObject: publicKeyObject(raw) })
}

/** A VerifyKey for the key inlined in an Ed25519 peer ID (throws BAD_PEER_ID otherwise). */
export function verifyKeyFromPeerId (peerId: string): VerifyKey {
  return verifyKeyFromPublicKey(publicKeyFromPeerId(peerId))
}

/** SPKI PEM ("-----BEGIN PUBLIC KEY-----") of a raw 32-byte public key. */
export function publicKeyToSpkiPem (publicKey: Uint8Array): string {
  return publicKeyObject(publicKey).export({ format: 'pem', type: 'spki' }) as string
}

/** The raw 32-byte key of an Ed25519 SPKI PEM; anything else (incl. private keys) is BAD_KEY. */
export function publicKeyFromSpkiPem (pem: string): Uint8Array {
  if (typeof pem !== 'string') throw new TypeError('pem must be a string')
  // createPublicKey would also accept a private key and derive its public half; a file that is
  // supposed to hold a public key must not silently hold a secret.
  if (!/^\s*-----BEGIN PUBLIC KEY-----/.test(pem)) throw new ProtocolError('BAD_KEY', 'not a PEM public key')
  let key: KeyObject
  try {
    key = createPublicKey({ key: pem, format: 'pem' })
  } catch (err) {
    throw new ProtocolError('BAD_KEY', 'unreadable PEM public key', { cause: err })
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new ProtocolError('BAD_KEY', `PEM public key is ${key.asymmetricKeyType ?? 'unknown'}, not ed25519`)
  return rawPublicKey(key)
}

/** A Signer for an Ed25519 private KeyObject; its peer ID is derived from the public half. */
export function createSigner (privateKey: KeyObject): Signer {
  if (privateKey?.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('privateKey must be an Ed25519 private KeyObject')
  }
  const publicKey = rawPublicKey(privateKey)
  return Object.freeze({
    peerId: peerIdFromPublicKey(publicKey),
    publicKey,
    sign: (data: Uint8Array): Uint8Array => {
      const sig = sign(null, data, privateKey)
      return new Uint8Array(sig.buffer, sig.byteOffset, sig.length)
    }
  })
}

/** A fresh key pair: its Signer and the private key as PKCS#8 PEM (to store). */
export function generateSigner (): { signer: Signer, privateKeyPem: string } {
  const { privateKey } = generateKeyPairSync('ed25519')
  return {
    signer: createSigner(privateKey),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string
  }
}

/** A Signer from a PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"); anything else is BAD_KEY. */
export function signerFromPkcs8Pem (pem: string): Signer {
  if (typeof pem !== 'string') throw new TypeError('pem must be a string')
  let key: KeyObject
  try {
    key = createPrivateKey({ key: pem, format: 'pem' })
  } catch (err) {
    throw new ProtocolError('BAD_KEY', 'unreadable PEM private key', { cause: err })
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new ProtocolError('BAD_KEY', `PEM private key is ${key.asymmetricKeyType ?? 'unknown'}, not ed25519`)
  return createSigner(key)
}

/** A Signer from a 32-byte RFC 8032 seed (the private key proper); used for fixed test keys. */
export function signerFromSeed (seed: Uint8Array): Signer {
  checkBytes(seed, 32, 'seed')
  const der = Buffer.concat([PKCS8_PREFIX, seed])
  return createSigner(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }))
}
