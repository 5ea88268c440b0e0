/**
 * `liaison audit verify --bundle DIR`: the bundle checks (check-bundle.ts) on a directory, with
 * node:crypto's SHA-256 and the signatures checked in `workers` verification threads
 * (verify/worker-pool.ts) with libsodium or, with `libsodium: false`, node:crypto alone — as on
 * a data directory. The auditor's page in the browser runs the same checks on the files the
 * auditor picks, with the signatures checked inline. A `dir` ending in .zip is a bundle archive
 * (archive.ts), read into memory and checked the same way.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { PAYLOAD_TYPES } from '../../../protocol/types.ts'
import { fastVerifierName } from '../../../protocol/ed25519-fast.ts'
import { EnvelopeQueue } from '../verify/envelope-queue.ts'
import { messagePrefix } from '../verify/index-tuple.ts'
import { WorkerPool } from '../verify/worker-pool.ts'
import type { VerifyReport } from '../verify/report.ts'
import { checkBundle } from './check-bundle.ts'
import type { CheckBundleOptions, EnvelopeChecker, EnvelopeToCheck } from './check-bundle.ts'
import { dirSource, nodeSha256Hex } from './dir-source.ts'
import { isArchivePath, zipEntries } from './archive.ts'
import { memorySource } from './bundle-source.ts'

export interface BundleVerifyOptions extends Pick<CheckBundleOptions, 'expectNode' | 'thorough' | 'onProgress'> {
  /** Verification threads (default: all cores). */
  workers?: number
  /** Verify signatures with libsodium where it loads (the default), or node:crypto alone (false). */
  libsodium?: boolean
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Envelopes of one batch checked by the pool's workers (envelope-queue.ts). */
function poolChecker (pool: WorkerPool): EnvelopeChecker {
  return async (items) => {
    const problems: Array<string | null> = new Array<string | null>(items.length).fill(null)
    const queue = new EnvelopeQueue(pool, (n, problem) => {
      if (problem !== null) problems[n] = problem
    })
    for (const [n, item] of items.entries()) {
      try {
        strictUtf8.decode(item.bytes)
      } catch {
        problems[n] = 'envelope.json is not UTF-8'
        continue
      }
      await queue.add(n, { ...expectation(item), signer: item.signer, digest: Buffer.from(item.digest, 'hex'), bytes: item.bytes })
    }
    await queue.drain()
    return problems
  }
}

function expectation (item: EnvelopeToCheck): { receipt: boolean, payloadType: string, expect: string } {
  if (item.kind === 'receipt' || item.meta === undefined) return { receipt: true, payloadType: '', expect: '' }
  const payloadType = item.meta.payloadType ?? PAYLOAD_TYPES.message
  return { receipt: false, payloadType, expect: payloadType === PAYLOAD_TYPES.message ? messagePrefix(item.meta) : String(item.meta.id) }
}

export async function verifyBundle (dir: string, options: BundleVerifyOptions = {}): Promise<VerifyReport> {
  const libsodium = options.libsodium ?? true
  const pool = new WorkerPool(options.workers ?? availableParallelism(), { libsodium })
  try {
    const source = isArchivePath(dir) ? memorySource(zipEntries(await readFile(dir))) : dirSource(dir)
    const report = await checkBundle(source, dir, {
      sha256Hex: nodeSha256Hex,
      verifier: fastVerifierName(libsodium),
      checkEnvelopes: poolChecker(pool),
      ...(options.expectNode != null ? { expectNode: options.expectNode } : {}),
      ...(options.thorough != null ? { thorough: options.thorough } : {}),
      ...(options.onProgress != null ? { onProgress: options.onProgress } : {})
    })
    report.timing.workers = pool.size
    report.timing.cpuMs.workers = pool.cpuMs
    return report
  } finally {
    await pool.close()
  }
}
