/**
 * Worker thread of the VerifyPool: verifies batches of Ed25519 signatures with
 * `fastVerify`, the function the main thread would have used, so verdicts are identical.
 * Public keys arrive raw; their KeyObjects are built once per key and kept (a node has a
 * bounded set of trusted peers; the cache is cleared if it ever grows past a limit).
 *
 * @module
 */
import { parentPort } from 'node:worker_threads'
import type { KeyObject } from 'node:crypto'
import { fastVerify } from '../../protocol/ed25519-fast.ts'
import { publicKeyObject } from '../../protocol/keys.ts'

export interface VerifyBatch {
  id: number
  keys: Uint8Array[]
  messages: Uint8Array[]
  signatures: Uint8Array[]
}

export interface VerifyVerdicts {
  id: number
  /** 1 where the signature verifies, 0 where it does not. */
  ok: Uint8Array
}

/** What a worker posts: once `ready` (its modules loaded), then one answer per batch. */
export type WorkerMessage = VerifyVerdicts | { ready: true }

const MAX_CACHED_KEYS = 4096
const keys = new Map<string, KeyObject>()

function keyObjectOf (raw: Uint8Array): KeyObject | undefined {
  if (raw.length !== 32) return undefined
  const hex = Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('hex')
  let key = keys.get(hex)
  if (key === undefined) {
    if (keys.size >= MAX_CACHED_KEYS) keys.clear()
    key = publicKeyObject(raw)
    keys.set(hex, key)
  }
  return key
}

parentPort?.on('message', (batch: VerifyBatch) => {
  const ok = new Uint8Array(batch.keys.length)
  for (let i = 0; i < ok.length; i++) {
    const raw = batch.keys[i]
    const keyObject = keyObjectOf(raw)
    if (keyObject === undefined) continue
    ok[i] = fastVerify({ peerId: '', publicKey: raw, keyObject }, batch.messages[i], batch.signatures[i]) ? 1 : 0
  }
  parentPort?.postMessage({ id: batch.id, ok } satisfies VerifyVerdicts, [ok.buffer])
})
parentPort?.postMessage({ ready: true } satisfies WorkerMessage)
