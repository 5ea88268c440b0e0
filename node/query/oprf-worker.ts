/**
 * A worker of the index build pool (oprf-pool.ts): evaluates batches with `evaluateBatch` under
 * the key each job names and posts the packed outputs back (transferred, not copied). The
 * secret key arrives with each job over the in-process message port; it never leaves the
 * process.
 *
 * Each reply also carries the CPU time this thread spent on the job (`process.threadCpuUsage`,
 * µs), so the pool can tell how much CPU the evaluation took apart from the main thread's
 * reading and writing (the bench's per-CPU-second figures); the ready message carries the CPU
 * time the thread took to start (module loading, libsodium's WebAssembly).
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
  const cpu0 = process.threadCpuUsage()
  try {
    const result = evaluateBatch({ secretKey: job.secretKey, publicKey: job.publicKey }, job)
    const cpu = process.threadCpuUsage(cpu0)
    port.postMessage({ id: job.id, result, cpuMicros: cpu.user + cpu.system }, [result.outputs.buffer as ArrayBuffer])
  } catch (err) {
    port.postMessage({ id: job.id, error: (err as Error).message })
  }
})
// The thread's CPU time from its start to here: loading the modules and libsodium's WebAssembly.
const start = process.threadCpuUsage()
port.postMessage({ ready: true, cpuMicros: start.user + start.system })
