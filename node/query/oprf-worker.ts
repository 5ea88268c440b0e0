/**
 * A worker of the index build pool (oprf-pool.ts): evaluates batches with `evaluateBatch` under
 * the key each job names and posts the packed outputs back (transferred, not copied). The
 * secret key arrives with each job over the in-process message port; it never leaves the
 * process.
 *
 * @module
 */
import { parentPort } from 'node:worker_threads'
import { evaluateBatch, type EvaluateJob } from './evaluate-batch.ts'

/** A job as posted to the worker. */
export interface WorkerJob extends EvaluateJob {
  readonly id: number
  readonly secretKey: Uint8Array
  readonly publicKey: Uint8Array
}

if (parentPort === null) throw new Error('oprf-worker.ts runs as a worker thread')
const port = parentPort
port.on('message', (job: WorkerJob) => {
  try {
    const result = evaluateBatch({ secretKey: job.secretKey, publicKey: job.publicKey }, job)
    port.postMessage({ id: job.id, result }, [result.outputs.buffer as ArrayBuffer])
  } catch (err) {
    port.postMessage({ id: job.id, error: (err as Error).message })
  }
})
port.postMessage({ ready: true })
