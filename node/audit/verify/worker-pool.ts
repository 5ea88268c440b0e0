/**
 * A fixed pool of verification workers (worker_threads) that check chunks of stored envelopes
 * (chunk.ts) off the main thread with envelope-check.ts — the strict decoder, the signature, the
 * payload against the index. This module is also the workers' entry: started with
 * `workerData.auditVerify`, it answers jobs instead. A worker keeps nothing but the verify keys
 * it has built; jobs go to the worker with the fewest in flight.
 *
 * @module
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { fastVerifierName, useLibsodium } from '../../../protocol/ed25519-fast.ts'
import { verifyKeyFromPeerId } from '../../../protocol/keys.ts'
import { PAYLOAD_TYPES } from '../../../protocol/types.ts'
import type { VerifyKey } from '../../../protocol/types.ts'
import { readChunk } from './chunk.ts'
import { checkStoredEnvelope } from './envelope-check.ts'
import type { EnvelopeCheck } from './envelope-check.ts'

/** What the pool starts each worker with. */
interface VerifyWorkerData {
  auditVerify: true
  /** Verify signatures with libsodium where it loads (protocol/ed25519-fast.ts), else node:crypto alone. */
  libsodium: boolean
}

interface ChunkJob {
  id: number
  buffer: ArrayBuffer
  count: number
}

export interface ChunkResult {
  id: number
  /** 32 bytes per item: SHA-256 of the stored bytes. */
  shas: ArrayBuffer
  /** The chunk, handed back for reuse. */
  buffer: ArrayBuffer
  /** The items that failed, with why. */
  problems: Array<[number, string]>
  /** This worker's CPU time so far (µs). */
  cpu: number
  /** The Ed25519 verifier this worker uses (protocol/ed25519-fast.ts). */
  verifier: string
}

/** Payload types that are stored as messages. */
const STORED_TYPES = new Set<string>(
  (['message', 'forward', 'releaseRequest', 'releaseGrant', 'keyRotation', 'addressUpdate', 'feedback', 'rotationApproval', 'taskforceNotice'] as const)
    .map(k => PAYLOAD_TYPES[k])
)
const keys = new Map<string, VerifyKey | null>()

/** The verify key of a peer ID, or null if it is not an Ed25519 peer ID. */
function keyOf (peerId: string): VerifyKey | null {
  let key = keys.get(peerId)
  if (key === undefined) {
    try {
      key = verifyKeyFromPeerId(peerId)
    } catch {
      key = null
    }
    keys.set(peerId, key)
  }
  return key
}

function checkChunk (job: ChunkJob): ChunkResult {
  const shas = Buffer.alloc(32 * job.count)
  const problems: Array<[number, string]> = []
  let i = 0
  for (const item of readChunk(job.buffer, job.count)) {
    const { signer, payloadType } = item
    const key = keyOf(signer)
    let check: EnvelopeCheck | undefined
    if (key === null) problems.push([i, `signer ${signer} is not an Ed25519 peer ID`])
    else if (item.receipt) check = checkStoredEnvelope(item.bytes, key, { kind: 'receipt', digest: item.digest })
    else if (!STORED_TYPES.has(payloadType)) problems.push([i, 'its index record names a payload type this node does not store'])
    else if (payloadType === PAYLOAD_TYPES.message) check = checkStoredEnvelope(item.bytes, key, { kind: 'message', digest: item.digest, prefix: item.expect })
    else check = checkStoredEnvelope(item.bytes, key, { kind: 'message', digest: item.digest, payloadType, id: item.expect.toString() })
    if (check !== undefined) shas.write(check.sha256, 32 * i, 32, 'latin1')
    if (check?.ok === false) problems.push([i, check.problem])
    i++
  }
  const { user, system } = process.threadCpuUsage()
  return { id: job.id, shas: shas.buffer as ArrayBuffer, buffer: job.buffer, problems, cpu: user + system, verifier: fastVerifierName() }
}

interface Slot {
  worker: Worker
  /** The worker's CPU time as last reported (µs). */
  cpu: number
  waiting: Map<number, { resolve: (r: ChunkResult) => void, reject: (err: unknown) => void }>
}

export class WorkerPool {
  private readonly slots: Slot[]
  private nextId = 0
  private failed: Error | undefined
  /** The Ed25519 verifiers the workers said they use (protocol/ed25519-fast.ts). */
  readonly verifiers = new Set<string>()

  /** `libsodium`: whether the workers verify signatures with libsodium (protocol/ed25519-fast.ts). */
  constructor (size: number, init: { libsodium?: boolean } = {}) {
    const workerData: VerifyWorkerData = { auditVerify: true, libsodium: init.libsodium ?? true }
    this.slots = Array.from({ length: Math.max(1, size) }, () => {
      const slot: Slot = { worker: new Worker(new URL(import.meta.url), { workerData }), cpu: 0, waiting: new Map() }
      slot.worker.on('message', (result: ChunkResult) => {
        const waiter = slot.waiting.get(result.id)
        slot.waiting.delete(result.id)
        slot.cpu = Math.max(slot.cpu, result.cpu)
        this.verifiers.add(result.verifier)
        waiter?.resolve(result)
      })
      slot.worker.on('error', (err) => {
        this.fail(slot, err)
      })
      slot.worker.on('exit', (code) => {
        if (slot.waiting.size > 0) this.fail(slot, new Error(`verification worker exited with code ${code}`))
      })
      return slot
    })
  }

  get size (): number {
    return this.slots.length
  }

  /** CPU time the workers reported (ms). */
  get cpuMs (): number {
    return this.slots.reduce((n, s) => n + s.cpu, 0) / 1000
  }

  private fail (slot: Slot, err: Error): void {
    this.failed ??= err
    for (const waiter of slot.waiting.values()) waiter.reject(err)
    slot.waiting.clear()
  }

  /** Check the `count` envelopes of a chunk (chunk.ts); the buffer is transferred. */
  checkChunk (buffer: ArrayBuffer, count: number): Promise<ChunkResult> {
    if (this.failed !== undefined) return Promise.reject(this.failed)
    const slot = this.slots.reduce((a, b) => b.waiting.size < a.waiting.size ? b : a)
    const id = this.nextId++
    return new Promise<ChunkResult>((resolve, reject) => {
      slot.waiting.set(id, { resolve, reject })
      slot.worker.postMessage({ id, buffer, count } satisfies ChunkJob, [buffer])
    })
  }

  async close (): Promise<void> {
    await Promise.all(this.slots.map(async s => await s.worker.terminate()))
  }
}

const port = parentPort
if (!isMainThread && port != null && (workerData as VerifyWorkerData | undefined)?.auditVerify === true) {
  useLibsodium((workerData as VerifyWorkerData).libsodium)
  port.on('message', (job: ChunkJob) => {
    const result = checkChunk(job)
    port.postMessage(result, [result.shas, result.buffer])
  })
}
