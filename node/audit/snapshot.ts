/**
 * Read-only access to a stopped node's store. Opening LevelDB writes (it recovers the log into a
 * new table and a new manifest), and an auditor must not change the evidence, so the auditor
 * tools open a private snapshot instead: table files are hard-linked (LevelDB never modifies a
 * table once written, and deleting a link leaves the original alone), everything else is copied.
 * Where links are impossible (another file system, read-only media) files are copied, by
 * reflink when the file system can.
 *
 * A running node's files change under a reader, so a data directory whose node is alive
 * (node.json names a live process) is refused: stop the node, or verify a copy.
 *
 * @module
 */
import { constants } from 'node:fs'
import { copyFile, link, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { dataDirPaths } from '../data-dir.ts'
import { NodeError } from '../errors.ts'
import { levelDbFileKind } from './leveldb/file-check.ts'

export interface StoreSnapshot {
  /** The snapshot's LevelDB directory. */
  dir: string
  dispose: () => Promise<void>
}

/** Throws DATA_DIR_IN_USE if a live node runs on `dataDir`. */
export async function assertNodeStopped (dataDir: string): Promise<void> {
  let pid: number
  try {
    pid = (JSON.parse(await readFile(dataDirPaths(dataDir).runtime, 'utf8')) as { pid: number }).pid
  } catch {
    return
  }
  try {
    process.kill(pid, 0)
  } catch {
    return
  }
  throw new NodeError('DATA_DIR_IN_USE', `a node (pid ${pid}) is running on ${dataDir}; stop it, or work on a copy of the directory`)
}

/** Throws NOT_FOUND unless `storeDir` looks like a LevelDB directory. */
export async function assertStoreExists (storeDir: string): Promise<void> {
  try {
    await stat(join(storeDir, 'CURRENT'))
  } catch {
    throw new NodeError('NOT_FOUND', `${storeDir} holds no LevelDB store (no CURRENT file)`)
  }
}

export async function snapshotStore (storeDir: string): Promise<StoreSnapshot> {
  const dir = await mkdtemp(join(tmpdir(), 'liaison-audit-snapshot-'))
  try {
    for (const name of await readdir(storeDir)) {
      const kind = levelDbFileKind(name)
      if (name === 'LOCK' || name === 'LOG' || name === 'LOG.old') continue
      const from = join(storeDir, name)
      const to = join(dir, name)
      if (kind === 'table') {
        try {
          await link(from, to)
          continue
        } catch {}
      }
      await copyFile(from, to, constants.COPYFILE_FICLONE)
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
  return { dir, dispose: async () => { await rm(dir, { recursive: true, force: true }) } }
}

/** A snapshot opened with LevelDB (read it, then `close()`: closes and deletes the snapshot). */
export interface OpenedSnapshot {
  db: Level<string, unknown>
  close: () => Promise<void>
}

/**
 * Snapshot a stopped node's store and open it. LevelDB refusing the snapshot (corruption it
 * detects on open) is a NodeError INTERNAL carrying LevelDB's message.
 */
export async function openStoreSnapshot (dataDir: string): Promise<OpenedSnapshot> {
  const paths = dataDirPaths(dataDir)
  await assertNodeStopped(paths.root)
  await assertStoreExists(paths.store)
  const snapshot = await snapshotStore(paths.store)
  const db = new Level<string, unknown>(snapshot.dir, { valueEncoding: 'json', createIfMissing: false })
  try {
    await db.open()
  } catch (err) {
    await snapshot.dispose()
    const cause = (err as { cause?: { message?: string } }).cause?.message
    throw new NodeError('INTERNAL', `LevelDB refused to open the store at ${paths.store}: ${(err as Error).message}${cause != null ? `: ${cause}` : ''}`, { cause: err })
  }
  return { db, close: async () => { await db.close(); await snapshot.dispose() } }
}
