/**
 * A fixed pool of verification workers (worker_threads) that check chunks of stored envelopes
 * (chunk.ts) off the main thread with envelope-check.ts — the strict decoder, the signature, the
 * payload against the index. This module is also the workers' entry: started with
 * `workerData.auditVerify`, it answers jobs instead. A worker is stateless apart from the peer
 * table and the verify keys built from it; jobs go to the worker with the fewest in flight, and
 * the peer table (index → peer ID) is sent to each worker incrementally, with the first chunk
 * that needs the new entries.
 *
 * @module
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { fastVerifierName, useLibsodium } from '../../../protocol/ed25519-fast.ts'
import { verifyKeyFromPeerId } from '../../../protocol/keys.ts'
import { PAYLOAD_TYPES } from '../../../protocol/types.ts'
import type { VerifyKey } from '../../../protocol/types.ts'
import { KIND_RECEIPT, PAYLOAD_CODES, readChunk } from './chunk.ts'
import { checkStoredEnvelope } from './envelope-check.ts'
import type { EnvelopeCheck } from './envelope-check.ts'

/** What the pool starts each worker with. */
interface VerifyWorkerData {
  auditVerify: true
  /** Verify signatures with libsodium where it loads (protocol/ed25519-fast.ts), else node:crypto alone. */
  libsodium: boolean
}

interface EnvelopeJob {
  id: number
  buffer: ArrayBuffer
  count: number
  /** Peer IDs the worker has not been sent yet, starting at table index `peerBase`. */
  peers: string[]
  peerBase: number
}

export interface EnvelopeResult {
  id: number
  /** One byte per item: 0 ok, 1 failed. */
  status: ArrayBuffer
  /** 32 bytes per item: SHA-256 of the stored bytes. */
  shas: ArrayBuffer
  /** The chunk, handed back for reuse. */
  buffer: ArrayBuffer
  problems: Array<[number, string]>
  /** This worker's CPU time so far (µs). */
  cpu: number
  /** The Ed25519 verifier this worker uses (protocol/ed25519-fast.ts). */
  verifier: string
}

const peers: string[] = []
const keys: Array<VerifyKey | null | undefined> = []

/** The verify key of a peer in the table, or null if it is not an Ed25519 peer ID. */
function keyOf (index: number): VerifyKey | null {
  let key = keys[index]
  if (key === undefined) {
    try {
      key = verifyKeyFromPeerId(peers[index])
    } catch {
      key = null
    }
    keys[index] = key
  }
  return key
}

function checkEnvelopes (job: EnvelopeJob): EnvelopeResult {
  for (let i = 0; i < job.peers.length; i++) peers[job.peerBase + i] = job.peers[i]
  const status = new Uint8Array(job.count)
  const shas = Buffer.alloc(32 * job.count)
  const problems: Array<[number, string]> = []
  let i = 0
  for (const item of readChunk(job.buffer, job.count)) {
    const key = keyOf(item.signer)
    const payloadType = PAYLOAD_CODES[item.payloadCode]
    let check: EnvelopeCheck | undefined
    if (key === null) problems.push([i, `signer ${String(peers[item.signer])} is not an Ed25519 peer ID`])
    else if (item.kind === KIND_RECEIPT) check = checkStoredEnvelope(item.bytes, key, { kind: 'receipt', digest: item.digest })
    else if (payloadType === undefined) problems.push([i, 'its index record names a payload type this node does not store'])
    else if (payloadType === PAYLOAD_TYPES.message) check = checkStoredEnvelope(item.bytes, key, { kind: 'message', digest: item.digest, prefix: item.prefix })
    else check = checkStoredEnvelope(item.bytes, key, { kind: 'message', digest: item.digest, payloadType, id: Buffer.from(item.prefix).toString('utf8') })
    if (check !== undefined) shas.write(check.sha256, 32 * i, 32, 'latin1')
    if (check?.ok !== true) {
      status[i] = 1
      if (check !== undefined) problems.push([i, check.problem])
    }
    i++
  }
  const { user, system } = process.threadCpuUsage()
  return { id: job.id, status: status.buffer, shas: shas.buffer as ArrayBuffer, buffer: job.buffer, problems, cpu: user + system, verifier: fastVerifierName() }
}

interface Slot {
  worker: Worker
  /** The worker's CPU time as last reported (µs). */
  cpu: number
  inflight: number
  knownPeers: number
  waiting: Map<number, { resolve: (r: EnvelopeResult) => void, reject: (err: unknown) => void }>
}

export class WorkerPool {
  private readonly slots: Slot[]
  private nextId = 0
  private failed: Error | undefined
  private readonly index = new Map<string, number>()
  /** The Ed25519 verifiers the workers said they use (protocol/ed25519-fast.ts). */
  readonly verifiers = new Set<string>()
  /** The peer table shared with the workers (index → peer ID). */
  readonly peers: string[] = []

  /** `libsodium`: whether the workers verify signatures with libsodium (protocol/ed25519-fast.ts). */
  constructor (size: number, init: { libsodium?: boolean } = {}) {
    const workerData: VerifyWorkerData = { auditVerify: true, libsodium: init.libsodium ?? true }
    this.slots = Array.from({ length: Math.max(1, size) }, () => {
      const worker = new Worker(new URL(import.meta.url), { workerData })
      const slot: Slot = { worker, cpu: 0, inflight: 0, knownPeers: 0, waiting: new Map() }
      worker.on('message', (result: EnvelopeResult) => {
        const waiter = slot.waiting.get(result.id)
        slot.waiting.delete(result.id)
        slot.inflight--
        slot.cpu = Math.max(slot.cpu, result.cpu)
        this.verifiers.add(result.verifier)
        waiter?.resolve(result)
      })
      worker.on('error', (err) => {
        this.fail(slot, err)
      })
      worker.on('exit', (code) => {
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

  /** The table index of a peer ID, adding it if new. */
  peer (peerId: string): number {
    let index = this.index.get(peerId)
    if (index === undefined) {
      index = this.peers.push(peerId) - 1
      this.index.set(peerId, index)
    }
    return index
  }

  private fail (slot: Slot, err: Error): void {
    this.failed ??= err
    for (const waiter of slot.waiting.values()) waiter.reject(err)
    slot.waiting.clear()
  }

  /** Check the `count` envelopes of a chunk (chunk.ts); the buffer is transferred. */
  checkEnvelopes (buffer: ArrayBuffer, count: number): Promise<EnvelopeResult> {
    if (this.failed !== undefined) return Promise.reject(this.failed)
    let slot = this.slots[0]
    for (const s of this.slots) if (s.inflight < slot.inflight) slot = s
    const peers = this.peers.slice(slot.knownPeers)
    const peerBase = slot.knownPeers
    slot.knownPeers = this.peers.length
    const id = this.nextId++
    slot.inflight++
    return new Promise<EnvelopeResult>((resolve, reject) => {
      slot.waiting.set(id, { resolve, reject })
      slot.worker.postMessage({ id, buffer, count, peers, peerBase }, [buffer])
    })
  }

  async close (): Promise<void> {
    await Promise.all(this.slots.map(async s => {
      await s.worker.terminate()
    }))
  }
}

const port = parentPort
if (!isMainThread && port != null && (workerData as VerifyWorkerData | undefined)?.auditVerify === true) {
  useLibsodium((workerData as VerifyWorkerData).libsodium)
  port.on('message', (job: EnvelopeJob) => {
    const result = checkEnvelopes(job)
    port.postMessage(result, [result.status, result.shas, result.buffer])
  })
}
