/**
 * A fixed pool of verification workers. Jobs go to the worker with the fewest in flight; the
 * peer table (index → peer ID) is sent to each worker incrementally, with the first chunk that
 * needs the new entries.
 *
 * @module
 */
import { Worker } from 'node:worker_threads'
import type { LevelDbFileKind } from '../leveldb/file-check.ts'
import type { EnvelopeResult, FileResult, VerifyWorkerData } from './verify-worker.ts'
import { PeerTable } from './peer-table.ts'

interface Slot {
  worker: Worker
  /** The worker's CPU time as last reported (µs). */
  cpu: number
  inflight: number
  knownPeers: number
  waiting: Map<number, { resolve: (r: EnvelopeResult | FileResult) => void, reject: (err: unknown) => void }>
}

export class WorkerPool {
  private readonly slots: Slot[]
  private nextId = 0
  private failed: Error | undefined
  private readonly peerTable = new PeerTable()
  /** The Ed25519 verifiers the workers said they use (protocol/ed25519-fast.ts). */
  readonly verifiers = new Set<string>()
  /** The peer table shared with the workers (index → peer ID). */
  readonly peers: string[] = this.peerTable.ids

  /** `libsodium`: whether the workers verify signatures with libsodium (protocol/ed25519-fast.ts). */
  constructor (size: number, init: { libsodium?: boolean } = {}) {
    const workerData: VerifyWorkerData = { libsodium: init.libsodium ?? true }
    this.slots = Array.from({ length: Math.max(1, size) }, () => {
      const worker = new Worker(new URL('./verify-worker.ts', import.meta.url), { workerData })
      const slot: Slot = { worker, cpu: 0, inflight: 0, knownPeers: 0, waiting: new Map() }
      worker.on('message', (result: EnvelopeResult | FileResult) => {
        const waiter = slot.waiting.get(result.id)
        slot.waiting.delete(result.id)
        slot.inflight--
        slot.cpu = Math.max(slot.cpu, result.cpu)
        if (result.type === 'file' && result.verifier !== undefined) this.verifiers.add(result.verifier)
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

  /** Jobs in flight over all workers. */
  get inflight (): number {
    return this.slots.reduce((n, s) => n + s.inflight, 0)
  }

  /** The table index of a peer ID, adding it if new. */
  peer (peerId: string): number {
    return this.peerTable.indexOf(peerId)
  }

  private fail (slot: Slot, err: Error): void {
    this.failed ??= err
    for (const waiter of slot.waiting.values()) waiter.reject(err)
    slot.waiting.clear()
  }

  private pick (): Slot {
    if (this.failed !== undefined) throw this.failed
    let best = this.slots[0]
    for (const s of this.slots) if (s.inflight < best.inflight) best = s
    return best
  }

  private send<R extends EnvelopeResult | FileResult> (slot: Slot, message: object, transfer: ArrayBuffer[]): Promise<R> {
    const id = this.nextId++
    slot.inflight++
    return new Promise<R>((resolve, reject) => {
      slot.waiting.set(id, { resolve: resolve as (r: EnvelopeResult | FileResult) => void, reject })
      slot.worker.postMessage({ ...message, id }, transfer)
    })
  }

  checkEnvelopes (buffer: ArrayBuffer, count: number): Promise<EnvelopeResult> {
    const slot = this.pick()
    const peers = this.peers.slice(slot.knownPeers)
    const peerBase = slot.knownPeers
    slot.knownPeers = this.peers.length
    return this.send<EnvelopeResult>(slot, { type: 'envelopes', buffer, count, peers, peerBase }, [buffer])
  }

  /** Check a file; with `collect`, also read and check the envelopes it holds (stored-scan.ts). */
  checkFile (path: string, kind: LevelDbFileKind, names: string[], size?: number, collect = false): Promise<FileResult> {
    return this.send<FileResult>(this.pick(), { type: 'file', path, kind, names, size, collect }, [])
  }

  async close (): Promise<void> {
    await Promise.all(this.slots.map(async s => {
      await s.worker.terminate()
    }))
  }
}
