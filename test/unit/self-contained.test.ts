/**
 * A fresh clone has no `../shared` beside it: every file the tests, scripts and the node read
 * must be inside the project. This fails on any source that names a path outside it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const SKIP = new Set(['node_modules', 'dist', '.git', 'data', 'vectors', 'fixtures'])

function* sources (dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) yield* sources(path)
    else if (/\.(ts|js|mjs|cjs|json|sh|py)$/.test(name)) yield path
  }
}

describe('a clone is self-contained', () => {
  it('no test, script or source file reads from ../shared', () => {
    const offenders: string[] = []
    for (const dir of ['test', 'scripts', 'node', 'protocol', 'bench', '.ci']) {
      let files: string[]
      try {
        files = [...sources(join(ROOT, dir))]
      } catch {
        continue
      }
      for (const file of files) {
        if (file.endsWith('self-contained.test.ts')) continue
        if (/\.\.\/shared\b|\/work\/shared\b/.test(readFileSync(file, 'utf8'))) offenders.push(relative(ROOT, file))
      }
    }
    expect(offenders).toEqual([])
  })
})
