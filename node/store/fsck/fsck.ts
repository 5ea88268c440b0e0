/**
 * `liaison store fsck`: an operator's check of the raw LevelDB files of a stopped node's store
 * against their on-disk formats and CRC-32C checksums (file-check.ts) — for a failing disk, a
 * bad copy or a truncated backup, including the bytes LevelDB itself would not look at (it does
 * not verify block checksums on reads by default, skips corrupt log records on recovery, and
 * never reads superseded values again).
 *
 * It is not tamper evidence: whoever rewrites a value recomputes its checksum. Tamper evidence
 * is `liaison audit verify` (signatures, the Merkle tree, signed checkpoints).
 *
 * Which files: CURRENT and the manifest it names, then every live table (at the size the
 * manifest records) and every log the database would still replay. Files outside that set hold
 * none of the database's contents (left-overs of a compaction interrupted by close, logs already
 * flushed): they are reported as notes, not checked. The files are only read, never opened with
 * LevelDB.
 *
 * @module
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { checkCurrentFile, checkLevelDbFile, levelDbFileKind } from './file-check.ts'
import type { LevelDbFileKind } from './file-check.ts'
import { liveFiles } from './manifest.ts'
import type { LiveFiles } from './manifest.ts'

export interface FsckFailure {
  check: 'storage'
  /** `store/<file name>` */
  where: string
  detail: string
}

export interface FsckReport {
  ok: boolean
  /** The store directory checked. */
  source: string
  files: { checked: number, bytes: number }
  failures: FsckFailure[]
  failureCount: number
  notes: string[]
}

const fileNumber = (name: string): number => Number(/^(\d+)\./.exec(name)?.[1] ?? NaN)

/** Check the files of the LevelDB store in `storeDir`; never throws for bad data. */
export async function fsckStore (storeDir: string, onFile?: (done: number, total: number) => void): Promise<FsckReport> {
  const report: FsckReport = { ok: false, source: storeDir, files: { checked: 0, bytes: 0 }, failures: [], failureCount: 0, notes: [] }
  const fail = (name: string, detail: string): void => {
    report.failures.push({ check: 'storage', where: `store/${name}`, detail })
  }
  const names = await readdir(storeDir)
  const set = new Set(names)
  const read = async (name: string): Promise<Uint8Array | undefined> => {
    try {
      const bytes = await readFile(join(storeDir, name))
      report.files.checked++
      report.files.bytes += bytes.length
      return bytes
    } catch (err) {
      fail(name, `cannot be read: ${(err as Error).message}`)
      return undefined
    }
  }
  let manifestName: string | undefined
  const current = await read('CURRENT')
  if (current !== undefined) {
    const problems = checkCurrentFile(current, set)
    for (const p of problems) fail('CURRENT', p)
    if (problems.length === 0) manifestName = Buffer.from(current).toString('latin1').trim()
  }
  let live: LiveFiles | undefined
  if (manifestName !== undefined) {
    const manifest = await read(manifestName)
    try {
      if (manifest !== undefined) {
        const edits = liveFiles(manifest)
        for (const p of edits.problems) fail(manifestName, p)
        live = edits.live
      }
    } catch (err) {
      fail(manifestName, `cannot be read: ${(err as Error).message}`)
    }
  }
  const jobs: Array<{ name: string, kind: LevelDbFileKind, size?: number }> = []
  for (const name of names) {
    const kind = levelDbFileKind(name)
    if (kind === 'unknown') report.notes.push(`store file ${name} is not a LevelDB file and was not checked`)
    if (kind === 'ignored' || kind === 'unknown' || kind === 'current' || name === manifestName) continue
    const n = fileNumber(name)
    if (live === undefined) jobs.push({ name, kind }) // no manifest to go by: check everything
    else if (kind === 'table' && live.tables.has(n)) jobs.push({ name, kind, size: live.tables.get(n) })
    else if (kind === 'log' && (n >= live.logNumber || n === live.prevLogNumber)) jobs.push({ name, kind })
    else report.notes.push(`store file ${name} is not part of the database (a left-over LevelDB removes on its next open) and was not checked`)
  }
  for (const n of live?.tables.keys() ?? []) {
    const name = String(n).padStart(6, '0')
    if (!set.has(`${name}.ldb`) && !set.has(`${name}.sst`)) fail(`${name}.ldb`, 'the manifest names this table, but it is missing')
  }
  let done = 0
  for (const job of jobs) {
    const bytes = await read(job.name)
    if (bytes !== undefined) { for (const p of checkLevelDbFile(job.kind, bytes, set, job.size)) fail(job.name, p) }
    onFile?.(++done, jobs.length)
  }
  report.failureCount = report.failures.length
  report.ok = report.failureCount === 0
  return report
}

/** A human-readable report (what the CLI prints without --json). */
export function formatFsckReport (report: FsckReport): string {
  const lines = [`${report.ok ? 'OK' : 'FAILED'}: ${report.source}`, `  files       ${report.files.checked} checked (${report.files.bytes} bytes)`]
  for (const note of report.notes) lines.push(`  note: ${note}`)
  if (report.failureCount > 0) lines.push(`  ${report.failureCount} failure${report.failureCount === 1 ? '' : 's'}:`)
  for (const f of report.failures) lines.push(`    [${f.check}] ${f.where}: ${f.detail}`)
  return lines.join('\n') + '\n'
}
