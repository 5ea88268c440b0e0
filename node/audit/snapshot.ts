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
 * Snapshots live in the temp directory as `liaison-audit-snapshot-<pid>-XXXXXX` and never
 * outlive their tool: they are removed when done, on exit, and on SIGINT/SIGTERM/SIGHUP (the
 * signal then takes its default course unless someone else listens for it). What a `kill -9`
 * leaves behind is removed by the next snapshot, once its process is gone.
 *
 * @module
 */
import { constants } from 'node:fs'
import { rmSync } from 'node:fs'
import { copyFile, link, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { Level } from 'level'
import { dataDirPaths } from '../config/data-dir.ts'
import { NodeError } from '../errors.ts'

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

/**
 * Throws NOT_FOUND unless `storeDir` looks like a LevelDB directory. A data dir that `liaison init`
 * made but no node ever started has an identity and no store yet: the message says so, since the
 * operator's next step (start it once) differs from that for a wrong path.
 */
export async function assertStoreExists (storeDir: string): Promise<void> {
  try {
    await stat(join(storeDir, 'CURRENT'))
  } catch {
    const dataDir = dirname(storeDir)
    const initialised = await stat(dataDirPaths(dataDir).identity).then(() => true, () => false)
    if (initialised) {
      throw new NodeError('NOT_FOUND', `the node in ${dataDir} has never been started, so it has no store yet (start it once with liaison start)`)
    }
    throw new NodeError('NOT_FOUND', `${storeDir} holds no LevelDB store (no CURRENT file)`)
  }
}

const PREFIX = 'liaison-audit-snapshot-'
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/** Snapshots this process has open, removed synchronously if it is stopped by a signal or exits. */
const live = new Set<string>()

function removeLive (): void {
  for (const dir of live) rmSync(dir, { recursive: true, force: true })
  live.clear()
}

function onSignal (signal: NodeJS.Signals): void {
  removeLive()
  unwatch()
  // Nobody else handles it: let the signal do what it would have done without us.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
}

function watch (dir: string): void {
  if (live.size === 0) {
    for (const signal of SIGNALS) process.on(signal, onSignal)
    process.on('exit', removeLive)
  }
  live.add(dir)
}

function unwatch (dir?: string): void {
  if (dir !== undefined) live.delete(dir)
  if (live.size > 0) return
  for (const signal of SIGNALS) process.off(signal, onSignal)
  process.off('exit', removeLive)
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Remove the snapshots of processes that are gone (killed before they could clean up). */
export async function removeStaleSnapshots (root = tmpdir()): Promise<string[]> {
  const removed: string[] = []
  let names: string[]
  try {
    names = await readdir(root)
  } catch {
    return removed
  }
  for (const name of names) {
    const pid = /^liaison-audit-snapshot-([0-9]+)-/.exec(name)?.[1]
    if (pid === undefined || Number(pid) === process.pid || alive(Number(pid))) continue
    await rm(join(root, name), { recursive: true, force: true })
    removed.push(name)
  }
  return removed
}

export async function snapshotStore (storeDir: string): Promise<StoreSnapshot> {
  await removeStaleSnapshots()
  const dir = await mkdtemp(join(tmpdir(), `${PREFIX}${process.pid}-`))
  watch(dir)
  try {
    for (const name of await readdir(storeDir)) {
      if (name === 'LOCK' || name === 'LOG' || name === 'LOG.old') continue
      const from = join(storeDir, name)
      const to = join(dir, name)
      if (/^\d+\.(ldb|sst)$/.test(name)) { // a table: LevelDB never changes one once written
        try {
          await link(from, to)
          continue
        } catch {}
      }
      await copyFile(from, to, constants.COPYFILE_FICLONE)
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    unwatch(dir)
    throw err
  }
  return {
    dir,
    dispose: async () => {
      await rm(dir, { recursive: true, force: true })
      unwatch(dir)
    }
  }
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
    throw new NodeError('INTERNAL', `LevelDB refused to open the store at ${paths.store}: ${(err as Error).message}${cause != null ? `: ${cause}` : ''}`, {
      cause: err
    })
  }
  return {
    db,
    close: async () => {
      await db.close()
      await snapshot.dispose()
    }
  }
}
