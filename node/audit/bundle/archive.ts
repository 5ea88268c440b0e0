/**
 * An audit bundle as one .zip file, for handing over: `liaison audit export --out FILE.zip`
 * writes one (archive-write.ts), and the auditor's page and `liaison audit verify --bundle FILE.zip`
 * read one (zipEntries → memorySource). Zip, by fflate (small, no dependencies, the same code
 * in Node and the browser), because every desktop opens it; the archive is only a container:
 * what is checked is the files inside, against manifest.json, exactly as for a folder.
 *
 * Layout: the bundle's files under one folder named after the archive (what zipping a folder
 * gives); a reader also accepts the files at the top level, and strips one common folder.
 *
 * @module
 */
import { unzipSync } from 'fflate'
import { NodeError } from '../../errors.ts'

/** True if `path` names a zip archive (by its extension). */
export function isArchivePath (path: string): boolean {
  return /\.zip$/i.test(path)
}

/**
 * The files of a bundle archive, path → bytes, with the archive's single top folder (if the
 * bundle is inside one) stripped. Directory entries are skipped. BAD_ARGUMENT if the bytes are
 * not a zip archive.
 */
export function zipEntries (bytes: Uint8Array): Map<string, Uint8Array> {
  let files: Record<string, Uint8Array>
  try {
    files = unzipSync(bytes)
  } catch (err) {
    throw new NodeError('BAD_ARGUMENT', `the bundle archive is not a zip archive (${(err as Error).message})`)
  }
  const names = Object.keys(files).filter(n => !n.endsWith('/'))
  const top = names[0]?.split('/')[0]
  const strip = names.length > 0 && !names.includes('manifest.json') && names.every(n => n.startsWith(`${top}/`))
  const out = new Map<string, Uint8Array>()
  for (const n of names) out.set(strip ? n.slice(top.length + 1) : n, files[n])
  return out
}
