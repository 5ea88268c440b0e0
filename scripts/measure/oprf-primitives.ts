/**
 * Measures the ristretto255 primitives the OPRF layer could use: @noble/curves'
 * `ristretto255_oprf` (blind, blind evaluate, finalize, batched VOPRF) against libsodium's
 * (`libsodium-wrappers-sumo`) scalar multiplication and hash-to-group. One core, single thread.
 *
 *   npx node scripts/measure/oprf-primitives.ts [iterations]
 *
 * @module
 */
import { createRequire } from 'node:module'
import { ristretto255_oprf as noble } from '@noble/curves/ed25519.js'
import { randomBytes } from 'node:crypto'

const n = Number(process.argv[2] ?? 300)
const require = createRequire(import.meta.url)
const sodium = require('libsodium-wrappers-sumo') as {
  ready: Promise<void>,
  crypto_scalarmult_ristretto255: (s: Uint8Array, p: Uint8Array) => Uint8Array,
  crypto_core_ristretto255_from_hash: (h: Uint8Array) => Uint8Array,
  crypto_core_ristretto255_scalar_random: () => Uint8Array
}
await sodium.ready

function time (label: string, fn: () => void): void {
  for (let i = 0; i < Math.min(20, n); i++) fn()
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) fn()
  const us = Number(process.hrtime.bigint() - t0) / 1000 / n
  console.log(`${label.padEnd(48)} ${(us / 1000).toFixed(3)} ms  ${Math.round(1e6 / us)} /s`)
}

const keys = noble.voprf.generateKeyPair()
const input = randomBytes(16)
const b = noble.voprf.blind(input)
const ev = noble.voprf.blindEvaluate(keys.secretKey, keys.publicKey, b.blinded)
time('noble oprf.blind', () => noble.oprf.blind(input))
time('noble oprf.blindEvaluate', () => noble.oprf.blindEvaluate(keys.secretKey, b.blinded))
time('noble oprf.finalize', () => noble.oprf.finalize(input, b.blind, ev.evaluated))
time('noble voprf.blindEvaluate (with proof)', () => noble.voprf.blindEvaluate(keys.secretKey, keys.publicKey, b.blinded))
time('noble voprf.finalize (verify proof)', () => noble.voprf.finalize(input, b.blind, ev.evaluated, b.blinded, keys.publicKey, ev.proof))
const batch = Array.from({ length: 100 }, () => noble.voprf.blind(randomBytes(16)))
const saved = n
const bn = Math.max(3, Math.round(n / 100))
const t0 = process.hrtime.bigint()
for (let i = 0; i < bn; i++) noble.voprf.blindEvaluateBatch(keys.secretKey, keys.publicKey, batch.map((x) => x.blinded))
console.log(`${'noble voprf.blindEvaluateBatch(100) per item'.padEnd(48)} ${(Number(process.hrtime.bigint() - t0) / 1e6 / bn / 100).toFixed(3)} ms`)
void saved
const scalar = sodium.crypto_core_ristretto255_scalar_random()
const point = sodium.crypto_core_ristretto255_from_hash(randomBytes(64))
time('libsodium crypto_scalarmult_ristretto255', () => sodium.crypto_scalarmult_ristretto255(scalar, point))
time('libsodium crypto_core_ristretto255_from_hash', () => sodium.crypto_core_ristretto255_from_hash(randomBytes(64)))

// Liaison's protocol/oprf (libsodium group, RFC 9497 framing), the same operations
const ours = await import('../../protocol/oprf/index.ts')
const ok = ours.deriveKeyPair(ours.MODE.voprf, randomBytes(32), new Uint8Array())
const ob = ours.blind(ours.MODE.voprf, input)
time('liaison evaluate (index build, per selector)', () => ours.evaluate(ours.MODE.voprf, ok.secretKey, input))
time('liaison blind', () => ours.blind(ours.MODE.voprf, input))
const oblinded = batch.map(() => ours.blind(ours.MODE.voprf, randomBytes(16)))
const oev = ours.voprfBlindEvaluate(ok, oblinded.map((x) => x.blinded))
const t1 = process.hrtime.bigint()
for (let i = 0; i < bn; i++) ours.voprfBlindEvaluate(ok, oblinded.map((x) => x.blinded))
console.log(`${'liaison voprfBlindEvaluate(100) per item'.padEnd(48)} ${(Number(process.hrtime.bigint() - t1) / 1e6 / bn / 100).toFixed(3)} ms`)
const t2 = process.hrtime.bigint()
for (let i = 0; i < bn; i++) ours.voprfFinalize(ok.publicKey, oblinded.map((x, j) => ({ input, ...x, evaluated: oev.evaluated[j] })), oev.proof!)
console.log(`${'liaison voprfFinalize(100) per item (wrong input ok)'.padEnd(48)} ${(Number(process.hrtime.bigint() - t2) / 1e6 / bn / 100).toFixed(3)} ms`)
void ob
