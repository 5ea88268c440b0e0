/**
 * Audit bundles as .zip archives (node/audit/bundle/archive.ts): `liaison audit export --out
 * FILE.zip` (the real CLI on a synthetic data directory) writes one archive and no folder, it
 * verifies with `audit verify --bundle FILE.zip` as the folder does, an archive of a bundle
 * with one flipped byte fails at the same place as the folder, an existing archive is never
 * overwritten, and bytes that are not a zip are BAD_ARGUMENT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildSyntheticDataDir } from '../../node/audit/synthetic-data-dir.ts'
import type { SyntheticDataDir } from '../../node/audit/synthetic-data-dir.ts'
import { exportBundle } from '../../node/audit/bundle/export-bundle.ts'
import { verifyBundle } from '../../node/audit/bundle/verify-bundle.ts'
import { zipEntries } from '../../node/audit/bundle/archive.ts'
import { zipBundle } from '../../node/audit/bundle/archive-write.ts'
import type { VerifyReport } from '../../node/audit/verify/report.ts'
import { cli } from '../helpers/node-process.ts'

let root: string
let base: SyntheticDataDir
let folder: string
const verdict = (r: VerifyReport): unknown => ({
  ok: r.ok,
  failures: r.failures,
  entries: r.entries,
  tree: r.tree,
  checkpoints: r.checkpoints,
  messages: r.messages,
  receipts: r.receipts,
  files: r.files
})

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'audit-archive-'))
  base = await buildSyntheticDataDir({ dir: join(root, 'node'), inbound: 4, outbound: 4, peers: 2, expiring: 0, now: Date.parse('2026-03-01T00:00:00.000Z') })
  folder = join(root, 'folder')
  await exportBundle(base.dir, { out: folder })
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('audit bundle archives', () => {
  it('liaison audit export --out FILE.zip writes one archive that verifies as the folder does', async () => {
    const zip = join(root, 'bundle.zip')
    const r = await cli(['audit', 'export', '--data-dir', base.dir, '--out', zip])
    expect(r.code, r.stderr).toBe(0)
    expect((await readdir(root)).sort()).toEqual(['bundle.zip', 'folder', 'node'])
    const entries = zipEntries(await readFile(zip))
    expect(entries.has('manifest.json')).toBe(true)
    const fromZip = await verifyBundle(zip)
    expect(fromZip.ok).toBe(true)
    expect(verdict(fromZip)).toEqual(verdict(await verifyBundle(folder)))
    const again = await cli(['audit', 'export', '--data-dir', base.dir, '--out', zip])
    expect(again.code).not.toBe(0)
    expect(again.stderr).toContain('BAD_ARGUMENT')
  })

  it('an archive of a bundle with one flipped byte fails where the folder fails', async () => {
    const tampered = join(root, 'tampered')
    await cp(folder, tampered, { recursive: true })
    const [digest] = await readdir(join(tampered, 'messages'))
    const file = join(tampered, 'messages', digest, 'envelope.json')
    const bytes = await readFile(file)
    const at = bytes.indexOf('"payload":"') + 20
    bytes[at] = bytes[at] === 0x41 ? 0x42 : 0x41
    await writeFile(file, bytes)
    await zipBundle(tampered, join(root, 'tampered.zip'))
    const fromZip = await verifyBundle(join(root, 'tampered.zip'))
    expect(fromZip.ok).toBe(false)
    expect(verdict(fromZip)).toEqual(verdict(await verifyBundle(tampered)))
    expect(fromZip.failures).toContainEqual({
      check: 'bundle',
      where: `messages/${digest}/envelope.json`,
      detail: 'differs from the SHA-256 manifest.json lists'
    })
  })

  it('bytes that are not a zip archive are BAD_ARGUMENT', () => {
    expect(() => zipEntries(new TextEncoder().encode('not a zip'))).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }))
  })
})
