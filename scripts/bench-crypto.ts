/**
 * Micro-benchmark of the signing layer, 1 KiB payloads: raw node:crypto and raw noble Ed25519
 * sign/verify, raw libsodium sign and verify (what the node signs with, and the node and
 * `audit verify` verify with: protocol/ed25519-fast.ts), and DSSE envelope sign/verify (PAE + signature; verify also with
 * the digest), plus the envelope/raw ratios. The envelope target is ≥ 0.9× raw verify.
 *
 * Each envelope figure is measured interleaved with its raw counterpart (alternating slices),
 * so a neighbour's load hits both sides of a ratio alike.
 *
 *     node scripts/bench-crypto.ts [seconds]     # default 2 s per figure
 *
 * @module
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import { nobleVerify } from '../protocol/ed25519.ts'
import { fastSigner, sodiumVerify } from '../protocol/ed25519-fast.ts'
import { decodeEnvelope, encodeEnvelope, pae, signEnvelope, verifyEnvelope, verifyEnvelopeDigest } from '../protocol/envelope.ts'
import { createSigner, verifyKeyFromPublicKey } from '../protocol/keys.ts'
import { PAYLOAD_TYPES } from '../protocol/types.ts'

export interface CryptoFigure {
  /** Stable key, e.g. `raw.verify`, `envelope.verify`, `ratio.verify`. */
  id: string
  name: string
  value: number
  unit: 'ops/s' | 'ratio'
}

/** Runs `fn` in slices until `seconds` have passed; returns operations per second. */
function rate (fn: () => void, seconds: number): number {
  const until = performance.now() + seconds * 1000
  let ops = 0
  let start = performance.now()
  const begin = start
  while (start < until) {
    for (let i = 0; i < 20; i++) fn()
    ops += 20
    start = performance.now()
  }
  return ops / ((start - begin) / 1000)
}

/** Measures a and b in alternating slices; returns both rates. */
function paired (a: () => void, b: () => void, seconds: number): [number, number] {
  const slices = Math.max(2, Math.round(seconds * 4))
  let ra = 0
  let rb = 0
  for (let i = 0; i < slices; i++) {
    ra += rate(a, seconds / slices / 2)
    rb += rate(b, seconds / slices / 2)
  }
  return [ra / slices, rb / slices]
}

export async function runCryptoBench (opts: { seconds: number }): Promise<CryptoFigure[]> {
  const seconds = opts.seconds
  ed.hashes.sha512 ??= sha512
  const payload = new Uint8Array(1024).fill(0x61)
  const type = PAYLOAD_TYPES.message
  const paeBytes = pae(type, payload)

  const { privateKey } = generateKeyPairSync('ed25519')
  const signer = createSigner(privateKey)
  const key = verifyKeyFromPublicKey(signer.publicKey)
  const rawSig = sign(null, paeBytes, privateKey)
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url')
  const sodiumSigner = fastSigner(signer, seed)
  if (sodiumSigner === signer) throw new Error('libsodium signing is not available')
  const env = signEnvelope(type, payload, signer)
  const wire = encodeEnvelope(env)

  const nobleSecret = ed.utils.randomSecretKey()
  const noblePublic = ed.getPublicKey(nobleSecret)
  const nobleSig = ed.sign(paeBytes, nobleSecret)

  // Warm up every path before timing.
  for (let i = 0; i < 200; i++) {
    verify(null, paeBytes, key.keyObject, rawSig)
    verifyEnvelope(env, key)
    signEnvelope(type, payload, signer)
  }

  const [rawSign, envSign] = paired(
    () => sign(null, paeBytes, privateKey),
    () => signEnvelope(type, payload, signer),
    seconds
  )
  const [rawVerify, envVerify] = paired(
    () => verify(null, paeBytes, key.keyObject, rawSig),
    () => verifyEnvelope(env, key),
    seconds
  )
  const [rawVerify2, envVerifyDigest] = paired(
    () => verify(null, paeBytes, key.keyObject, rawSig),
    () => verifyEnvelopeDigest(env, key),
    seconds
  )
  const [rawVerify3, decodeVerifyDigest] = paired(
    () => verify(null, paeBytes, key.keyObject, rawSig),
    () => verifyEnvelopeDigest(decodeEnvelope(wire), key),
    seconds
  )
  const [rawSign2, sodiumSignRate] = paired(
    () => sign(null, paeBytes, privateKey),
    () => sodiumSigner.sign(paeBytes),
    seconds
  )
  const [rawVerify4, sodiumVerifyRate] = paired(
    () => verify(null, paeBytes, key.keyObject, rawSig),
    () => sodiumVerify(key, paeBytes, rawSig),
    seconds
  )
  const nobleSignRate = rate(() => ed.sign(paeBytes, nobleSecret), seconds / 2)
  const nobleVerifyRate = rate(() => ed.verify(nobleSig, paeBytes, noblePublic, { zip215: false }), seconds / 2)
  const nobleOursRate = rate(() => nobleVerify(noblePublic, paeBytes, nobleSig), seconds / 2)

  return [
    { id: 'raw.sign', name: 'node:crypto Ed25519 sign, 1 KiB', value: rawSign, unit: 'ops/s' },
    { id: 'raw.verify', name: 'node:crypto Ed25519 verify, 1 KiB', value: rawVerify, unit: 'ops/s' },
    { id: 'libsodium.verify', name: 'libsodium Ed25519 verify, 1 KiB', value: sodiumVerifyRate, unit: 'ops/s' },
    { id: 'libsodium.sign', name: 'libsodium Ed25519 sign (fastSigner), 1 KiB', value: sodiumSignRate, unit: 'ops/s' },
    { id: 'noble.sign', name: 'noble Ed25519 sign, 1 KiB', value: nobleSignRate, unit: 'ops/s' },
    { id: 'noble.verify', name: 'noble Ed25519 verify (zip215: false), 1 KiB', value: nobleVerifyRate, unit: 'ops/s' },
    { id: 'noble.ours', name: 'nobleVerify (node:crypto rules on noble), 1 KiB', value: nobleOursRate, unit: 'ops/s' },
    { id: 'envelope.sign', name: 'envelope sign (PAE + sign), 1 KiB', value: envSign, unit: 'ops/s' },
    { id: 'envelope.verify', name: 'envelope verify (PAE + verify), 1 KiB', value: envVerify, unit: 'ops/s' },
    { id: 'envelope.verifyDigest', name: 'envelope verify + digest, 1 KiB', value: envVerifyDigest, unit: 'ops/s' },
    { id: 'envelope.decodeVerifyDigest', name: 'envelope decode + verify + digest, 1 KiB', value: decodeVerifyDigest, unit: 'ops/s' },
    { id: 'ratio.sign', name: 'envelope sign / raw sign', value: envSign / rawSign, unit: 'ratio' },
    { id: 'ratio.verify', name: 'envelope verify / raw verify (target ≥ 0.9)', value: envVerify / rawVerify, unit: 'ratio' },
    { id: 'ratio.verifyDigest', name: 'envelope verify + digest / raw verify', value: envVerifyDigest / rawVerify2, unit: 'ratio' },
    { id: 'ratio.decodeVerifyDigest', name: 'envelope decode + verify + digest / raw verify', value: decodeVerifyDigest / rawVerify3, unit: 'ratio' },
    { id: 'ratio.libsodiumVerify', name: 'libsodium verify / node:crypto verify', value: sodiumVerifyRate / rawVerify4, unit: 'ratio' },
    { id: 'ratio.libsodiumSign', name: 'libsodium sign / node:crypto sign', value: sodiumSignRate / rawSign2, unit: 'ratio' },
    { id: 'ratio.nodeVsNoble', name: 'node:crypto verify / noble verify', value: rawVerify / nobleVerifyRate, unit: 'ratio' }
  ]
}

function format (f: CryptoFigure): string {
  const value = f.unit === 'ratio' ? f.value.toFixed(3) : Math.round(f.value).toLocaleString('en-US')
  return `${f.name.padEnd(52)} ${value.padStart(10)} ${f.unit === 'ratio' ? '' : f.unit}`
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const seconds = Number(process.argv[2] ?? 2)
  for (const figure of await runCryptoBench({ seconds })) console.log(format(figure))
}
