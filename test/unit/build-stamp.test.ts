import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildProblem, changedInputs, hashFile, STAMP_FILE, type BuildStamp } from '../../scripts/build-stamp.ts'

describe('build stamp (which sources dist/ was built from)', () => {
  let root: string

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'liaison-stamp-'))
    await mkdir(join(root, 'node'), { recursive: true })
    await mkdir(join(root, 'dist'), { recursive: true })
    await writeFile(join(root, 'node/a.ts'), 'export const a = 1\n')
    await writeFile(join(root, 'node/b.ts'), 'export const b = 2\n')
    const stamp: BuildStamp = {
      version: 1,
      inputs: { 'node/a.ts': hashFile(join(root, 'node/a.ts')) as string, 'node/b.ts': hashFile(join(root, 'node/b.ts')) as string }
    }
    await writeFile(join(root, 'dist', STAMP_FILE), JSON.stringify(stamp))
  })

  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('finds a build current while every input is byte for byte what it was built from', () => {
    expect(buildProblem(root)).toBeUndefined()
  })

  it('names a changed input and a deleted one as stale', async () => {
    await writeFile(join(root, 'node/a.ts'), 'export const a = 3\n')
    await rm(join(root, 'node/b.ts'))
    const stamp = JSON.parse(await readFile(join(root, 'dist', STAMP_FILE), 'utf8')) as BuildStamp
    expect(changedInputs(root, stamp)).toEqual(['node/a.ts', 'node/b.ts'])
    expect(buildProblem(root)).toMatch(/built from other sources.*node\/a\.ts, node\/b\.ts changed since/)
  })

  it('reports a missing build (no stamp) rather than trusting whatever dist/ holds', async () => {
    await rm(join(root, 'dist', STAMP_FILE))
    expect(buildProblem(root)).toMatch(/holds no build/)
  })
})
