/**
 * Item 6 — crypto: DSSE envelope sign/verify against raw node:crypto (OpenSSL) Ed25519 and raw
 * @noble/ed25519 on the same 1 KiB PAE, and raw libsodium sign and verify (what the node signs
 * and verifies with) against raw node:crypto, from scripts/bench-crypto.ts (each envelope
 * figure is measured interleaved with its raw counterpart, so a neighbour's load hits both sides).
 *
 * @module
 */
import { runCryptoBench, type CryptoFigure } from '../bench-crypto.ts'
import type { BenchContext, ItemResult } from './context.ts'
import { makeFigure, type Figure, type Goal } from './figures.ts'
import { groupedBars } from './charts.ts'
import { median } from './stats.ts'

export async function runCrypto (ctx: BenchContext): Promise<ItemResult> {
  const runs = ctx.quick ? 1 : 3
  const seconds = ctx.quick ? 0.3 : 1.5
  const results: Array<Map<string, number>> = []
  for (let r = 0; r < runs; r++) {
    const figures: CryptoFigure[] = await runCryptoBench({ seconds })
    results.push(new Map(figures.map(f => [f.id, f.value])))
    ctx.log(`  crypto run ${r + 1}/${runs} done`)
  }
  const get = (id: string): number[] =>
    results.map(m => {
      const v = m.get(id)
      if (v == null) throw new Error(`bench-crypto reported no ${id}`)
      return v
    })
  /** The raw rate a paired envelope figure was measured against (value / ratio of the pair). */
  const pairedRaw = (valueId: string, ratioId: string): number[] => get(valueId).map((v, i) => v / get(ratioId)[i])
  const verifyGoal: Goal = { op: '>=', ratio: 0.9 }
  const per = `${seconds} s per figure per run, 1 KiB payload, one thread`
  const figures: Figure[] = [
    makeFigure({
      id: 'crypto.envelope.sign',
      name: 'Envelope sign (PAE + Ed25519)',
      measured: per,
      unit: 'ops/s',
      samples: get('envelope.sign'),
      ceilingSamples: pairedRaw('envelope.sign', 'ratio.sign'),
      ceilingName: 'node:crypto Ed25519 sign of the same PAE bytes (interleaved)'
    }),
    makeFigure({
      id: 'crypto.envelope.verify',
      name: 'Envelope verify (PAE + Ed25519)',
      measured: per,
      unit: 'ops/s',
      samples: get('envelope.verify'),
      ceilingSamples: pairedRaw('envelope.verify', 'ratio.verify'),
      ceilingName: 'node:crypto Ed25519 verify of the same PAE bytes (interleaved)',
      goal: verifyGoal,
      note: 'goal from scripts/bench-crypto.ts (envelope verify ≥ 0.9 × raw verify)'
    }),
    makeFigure({
      id: 'crypto.envelope.verifyDigest',
      name: 'Envelope verify + digest',
      measured: per,
      unit: 'ops/s',
      samples: get('envelope.verifyDigest'),
      ceilingSamples: pairedRaw('envelope.verifyDigest', 'ratio.verifyDigest'),
      ceilingName: 'node:crypto Ed25519 verify (interleaved)'
    }),
    makeFigure({
      id: 'crypto.envelope.decodeVerifyDigest',
      name: 'Envelope decode + verify + digest (receive path)',
      measured: per,
      unit: 'ops/s',
      samples: get('envelope.decodeVerifyDigest'),
      ceilingSamples: pairedRaw('envelope.decodeVerifyDigest', 'ratio.decodeVerifyDigest'),
      ceilingName: 'node:crypto Ed25519 verify (interleaved)'
    }),
    makeFigure({
      id: 'crypto.libsodium.verify',
      name: 'Raw libsodium verify vs raw node:crypto verify',
      measured: `${per}; libsodium through sodium-native, the fast path of protocol/ed25519-fast.ts`,
      unit: 'ops/s',
      samples: get('libsodium.verify'),
      ceilingSamples: pairedRaw('libsodium.verify', 'ratio.libsodiumVerify'),
      ceilingName: 'node:crypto Ed25519 verify of the same PAE bytes (interleaved)',
      note: 'informational: why the node and audit verify check signatures with libsodium first'
    }),
    makeFigure({
      id: 'crypto.libsodium.sign',
      name: 'Raw libsodium sign vs raw node:crypto sign',
      measured: `${per}; libsodium through sodium-native (fastSigner in protocol/ed25519-fast.ts, what the node signs with: the same signature bytes)`,
      unit: 'ops/s',
      samples: get('libsodium.sign'),
      ceilingSamples: pairedRaw('libsodium.sign', 'ratio.libsodiumSign'),
      ceilingName: 'node:crypto Ed25519 sign of the same PAE bytes (interleaved)',
      note: 'informational: why the node signs with libsodium'
    }),
    makeFigure({
      id: 'crypto.noble.sign',
      name: 'Envelope sign vs raw @noble/ed25519 sign',
      measured: per,
      unit: 'ops/s',
      samples: get('envelope.sign'),
      ceilingSamples: get('noble.sign'),
      ceilingName: '@noble/ed25519 sign of the same PAE bytes (not interleaved)'
    }),
    makeFigure({
      id: 'crypto.noble.verify',
      name: 'Envelope verify vs raw @noble/ed25519 verify',
      measured: per,
      unit: 'ops/s',
      samples: get('envelope.verify'),
      ceilingSamples: get('noble.verify'),
      ceilingName: '@noble/ed25519 verify, zip215: false (not interleaved)'
    })
  ]
  for (const f of figures) ctx.figures.set(f.id, f)
  const rows = [
    { group: 'sign', series: 'envelope (ours)', value: median(get('envelope.sign')) },
    { group: 'sign', series: 'raw node:crypto', value: median(get('raw.sign')) },
    { group: 'sign', series: 'raw libsodium', value: median(get('libsodium.sign')) },
    { group: 'sign', series: 'raw @noble/ed25519', value: median(get('noble.sign')) },
    { group: 'verify', series: 'envelope (ours)', value: median(get('envelope.verify')) },
    { group: 'verify', series: 'raw node:crypto', value: median(get('raw.verify')) },
    { group: 'verify', series: 'raw libsodium', value: median(get('libsodium.verify')) },
    { group: 'verify', series: 'raw @noble/ed25519', value: median(get('noble.verify')) }
  ]
  return {
    figures,
    details: { seconds, runs: results.map(m => Object.fromEntries(m)) },
    charts: [{
      file: 'crypto.svg',
      title: 'Ed25519 sign/verify: envelope vs raw libraries',
      spec: groupedBars({ title: 'Ed25519, 1 KiB payload, one thread', rows, yTitle: 'operations per second' })
    }],
    notes: []
  }
}
