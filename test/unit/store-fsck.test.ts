/**
 * `store fsck` (node/store/fsck/): the raw LevelDB files of a store against their formats and
 * checksums. These checks were part of `audit verify` before it read through the store's
 * interface; the assertions are the ones it made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildSyntheticDataDir } from '../../node/audit/synthetic-data-dir.ts'
import type { SyntheticDataDir } from '../../node/audit/synthetic-data-dir.ts'
import { fsckStore, levelDbFileKind, liveFiles } from '../../node/store/fsck/index.ts'

let root: string
let base: SyntheticDataDir
let copies = 0

async function tampered (): Promise<string> {
  const dir = join(root, `copy-${copies++}`)
  await cp(base.dir, dir, { recursive: true })
  return dir
}

const verify = async (dir: string): Promise<Awaited<ReturnType<typeof fsckStore>>> => await fsckStore(join(dir, 'store'))

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fsck-'))
  base = await buildSyntheticDataDir({ dir: join(root, 'node'), inbound: 40, outbound: 40 })
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('fsckStore', () => {
  it('passes on an untouched store', async () => {
    const report = await verify(base.dir)
    expect(report.failures).toEqual([])
    expect(report.ok).toBe(true)
    expect(report.files.checked).toBeGreaterThan(2)
  })

  it('fails, naming the file, for flipped bytes anywhere in the live LevelDB files of a copy', async () => {
    const dir = await tampered()
    const store = join(dir, 'store')
    const names = await readdir(store)
    const current = (await readFile(join(store, 'CURRENT'), 'latin1')).trim()
    const { live } = liveFiles(await readFile(join(store, current)))
    const targets = names.filter(n => {
      const kind = levelDbFileKind(n)
      if (kind === 'table') return live.tables.has(Number(n.split('.')[0]))
      return kind === 'log' || kind === 'manifest' || kind === 'current'
    })
    expect(targets.length).toBeGreaterThanOrEqual(3)
    let flips = 0
    for (const name of targets) {
      const original = await readFile(join(store, name))
      for (const at of [0, Math.floor(original.length / 3), Math.floor(original.length / 2), original.length - 1]) {
        const copy = Buffer.from(original)
        copy[at] ^= 0x10
        await writeFile(join(store, name), copy)
        const report = await verify(dir)
        expect(report.ok, `${name} byte ${at}`).toBe(false)
        expect(report.failures.map(f => f.where).join(), `${name} byte ${at}`).toMatch(
          name === current || name === 'CURRENT' ? /store/ : new RegExp(name.replace('.', '\\.'))
        )
        flips++
      }
      await writeFile(join(store, name), original)
    }
    expect((await verify(dir)).ok).toBe(true)
    expect(flips).toBeGreaterThanOrEqual(12)
  })

  it('names a CURRENT that points at a manifest that does not exist', async () => {
    const dir = await tampered()
    await writeFile(join(dir, 'store', 'CURRENT'), 'MANIFEST-999999\n')
    const report = await verify(dir)
    expect(report.ok).toBe(false)
    expect(report.failures.map(f => `[${f.check}] ${f.where}: ${f.detail}`).join('\n')).toMatch(/CURRENT names MANIFEST-999999, which does not exist/)
  })
})
