/**
 * Verification worker (worker_threads): checks chunks of stored envelopes (chunk.ts) off the
 * main thread with envelope-check.ts — the strict decoder, the signature, the payload against
 * the index. Stateless apart from the peer table and the verify keys built from it, which the
 * pool extends with each chunk.
 *
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads'
import { fastVerifierName, useLibsodium } from '../../../protocol/ed25519-fast.ts'
import { verifyKeyFromPeerId } from '../../../protocol/keys.ts'
import { PAYLOAD_TYPES } from '../../../protocol/types.ts'
import type { VerifyKey } from '../../../protocol/types.ts'
import { KIND_RECEIPT, PAYLOAD_CODES, readChunk } from './chunk.ts'
import { checkStoredEnvelope } from './envelope-check.ts'
import type { EnvelopeCheck } from './envelope-check.ts'

/** What the pool starts each worker with. */
export interface VerifyWorkerData {
  /** Verify signatures with libsodium where it loads (protocol/ed25519-fast.ts), else node:crypto alone. */
  libsodium: boolean
}

export interface EnvelopeJob {
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

const port = parentPort
if (port != null) {
  useLibsodium((workerData as VerifyWorkerData | undefined)?.libsodium !== false)
  port.on('message', (job: EnvelopeJob) => {
    const result = checkEnvelopes(job)
    port.postMessage(result, [result.status, result.shas, result.buffer])
  })
}
