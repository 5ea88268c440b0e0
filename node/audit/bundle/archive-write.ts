/**
 * Writing an audit bundle archive (archive.ts says what it is): the bundle folder zipped,
 * streamed to disk. Node only; the browser only reads archives.
 *
 * @module
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs'
import { readFile, rename, rm } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { Zip, ZipDeflate } from 'fflate'
import { dirSource } from './dir-source.ts'

/**
 * Zip the bundle folder `dir` into `file` (its files under a folder named after `file`),
 * streamed to disk; written to `file.partial`, fsynced, then renamed, so a crash never leaves
 * a half-written archive under the final name.
 */
export async function zipBundle (dir: string, file: string): Promise<{ files: number, bytes: number }> {
  const folder = basename(file).replace(/\.zip$/i, '')
  const partial = `${file}.partial`
  const fd = openSync(partial, 'wx', 0o600)
  let bytes = 0
  let failed: Error | undefined
  try {
    const zip = new Zip((err, chunk) => {
      if (err != null) {
        failed = err
        return
      }
      writeSync(fd, chunk)
      bytes += chunk.length
    })
    const source = dirSource(dir)
    const names = await source.files()
    for (const name of names) {
      const entry = new ZipDeflate(`${folder}/${name}`, { level: 6 })
      zip.add(entry)
      entry.push(await readFile(join(dir, name)), true)
      if (failed != null) throw failed
    }
    zip.end()
    if (failed != null) throw failed
    fsyncSync(fd)
    closeSync(fd)
    await rename(partial, file)
    return { files: names.length, bytes }
  } catch (err) {
    try {
      closeSync(fd)
    } catch {}
    await rm(partial, { force: true })
    throw err
  }
}
