/**
 * Which raw files of a store `verify` checks: CURRENT and the manifest it names (here, on the
 * main thread: they are small and say what else is live), then — in the workers — every live
 * table (at the size the manifest records) and every log the database would still replay.
 * Files outside that set hold none of the database's contents (left-overs of a compaction
 * interrupted by close, logs already flushed): they are reported as notes, not checked.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { checkCurrentFile, levelDbFileKind } from '../leveldb/file-check.ts'
import type { LevelDbFileKind } from '../leveldb/file-check.ts'
import { liveFiles } from '../leveldb/manifest.ts'
import type { LiveFiles } from '../leveldb/manifest.ts'

export interface FileJob {
  name: string
  kind: LevelDbFileKind
  size?: number
}

export interface FilePlan {
  jobs: FileJob[]
  /** [where, what] */
  problems: Array<[string, string]>
  notes: string[]
  /** Files checked here (CURRENT, manifest) and their bytes. */
  checked: number
  bytes: number
}

const fileNumber = (name: string): number => Number(/^(\d+)\./.exec(name)?.[1] ?? NaN)

export async function planFileChecks (storeDir: string, names: string[]): Promise<FilePlan> {
  const plan: FilePlan = { jobs: [], problems: [], notes: [], checked: 0, bytes: 0 }
  const set = new Set(names)
  let live: LiveFiles | undefined
  let manifestName: string | undefined
  try {
    const current = await readFile(join(storeDir, 'CURRENT'))
    plan.checked++
    plan.bytes += current.length
    const problems = checkCurrentFile(current, set)
    for (const p of problems) plan.problems.push(['store/CURRENT', p])
    if (problems.length === 0) manifestName = current.toString('latin1').trim()
  } catch (err) {
    plan.problems.push(['store/CURRENT', `cannot be read: ${(err as Error).message}`])
  }
  if (manifestName !== undefined) {
    const manifest = await readFile(join(storeDir, manifestName))
    plan.checked++
    plan.bytes += manifest.length
    try {
      const read = liveFiles(manifest)
      for (const p of read.problems) plan.problems.push([`store/${manifestName}`, p])
      live = read.live
    } catch (err) {
      plan.problems.push([`store/${manifestName}`, `cannot be read: ${(err as Error).message}`])
    }
  }
  for (const name of names) {
    const kind = levelDbFileKind(name)
    if (kind === 'unknown') plan.notes.push(`store file ${name} is not a LevelDB file and was not checked`)
    if (kind === 'ignored' || kind === 'unknown' || kind === 'current' || name === manifestName) continue
    if (live === undefined) {
      plan.jobs.push({ name, kind }) // no manifest to go by: check everything
      continue
    }
    const n = fileNumber(name)
    if (kind === 'table' && live.tables.has(n)) plan.jobs.push({ name, kind, size: live.tables.get(n) })
    else if (kind === 'log' && (n >= live.logNumber || n === live.prevLogNumber)) plan.jobs.push({ name, kind })
    else plan.notes.push(`store file ${name} is not part of the database (a left-over LevelDB removes on its next open) and was not checked`)
  }
  if (live !== undefined) {
    for (const n of live.tables.keys()) {
      const name = String(n).padStart(6, '0')
      if (!set.has(`${name}.ldb`) && !set.has(`${name}.sst`)) plan.problems.push([`store/${name}.ldb`, 'the manifest names this table, but it is missing'])
    }
  }
  return plan
}
