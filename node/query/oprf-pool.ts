/**
 * The index build's worker pool (PROTOCOL.md §19.3): one worker thread per core evaluating
 * batches of selectors (normalise + RFC 9497 Evaluate, `evaluateBatch`), so a large `index add`
 * or a re-key after an OPRF key rotation uses every core while the main thread reads the input
 * and writes LevelDB. A job goes to the worker with the fewest in flight; results come back
 * per job, so the caller decides the order of writes.
 *
 * A worker that fails rejects its jobs and the pool refuses new ones (the caller's index add
 * then fails whole batches, never writes half of one).
 *
 * `cpuMicros()` gives each worker's CPU time spent on jobs so far (as the worker measured it
 * with `process.threadCpuUsage`), `startCpuMicros()` what each took to start, so a caller can
 * set a build's rate against CPU time.
 *
 * @module
 */
import { Worker } from 'node:worker_threads'
import type { KeyPair } from '../../protocol/oprf/index.ts'
import type { EvaluateJob, EvaluateResult } from './evaluate-batch.ts'
import type { WorkerJob } from './oprf-worker.ts'

interface Slot {
  worker: Worker
  inflight: number
  cpuMicros: number
  startMicros: number
  waiting: Map<number, { resolve: (r: EvaluateResult) => void, reject: (err: Error) => void }>
}

type WorkerReply = { ready: true, cpuMicros: number } | { id: number, result: EvaluateResult, cpuMicros: number } | { id: number, error: string }

export class OprfPool {
  readonly #slots: Slot[]
  readonly #ready: Promise<void>
  #nextId = 0
  #failed: Error | undefined

  /** Starts `size` workers (at least one); `ready` resolves once each has loaded libsodium. */
  constructor (size: number) {
    const loaded: Array<Promise<void>> = []
    this.#slots = Array.from({ length: Math.max(1, size) }, () => {
      const worker = new Worker(new URL('./oprf-worker.ts', import.meta.url))
      const slot: Slot = { worker, inflight: 0, cpuMicros: 0, startMicros: 0, waiting: new Map() }
      loaded.push(
        new Promise<void>((resolve, reject) => {
          worker.on('message', (reply: WorkerReply) => {
            if ('ready' in reply) {
              slot.startMicros = reply.cpuMicros
              resolve()
              return
            }
            const waiter = slot.waiting.get(reply.id)
            slot.waiting.delete(reply.id)
            slot.inflight--
            if ('error' in reply) waiter?.reject(new Error(`OPRF worker: ${reply.error}`))
            else {
              slot.cpuMicros += reply.cpuMicros
              waiter?.resolve({ ...reply.result, outputs: new Uint8Array(reply.result.outputs) })
            }
          })
          worker.on('error', (err) => {
            reject(err)
            this.#fail(slot, err)
          })
          worker.on('exit', (code) => {
            reject(new Error(`OPRF worker exited with code ${code}`))
            this.#fail(slot, new Error(`OPRF worker exited with code ${code}`))
          })
        })
      )
      return slot
    })
    this.#ready = Promise.all(loaded).then(() => {})
    this.#ready.catch(() => {})
  }

  get size (): number {
    return this.#slots.length
  }

  /** CPU time (µs) each worker has spent on its jobs so far, in worker order. */
  cpuMicros (): number[] {
    return this.#slots.map((s) => s.cpuMicros)
  }

  /** CPU time (µs) each worker took to start (modules, libsodium's WebAssembly), in worker order; 0 until ready. */
  startCpuMicros (): number[] {
    return this.#slots.map((s) => s.startMicros)
  }

  /** Resolves when every worker is loaded; rejects if one failed to start. */
  async ready (): Promise<void> {
    await this.#ready
  }

  /** Evaluates one batch under `keys` on the least busy worker. */
  async evaluate (keys: KeyPair, job: EvaluateJob): Promise<EvaluateResult> {
    if (this.#failed !== undefined) throw this.#failed
    let slot = this.#slots[0]
    for (const s of this.#slots) if (s.inflight < slot.inflight) slot = s
    const id = this.#nextId++
    slot.inflight++
    return await new Promise<EvaluateResult>((resolve, reject) => {
      slot.waiting.set(id, { resolve, reject })
      const message: WorkerJob = { ...job, id, secretKey: keys.secretKey, publicKey: keys.publicKey }
      slot.worker.postMessage(message)
    })
  }

  #fail (slot: Slot, err: Error): void {
    this.#failed ??= err
    for (const waiter of slot.waiting.values()) waiter.reject(err)
    slot.waiting.clear()
    slot.inflight = 0
  }

  async close (): Promise<void> {
    this.#failed ??= new Error('the OPRF pool is closed')
    await Promise.all(this.#slots.map(async (s) => {
      s.worker.removeAllListeners('exit')
      await s.worker.terminate()
    }))
  }
}
