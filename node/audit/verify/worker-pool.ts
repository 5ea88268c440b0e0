/**
 * A fixed pool of verification workers (verify-worker.ts). Jobs go to the worker with the
 * fewest in flight; the peer table (index → peer ID) is sent to each worker incrementally, with
 * the first chunk that needs the new entries.
 *
 * @module
 */
import { Worker } from 'node:worker_threads'
import type { EnvelopeResult, VerifyWorkerData } from './verify-worker.ts'

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
    const workerData: VerifyWorkerData = { libsodium: init.libsodium ?? true }
    this.slots = Array.from({ length: Math.max(1, size) }, () => {
      const worker = new Worker(new URL('./verify-worker.ts', import.meta.url), { workerData })
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
