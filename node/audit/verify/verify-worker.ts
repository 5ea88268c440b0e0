/**
 * Verification worker (worker_threads): checks chunks of stored envelopes (chunk.ts) and raw
 * LevelDB files (leveldb/file-check.ts) off the main thread. Stateless apart from the peer table
 * and the verify keys built from it, which the pool extends with each chunk.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { parentPort } from 'node:worker_threads'
import { verifyKeyFromPeerId } from '../../../protocol/keys.ts'
import type { VerifyKey } from '../../../protocol/types.ts'
import { checkLevelDbFile } from '../leveldb/file-check.ts'
import type { LevelDbFileKind } from '../leveldb/file-check.ts'
import { KIND_RECEIPT, PAYLOAD_CODES, readChunk } from './chunk.ts'
import { PAYLOAD_TYPES } from '../../../protocol/types.ts'
import { checkStoredEnvelopes } from './envelope-check.ts'
import type { EnvelopeToCheck } from './envelope-check.ts'

export interface EnvelopeJob {
  type: 'envelopes'
  id: number
  buffer: ArrayBuffer
  count: number
  /** Peer IDs the worker has not been sent yet, starting at table index `peerBase`. */
  peers: string[]
  peerBase: number
}

export interface FileJob {
  type: 'file'
  id: number
  path: string
  kind: LevelDbFileKind
  names: string[]
  /** Size the manifest records (tables). */
  size?: number
}

export interface EnvelopeResult {
  type: 'envelopes'
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
}

export interface FileResult {
  type: 'file'
  id: number
  problems: string[]
  bytes: number
  cpu: number
}

function cpuMicros (): number {
  const { user, system } = process.threadCpuUsage()
  return user + system
}

const peers: string[] = []
const keys: Array<VerifyKey | null | undefined> = []

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
  const batch: EnvelopeToCheck[] = []
  const positions: number[] = []
  let i = 0
  for (const item of readChunk(job.buffer, job.count)) {
    const key = keyOf(item.signer)
    const payloadType = PAYLOAD_CODES[item.payloadCode]
    if (key === null) {
      status[i] = 1
      problems.push([i, `signer ${String(peers[item.signer])} is not an Ed25519 peer ID`])
    } else if (item.kind === KIND_RECEIPT) {
      batch.push({ bytes: item.bytes, signer: key, expect: { kind: 'receipt', digest: item.digest } })
      positions.push(i)
    } else if (payloadType === undefined) {
      status[i] = 1
      problems.push([i, 'its index record names a payload type this node does not store'])
    } else {
      const expect = payloadType === PAYLOAD_TYPES.message
        ? { kind: 'message' as const, digest: item.digest, prefix: item.prefix }
        : { kind: 'message' as const, digest: item.digest, payloadType, id: Buffer.from(item.prefix).toString('utf8') }
      batch.push({ bytes: item.bytes, signer: key, expect })
      positions.push(i)
    }
    i++
  }
  const results = checkStoredEnvelopes(batch)
  for (let j = 0; j < results.length; j++) {
    const at = positions[j]
    const check = results[j]
    shas.write(check.sha256, 32 * at, 32, 'latin1')
    if (!check.ok) {
      status[at] = 1
      problems.push([at, check.problem])
    }
  }
  const shasBuffer = shas.buffer.byteLength === shas.length ? shas.buffer : shas.buffer.slice(shas.byteOffset, shas.byteOffset + shas.length)
  return { type: 'envelopes', id: job.id, status: status.buffer, shas: shasBuffer as ArrayBuffer, buffer: job.buffer, problems, cpu: cpuMicros() }
}

async function checkFile (job: FileJob): Promise<FileResult> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(job.path)
  } catch (err) {
    return { type: 'file', id: job.id, problems: [`cannot be read: ${(err as Error).message}`], bytes: 0, cpu: cpuMicros() }
  }
  return { type: 'file', id: job.id, problems: checkLevelDbFile(job.kind, bytes, new Set(job.names), job.size), bytes: bytes.length, cpu: cpuMicros() }
}

const port = parentPort
if (port != null) {
  port.on('message', (job: EnvelopeJob | FileJob) => {
    if (job.type === 'envelopes') {
      const result = checkEnvelopes(job)
      port.postMessage(result, [result.status, result.shas, result.buffer])
    } else {
      checkFile(job).then(result => { port.postMessage(result) }, (err: unknown) => {
        port.postMessage({ type: 'file', id: job.id, problems: [`check failed: ${(err as Error).message}`], bytes: 0, cpu: cpuMicros() })
      })
    }
  })
}
