/**
 * Ed25519 verification off the event loop. Ed25519 verify is the largest single cost of
 * receiving a message (the envelope) and of recording a delivery (the receipt): ~45 µs of
 * libsodium each (~95 µs of node:crypto where libsodium does not load), on the thread that also
 * runs libp2p, LevelDB batches and the API. The pool
 * moves it to worker threads, so a node under load uses more than one core for it.
 *
 * Calls made in the same turn of the event loop (the frames of one network chunk) are batched:
 * they queue, and one microtask later the queue goes to the least loaded worker as one
 * message. A lone call over a small message while every worker is idle is verified inline
 * instead — handing one such signature to a thread costs more latency than it saves.
 *
 * Workers exist only under load: they are started by the first batch (which, like every batch
 * until a worker has loaded, is verified inline) and stopped after `idleMs` without work, so an
 * idle node carries no extra threads. Verdicts are `fastVerify`'s (protocol/ed25519-fast.ts:
 * libsodium, with node:crypto's verdicts), computed by the same
 * function in the worker. If a worker fails, its batch and every later one are verified
 * inline: the pool can slow down, never answer wrongly or hang.
 *
 * @module
 */
import { Worker } from 'node:worker_threads'
import { fastVerify } from '../../protocol/ed25519-fast.ts'
import type { VerifyKey } from '../../protocol/types.ts'
import { DEFAULT_VERIFY_WORKER_IDLE_MS } from '../defaults.ts'
import type { VerifyBatch, VerifyVerdicts, WorkerMessage } from './verify-worker.ts'

/**
 * A lone signature over at most this many bytes is verified inline while the workers are idle;
 * over a larger message the hashing (SHA-512 of the whole message) outweighs the hand-off.
 */
const INLINE_MAX_BYTES = 16 * 1024

export type AsyncVerifier = (key: VerifyKey, message: Uint8Array, signature: Uint8Array) => Promise<boolean>

/** `fastVerify` on this thread, as an AsyncVerifier (where no pool is given). */
export const inlineVerify: AsyncVerifier = async (key, message, signature) => fastVerify(key, message, signature)

/** True iff one of the envelope's signatures verifies under `key` over `paeBytes` (keyids are hints only). */
export async function signedBy (verify: AsyncVerifier, key: VerifyKey, paeBytes: Uint8Array, signatures: ReadonlyArray<{ sig: Uint8Array }>): Promise<boolean> {
  for (const { sig } of signatures) if (await verify(key, paeBytes, sig)) return true
  return false
}

interface Job {
  key: VerifyKey
  message: Uint8Array
  signature: Uint8Array
  resolve: (ok: boolean) => void
}

interface Slot {
  worker: Worker
  ready: boolean
  /** Resolves when the worker has loaded (or died). */
  loaded: Promise<void>
  /** Being stopped on purpose (idle, close): its exit is not a failure. */
  retiring: boolean
  /** Signatures handed to this worker and not answered yet. */
  load: number
  waiting: Map<number, Job[]>
}

export interface VerifyPoolInit {
  /** Worker threads at most (0: verify everything inline). */
  workers: number
  /** Largest batch one worker message carries. */
  maxBatch?: number
  /** Workers stop after this long without work. */
  idleMs?: number
}

export class VerifyPool {
  private readonly size: number
  private readonly maxBatch: number
  private readonly idleMs: number
  private slots: Slot[] = []
  private queue: Job[] = []
  private flushScheduled = false
  private nextId = 0
  private broken = false
  private closed = false
  private idleTimer: NodeJS.Timeout | undefined
  /** Signatures verified on this thread, and batches and signatures handed to workers. */
  readonly stats = { inline: 0, batches: 0, offloaded: 0 }

  constructor (init: VerifyPoolInit) {
    this.size = init.workers
    this.maxBatch = init.maxBatch ?? 256
    this.idleMs = init.idleMs ?? DEFAULT_VERIFY_WORKER_IDLE_MS
  }

  /** Worker threads running now (0 while idle, and for good once a worker failed). */
  get workers (): number {
    return this.slots.length
  }

  /** `fastVerify`, possibly on another thread. Never rejects. */
  readonly verify: AsyncVerifier = async (key, message, signature) => {
    if (!this.usable) return this.inline(key, message, signature)
    return await new Promise<boolean>(resolve => {
      this.queue.push({ key, message, signature, resolve })
      if (!this.flushScheduled) {
        this.flushScheduled = true
        queueMicrotask(() => {
          this.flush()
        })
      }
    })
  }

  /** Start the workers now (rather than with the first batch) and wait until they can take work. */
  async warm (): Promise<void> {
    if (!this.usable) return
    if (this.slots.length === 0) this.start()
    await Promise.all(this.slots.map(async s => {
      if (!s.ready) await s.loaded
    }))
  }

  /** Stop the workers; later calls verify inline. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.flush()
    await this.retire()
  }

  private get usable (): boolean {
    return this.size > 0 && !this.broken && !this.closed
  }

  private flush (): void {
    this.flushScheduled = false
    const jobs = this.queue
    this.queue = []
    if (jobs.length === 0) return
    const ready = this.usable ? this.slots.filter(s => s.ready) : []
    const idle = ready.every(s => s.load === 0)
    if (this.usable && this.slots.length === 0 && jobs.length > 1) this.start()
    if (ready.length === 0 || (jobs.length === 1 && idle && jobs[0].message.length <= INLINE_MAX_BYTES)) {
      for (const job of jobs) job.resolve(this.inline(job.key, job.message, job.signature))
      return
    }
    clearTimeout(this.idleTimer)
    for (let i = 0; i < jobs.length; i += this.maxBatch) this.dispatch(ready, jobs.slice(i, i + this.maxBatch))
  }

  private dispatch (ready: Slot[], jobs: Job[]): void {
    let slot = ready[0]
    for (const s of ready) if (s.load < slot.load) slot = s
    const id = this.nextId++
    const batch: VerifyBatch = {
      id,
      keys: jobs.map(j => j.key.publicKey),
      messages: jobs.map(j => j.message),
      signatures: jobs.map(j => j.signature)
    }
    slot.waiting.set(id, jobs)
    slot.load += jobs.length
    this.stats.batches++
    this.stats.offloaded += jobs.length
    slot.worker.postMessage(batch)
  }

  private inline (key: VerifyKey, message: Uint8Array, signature: Uint8Array): boolean {
    this.stats.inline++
    return fastVerify(key, message, signature)
  }

  private start (): void {
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn())
  }

  private spawn (): Slot {
    // Next to this module: verify-worker.ts in the sources, verify-worker.js in a compiled build.
    const worker = new Worker(new URL(import.meta.url.endsWith('.js') ? './verify-worker.js' : './verify-worker.ts', import.meta.url))
    worker.unref()
    let loaded!: () => void
    const slot: Slot = {
      worker,
      ready: false,
      loaded: new Promise(resolve => {
        loaded = resolve
      }),
      retiring: false,
      load: 0,
      waiting: new Map()
    }
    worker.on('message', (message: WorkerMessage) => {
      if ('ready' in message) {
        slot.ready = true
        loaded()
        return
      }
      this.answered(slot, message)
    })
    worker.on('error', () => {
      loaded()
      this.fail(slot)
    })
    worker.on('exit', () => {
      loaded()
      this.fail(slot)
    })
    return slot
  }

  private answered (slot: Slot, answer: VerifyVerdicts): void {
    const jobs = slot.waiting.get(answer.id)
    if (jobs === undefined) return
    slot.waiting.delete(answer.id)
    slot.load -= jobs.length
    jobs.forEach((job, i) => {
      job.resolve(answer.ok[i] === 1)
    })
    if (this.slots.every(s => s.load === 0)) {
      clearTimeout(this.idleTimer)
      this.idleTimer = setTimeout(() => {
        void this.retire()
      }, this.idleMs)
      this.idleTimer.unref()
    }
  }

  /** A worker died: answer its batches inline and verify inline from now on. */
  private fail (slot: Slot): void {
    if (slot.retiring) return
    this.broken = true
    this.abandon(slot)
    void this.retire()
  }

  /** Stop every worker (idle, closing, or after a failure), answering what they still hold. */
  private async retire (): Promise<void> {
    clearTimeout(this.idleTimer)
    const slots = this.slots
    this.slots = []
    for (const slot of slots) {
      slot.retiring = true
      this.abandon(slot)
    }
    await Promise.all(slots.map(async s => await s.worker.terminate()))
  }

  private abandon (slot: Slot): void {
    for (const jobs of slot.waiting.values()) {
      for (const job of jobs) job.resolve(this.inline(job.key, job.message, job.signature))
    }
    slot.waiting.clear()
    slot.load = 0
  }
}
