/**
 * `assertStoreExists` (node/audit/snapshot.ts), used by `audit verify`, `audit export` and
 * `store fsck`: a data dir that was initialised and never started is told apart from a path
 * that holds no node at all, since the operator's next step differs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { assertStoreExists } from '../../node/audit/snapshot.ts'

let root: string

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-exists-'))
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('assertStoreExists', () => {
  it('says a data dir with an identity and no store has never been started', async () => {
    const dir = join(root, 'fresh')
    await mkdir(dir)
    await writeFile(join(dir, 'identity.key'), 'not read')
    await expect(assertStoreExists(join(dir, 'store'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/has never been started, so it has no store yet/)
    })
  })

  it('says a directory without an identity holds no LevelDB store', async () => {
    const dir = join(root, 'empty')
    await mkdir(dir)
    await expect(assertStoreExists(join(dir, 'store'))).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/holds no LevelDB store/) })
  })

  it('passes for a directory with a CURRENT file', async () => {
    const store = join(root, 'node', 'store')
    await mkdir(store, { recursive: true })
    await writeFile(join(store, 'CURRENT'), 'MANIFEST-000001\n')
    await expect(assertStoreExists(store)).resolves.toBeUndefined()
  })
})
