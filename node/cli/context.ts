/**
 * How a CLI command reaches a node: through the local API when the node runs (node.json names
 * its API and the process is alive), otherwise directly on the store.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { pino, type Logger } from 'pino'
import { dataDirPaths, loadIdentity, readApiToken, isInitialised, loadConfig } from '../config/index.ts'
import { NodeError } from '../errors.ts'
import { Store } from '../store/index.ts'
import { readListenState } from '../addresses/index.ts'
import { TrustList } from '../trust/index.ts'
import { KitKeeper } from '../courier/kit-keeper.ts'
import { LocalService, type LiaisonService } from '../service/index.ts'
import { ApiClient } from '../api/client.ts'
import { join } from 'node:path'
import { IndexStore } from '../query/index-store.ts'
import { rotateOprfKey } from '../query/rotation.ts'
import { PolicyHolder } from '../policy/index.ts'
import { AuditLog } from '../audit/audit-log.ts'
import type { RuntimeInfo } from '../runtime/index.ts'

export interface ServiceHandle {
  service: LiaisonService
  running: boolean
  close: () => Promise<void>
}

export async function readRuntime (dir: string): Promise<RuntimeInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(dataDirPaths(dir).runtime, 'utf8')) as RuntimeInfo
    process.kill(info.pid, 0)
    return info
  } catch {
    return undefined
  }
}

export async function openService (dir: string): Promise<ServiceHandle> {
  if (!await isInitialised(dir)) throw new NodeError('NOT_INITIALISED', `${dir} holds no identity; run: liaison init --data-dir ${dir} --name NAME`)
  const runtime = await readRuntime(dir)
  if (runtime != null) {
    const client = new ApiClient(runtime.apiUrl, await readApiToken(dir))
    try {
      await client.health()
      return { service: client, running: true, close: async () => {} }
    } catch (err) {
      if (err instanceof NodeError && err.code === 'UNAUTHORIZED') throw err
      // A stale node.json: fall through to the store.
    }
  }
  const paths = dataDirPaths(dir)
  const config = await loadConfig(paths.config)
  const { signer } = await loadIdentity(dir)
  const policy = await PolicyHolder.load(paths.policy)
  const store = await Store.open(paths.store)
  // Writes on a stopped node are audited like any other: the log seals their leaves.
  const audit = await AuditLog.open(store, { signer, checkpointIntervalMs: 0 })
  const trust = await TrustList.load(store)
  // A stopped node's card: the addresses its last run announced (ports it keeps), else the fixed ones configured.
  const remembered = (await readListenState(dir)).addresses
  // Trust-list changes made on a stopped node refresh the revocation kits too.
  const kits = new KitKeeper(paths.revocationDir, trust)
  kits.watch()
  return {
    service: new LocalService({
      dir,
      store,
      trust,
      signer,
      policy,
      name: config.name,
      ...(config.jurisdiction != null ? { jurisdiction: config.jurisdiction } : {}),
      addresses: () => (remembered.length > 0 ? remembered : [...config.listen].filter(a => !/\/tcp\/0$/.test(a))).map(a => `${a}/p2p/${signer.peerId}`),
      oprfKey: async () => {
        const index = await IndexStore.open(join(dir, 'query-index'))
        try {
          const k = index.publicKey()
          return { publicKey: k.publicKey, keyId: k.keyId }
        } finally {
          await index.close()
        }
      },
      rotateOprfKey: async (reason) => {
        const index = await IndexStore.open(join(dir, 'query-index'))
        try {
          return await rotateOprfKey(index, store, reason)
        } finally {
          await index.close()
        }
      }
    }),
    running: false,
    close: async () => {
      await kits.stop()
      await audit.stop()
      await store.close()
    }
  }
}

/** Logger for `start`: JSON lines, or pretty output on a terminal (or with --pretty). */
export function createLogger (level: string, pretty: boolean): Logger {
  if (pretty) {
    return pino({ level, transport: { target: 'pino-pretty', options: { destination: 1, translateTime: 'SYS:standard', ignore: 'pid,hostname' } } })
  }
  return pino({ level })
}
