/**
 * Verification worker (worker_threads): checks chunks of stored envelopes (chunk.ts) and raw
 * LevelDB files (leveldb/file-check.ts) off the main thread. Stateless apart from the peer table
 * and the verify keys built from it, which the pool extends with each chunk.
 *
 * @module
 */
import { open } from 'node:fs/promises'
import { parentPort, workerData } from 'node:worker_threads'
import { fastVerifierName, useLibsodium } from '../../../protocol/ed25519-fast.ts'
import { verifyKeyFromPeerId } from '../../../protocol/keys.ts'
import type { VerifyKey } from '../../../protocol/types.ts'
import { checkLevelDbFile, readLogFile } from '../leveldb/file-check.ts'
import type { LevelDbFileKind } from '../leveldb/file-check.ts'
import { KIND_RECEIPT, PAYLOAD_CODES, readChunk } from './chunk.ts'
import { PAYLOAD_TYPES } from '../../../protocol/types.ts'
import { checkStoredEnvelopes } from './envelope-check.ts'
import type { EnvelopeToCheck } from './envelope-check.ts'
import type { Found } from './found.ts'
import type { FoundEntries } from './entry-scan.ts'
import { scanStoreFile } from './stored-scan.ts'

/** What the pool starts each worker with. */
export interface VerifyWorkerData {
  /** Verify signatures with libsodium where it loads (protocol/ed25519-fast.ts), else node:crypto alone. */
  libsodium: boolean
}

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
  /** Also read and check the envelopes and receipts a table or log holds (stored-scan.ts). */
  collect?: boolean
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
  /** The Ed25519 verifier this worker uses (protocol/ed25519-fast.ts). */
  verifier?: string
  /** With `collect`: the envelopes and receipts found in the file. */
  found?: Found
  /** With `collect`: the audit entries found in the file (entry-scan.ts). */
  entries?: FoundEntries
}

function cpuMicros (): number {
  const { user, system } = process.threadCpuUsage()
  return user + system
}

const peers: string[] = []
const keys: Array<VerifyKey | null | undefined> = []

const keysByPeer = new Map<string, VerifyKey | null>()

/** The verify key of a peer ID, or null if it is not an Ed25519 one. */
function keyOfPeer (peerId: string): VerifyKey | null {
  let key = keysByPeer.get(peerId)
  if (key === undefined) {
    try {
      key = verifyKeyFromPeerId(peerId)
    } catch {
      key = null
    }
    keysByPeer.set(peerId, key)
  }
  return key
}

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

/**
 * One buffer for every file this worker reads (files are checked one at a time): a fresh 2 MB
 * buffer per table would be external memory the garbage collector keeps accounting for.
 */
let fileBuffer = Buffer.allocUnsafeSlow(4 << 20)

async function readWhole (path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r')
  try {
    const { size } = await handle.stat()
    if (size > fileBuffer.length) fileBuffer = Buffer.allocUnsafeSlow(Math.max(size, 2 * fileBuffer.length))
    let read = 0
    while (read < size) {
      const { bytesRead } = await handle.read(fileBuffer, read, size - read, read)
      if (bytesRead === 0) break
      read += bytesRead
    }
    return fileBuffer.subarray(0, read)
  } finally {
    await handle.close()
  }
}

/** File jobs run one after another (they share `fileBuffer`). */
let fileQueue: Promise<unknown> = Promise.resolve()

async function checkFile (job: FileJob): Promise<FileResult> {
  const result = fileQueue.then(async () => await checkFileNow(job))
  fileQueue = result.catch(() => {})
  return await result
}

async function checkFileNow (job: FileJob): Promise<FileResult> {
  let bytes: Uint8Array
  try {
    bytes = await readWhole(job.path)
  } catch (err) {
    return { type: 'file', id: job.id, problems: [`cannot be read: ${(err as Error).message}`], bytes: 0, cpu: cpuMicros() }
  }
  const result: FileResult = { type: 'file', id: job.id, problems: [], bytes: bytes.length, cpu: 0 }
  if (job.collect === true && job.kind === 'log') {
    const log = readLogFile(bytes, true)
    result.problems = log.problems
    const scan = scanStoreFile({ kind: 'log', records: log.records }, log.problems.length === 0, keyOfPeer)
    result.problems.push(...scan.problems)
    result.found = scan.found
    result.entries = scan.entries
  } else {
    result.problems = checkLevelDbFile(job.kind, bytes, new Set(job.names), job.size)
    if (job.collect === true && job.kind === 'table' && (job.size === undefined || bytes.length === job.size)) {
      const scan = scanStoreFile({ kind: 'table', bytes }, result.problems.length === 0, keyOfPeer)
      result.problems.push(...scan.problems)
      result.found = scan.found
      result.entries = scan.entries
    }
  }
  result.cpu = cpuMicros()
  result.verifier = fastVerifierName()
  return result
}

const port = parentPort
if (port != null) {
  useLibsodium((workerData as VerifyWorkerData | undefined)?.libsodium !== false)
  port.on('message', (job: EnvelopeJob | FileJob) => {
    if (job.type === 'envelopes') {
      const result = checkEnvelopes(job)
      port.postMessage(result, [result.status, result.shas, result.buffer])
    } else {
      checkFile(job).then(result => {
        port.postMessage(result, [
          ...(result.found === undefined ? [] : [result.found.buffer]),
          ...(result.entries === undefined ? [] : [result.entries.buffer])
        ])
      }, (err: unknown) => {
        port.postMessage({ type: 'file', id: job.id, problems: [`check failed: ${(err as Error).message}`], bytes: 0, cpu: cpuMicros() })
      })
    }
  })
}
