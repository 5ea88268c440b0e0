/**
 * `report verify`'s leaf hashing on a worker thread: the batches of entry texts the figures are
 * computed from are posted (structured clone: an exact copy of each string) to a worker that
 * folds them into a TextRoot (text-root.ts), so hashing every leaf — about a third of verify's
 * main-thread time at 1 M entries — runs beside the figures on a second core. At most
 * `MAX_QUEUED` batches are in flight: `add` waits for the worker when it falls behind, so the
 * copies waiting for it stay bounded (4 × 1,024 entries, about 2 MB) however long the log.
 *
 * Sound as the in-thread TextRoot is: the worker hashes the very texts that are counted, in
 * order, and the root it returns is compared with the signed checkpoint's.
 *
 * This module is also the worker's entry (started with `workerData.reportTextRoot`).
 *
 * @example
 * ```ts
 * const hashing = new TextRootWorker()
 * try {
 *   for await (const batch of source.texts()) await hashing.add(batch)
 *   const root = await hashing.rootHex()
 * } finally {
 *   await hashing.close()
 * }
 * ```
 *
 * @module
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { TextRoot } from './text-root.ts'

/** Batches posted and not yet hashed, at most. */
export const MAX_QUEUED = 4

type ToWorker = { texts: string[] } | { end: true }
type FromWorker = { hashed: number } | { root: string }

export class TextRootWorker {
  private readonly worker: Worker
  private queued = 0
  private failed: Error | undefined
  /** Callers of `add` waiting for room, first come first served. */
  private readonly rooms: Array<{ resolve: () => void, reject: (err: Error) => void }> = []
  private result: { resolve: (root: string) => void, reject: (err: Error) => void } | undefined
  private closed = false

  constructor () {
    this.worker = new Worker(new URL(import.meta.url), { workerData: { reportTextRoot: true } })
    this.worker.on('message', (m: FromWorker) => {
      if ('root' in m) {
        this.result?.resolve(m.root)
        this.result = undefined
        return
      }
      this.queued--
      this.rooms.shift()?.resolve()
    })
    this.worker.on('error', err => {
      this.fail(err)
    })
    this.worker.on('exit', code => {
      if (!this.closed) this.fail(new Error(`the leaf-hashing worker exited with code ${code}`))
    })
  }

  /** Queue one batch of entry texts (copied now: the caller may clear its array at once); waits while MAX_QUEUED are in flight. */
  async add (texts: string[]): Promise<void> {
    if (this.failed != null) throw this.failed
    while (this.queued >= MAX_QUEUED) {
      await new Promise<void>((resolve, reject) => {
        this.rooms.push({ resolve, reject })
      })
    }
    this.queued++
    this.worker.postMessage({ texts } satisfies ToWorker)
  }

  /** The root of every text added, lowercase hex. */
  async rootHex (): Promise<string> {
    if (this.failed != null) throw this.failed
    const root = new Promise<string>((resolve, reject) => {
      this.result = { resolve, reject }
    })
    this.worker.postMessage({ end: true } satisfies ToWorker)
    return await root
  }

  /** Stop the worker (idempotent). */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.worker.terminate()
  }

  private fail (err: Error): void {
    this.failed ??= err
    for (const room of this.rooms.splice(0)) room.reject(err)
    this.result?.reject(err)
    this.result = undefined
  }
}

const port = parentPort
if (!isMainThread && port != null && (workerData as { reportTextRoot?: boolean } | undefined)?.reportTextRoot === true) {
  const root = new TextRoot()
  port.on('message', (m: ToWorker) => {
    if ('end' in m) {
      port.postMessage({ root: root.rootHex() } satisfies FromWorker)
      return
    }
    for (const text of m.texts) root.add(text)
    port.postMessage({ hashed: m.texts.length } satisfies FromWorker)
  })
}
