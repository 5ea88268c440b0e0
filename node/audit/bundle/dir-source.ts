/**
 * A BundleSource over a bundle directory on disk, and SHA-256 with node:crypto.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import type { BundleSource } from './bundle-source.ts'

export function dirSource (dir: string): BundleSource {
  return {
    read: async (path) => {
      try {
        return await readFile(join(dir, ...path.split('/')))
      } catch {
        return undefined
      }
    },
    files: async () => {
      const out: string[] = []
      for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
        if (entry.isFile()) out.push(relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
      }
      return out.sort()
    }
  }
}

export async function nodeSha256Hex (data: Uint8Array): Promise<string> {
  return createHash('sha256').update(data).digest('hex')
}
