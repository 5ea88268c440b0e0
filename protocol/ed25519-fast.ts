/**
 * Fast Ed25519 verification with node:crypto's verdicts: libsodium (the sodium-native binding)
 * first, node:crypto for whatever libsodium rejects. And fast signing: Ed25519 signatures are
 * deterministic (RFC 8032), so libsodium's are byte for byte node:crypto's (`fastSigner`).
 *
 * libsodium verifies about 2.2 times as fast as node:crypto on this hardware (23 k against
 * 10.5 k verifications per second and core, `npm run bench`). Its `crypto_sign_verify_detached`
 * (1.0.20) accepts a signature only if
 *
 * 1. S < L;
 * 2. R is not a small-order point, in any encoding;
 * 3. A is a canonical encoding of a point that is not of small order;
 * 4. cofactorless: the canonical encoding of [S]B − [k]A equals R, with k = SHA-512(R ‖ A ‖ M)
 *    over the bytes as sent.
 *
 * Each is a rule of `opensslVerify` (ed25519.ts) or stricter than it (3: node:crypto decodes A
 * leniently), so whatever libsodium accepts node:crypto accepts. What libsodium rejects,
 * `fastVerify` hands to `opensslVerify`, so every rejection is node:crypto's own verdict. The
 * verdicts are therefore node:crypto's by construction; test/unit/ed25519-vectors.test.ts pins
 * them with every Wycheproof and speccheck case, and libsodium's own verdicts with them.
 *
 * `fastSigner` signs with libsodium (52 k against 28 k signatures per second and core here), the
 * secret key in libsodium's guarded memory. It checks before use that libsodium derives the same
 * public key from the seed and signs a probe exactly as node:crypto does; otherwise it returns
 * the node:crypto signer it was given.
 *
 * The binding is loaded on first use. Where it cannot load (no prebuilt binary for the
 * platform), or where the caller asks for node:crypto alone (`useLibsodium(false)`, e.g. an
 * auditor who does not want a second native library), `fastVerify` is `opensslVerify`;
 * `fastVerifierName()` says which is in use and why.
 *
 * @example
 * ```ts
 * if (!fastVerify(key, paeBytes, sig)) reject('BAD_SIGNATURE')
 * ```
 *
 * @module
 */
import { createRequire } from 'node:module'
import { opensslVerify } from './ed25519.ts'
import type { Signer, VerifyKey } from './types.ts'

/** The libsodium functions used. */
interface Libsodium {
  crypto_sign_verify_detached: (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean
  crypto_sign_seed_keypair: (publicKey: Uint8Array, secretKey: Uint8Array, seed: Uint8Array) => void
  crypto_sign_detached: (signature: Uint8Array, message: Uint8Array, secretKey: Uint8Array) => void
  sodium_malloc: (size: number) => Uint8Array
}

let sodium: Libsodium | null | undefined
let unavailable = ''
let enabled = true

function libsodium (): Libsodium | null {
  if (sodium === undefined) {
    try {
      const loaded = createRequire(import.meta.url)('sodium-native') as Partial<Libsodium>
      for (const name of ['crypto_sign_verify_detached', 'crypto_sign_seed_keypair', 'crypto_sign_detached', 'sodium_malloc'] as const) {
        if (typeof loaded[name] !== 'function') throw new Error(`sodium-native has no ${name}`)
      }
      sodium = loaded as Libsodium
    } catch (err) {
      sodium = null
      unavailable = (err as Error).message.split('\n')[0]
    }
  }
  return sodium
}

/** Use libsodium when it loads (the default), or node:crypto alone. Per thread. */
export function useLibsodium (on: boolean): void {
  enabled = on
}

/** Whether `fastVerify` uses libsodium on this thread. */
export function libsodiumInUse (): boolean {
  return enabled && libsodium() !== null
}

/** What `fastVerify` runs on this thread (or would run with libsodium switched `on` or off), for reports. */
export function fastVerifierName (on = enabled): string {
  if (!on) return 'node:crypto (OpenSSL)'
  if (libsodium() === null) return `node:crypto (OpenSSL); libsodium did not load: ${unavailable}`
  return 'libsodium (sodium-native), rejections confirmed by node:crypto (OpenSSL)'
}

function rawKey (publicKey: VerifyKey | Uint8Array): Uint8Array {
  return publicKey instanceof Uint8Array ? publicKey : publicKey.publicKey
}

/**
 * libsodium's own verdict (false for wrong lengths). Throws if the binding is not available:
 * for tests and benchmarks; verification goes through `fastVerify`.
 */
export function sodiumVerify (publicKey: VerifyKey | Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const lib = libsodium()
  if (lib === null) throw new Error(`libsodium is not available: ${unavailable}`)
  const key = rawKey(publicKey)
  if (key.length !== 32 || signature.length !== 64) return false
  return lib.crypto_sign_verify_detached(signature, message, key)
}

/**
 * True iff `signature` verifies under the key by node:crypto's rule (see the module header).
 * Pass a VerifyKey: its KeyObject serves the node:crypto path without re-parsing the key.
 */
export function fastVerify (publicKey: VerifyKey | Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (enabled && signature.length === 64) {
    const lib = libsodium()
    const key = rawKey(publicKey)
    if (lib !== null && key.length === 32 && message instanceof Uint8Array && lib.crypto_sign_verify_detached(signature, message, key)) return true
  }
  return opensslVerify(publicKey, message, signature)
}

const PROBE = new TextEncoder().encode('liaison fastSigner probe: libsodium and node:crypto must sign alike')

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}

/**
 * `signer` (node:crypto), signing with libsodium instead where it loads and agrees: the same
 * public key from `seed` (the 32-byte RFC 8032 private key behind `signer`) and the same
 * signature of a probe. Otherwise, or with libsodium switched off, `signer` itself.
 */
export function fastSigner (signer: Signer, seed: Uint8Array): Signer {
  const lib = enabled ? libsodium() : null
  if (lib === null || seed.length !== 32) return signer
  const publicKey = new Uint8Array(32)
  const secretKey = lib.sodium_malloc(64)
  lib.crypto_sign_seed_keypair(publicKey, secretKey, seed)
  const sign = (data: Uint8Array): Uint8Array => {
    const sig = new Uint8Array(64)
    lib.crypto_sign_detached(sig, data, secretKey)
    return sig
  }
  if (!equalBytes(publicKey, signer.publicKey) || !equalBytes(sign(PROBE), signer.sign(PROBE))) return signer
  return Object.freeze({ peerId: signer.peerId, publicKey: signer.publicKey, sign })
}
