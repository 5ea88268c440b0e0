import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { leafHash, verifyInclusion } from '../../protocol/merkle.ts'
import { Store } from '../../node/store/index.ts'
import { loadIdentity } from '../../node/config/data-dir.ts'
import { AuditLog } from '../../node/audit/audit-log.ts'
import { Purger } from '../../node/audit/purger.ts'
import { decodeEntry, entryDigests } from '../../node/audit/entry.ts'
import { buildSyntheticDataDir } from '../../node/audit/synthetic-data-dir.ts'
import type { SyntheticDataDir } from '../../node/audit/synthetic-data-dir.ts'
import { exportBundle } from '../../node/audit/bundle/export-bundle.ts'
import { verifyBundle } from '../../node/audit/bundle/verify-bundle.ts'
import type { BundleLeaf, BundleManifest } from '../../node/audit/bundle/layout.ts'
import type { DigestProof } from '../../node/audit/proof.ts'
import type { VerifyReport } from '../../node/audit/verify/report.ts'
import { cli } from '../helpers/node-process.ts'

const run = promisify(execFile)
let root: string
let base: SyntheticDataDir
let full: string
let n = 0
const out = (): string => join(root, `bundle-${n++}`)
const failures = (r: VerifyReport): string => r.failures.map(f => `[${f.check}] ${f.where}: ${f.detail}`).join('\n')

async function hasOpenssl (): Promise<boolean> {
  try {
    const { stdout } = await run('openssl', ['version'])
    return /^OpenSSL 3/.test(stdout)
  } catch {
    return false
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'audit-bundle-'))
  base = await buildSyntheticDataDir({
    dir: join(root, 'node'),
    inbound: 12,
    outbound: 12,
    peers: 2,
    expiring: 0.25,
    now: Date.parse('2026-03-01T00:00:00.000Z')
  })
  full = out()
  await exportBundle(base.dir, { out: full })
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('audit export bundle', () => {
  it('exports every message, receipt, key, entry and checkpoint, and the bundle verifies', async () => {
    const manifest = JSON.parse(await readFile(join(full, 'manifest.json'), 'utf8')) as BundleManifest
    expect(manifest).toMatchObject({ format: 'liaison-audit-bundle/1', node: base.node.peerId, full: true, checkpoint: { size: 48 } })
    expect(manifest.counts).toEqual({ messages: 24, purged: 0, receipts: 24, entries: 48, checkpoints: 1, keys: 3 })
    expect(await readdir(join(full, 'keys'))).toHaveLength(3)
    expect(await readFile(join(full, 'VERIFY.md'), 'utf8')).toMatch(/openssl pkeyutl -verify -pubin -inkey/)
    const report = await verifyBundle(full)
    expect(failures(report)).toBe('')
    expect(report.messages).toEqual({ stored: 24, verified: 24, purged: 0 })
    expect(report.receipts).toEqual({ stored: 24, verified: 24 })
    expect(report.entries).toBe(48)
  })

  it('writes envelopes byte for byte, with PAE and signature files OpenSSL 3 verifies', async () => {
    const digest = base.inbound[0]
    const dir = join(full, 'messages', digest)
    const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as { from: string }
    if (!await hasOpenssl()) return
    const verify = async (key: string, data: string, sig: string): Promise<string> =>
      (await run('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', key, '-rawin', '-in', data, '-sigfile', sig])).stdout
    expect(await verify(join(full, 'keys', `${meta.from}.pem`), join(dir, 'pae.bin'), join(dir, 'sig-0.bin'))).toMatch(/Signature Verified Successfully/)
    const [by] = await readdir(join(dir, 'receipts'))
    expect(await verify(join(full, 'keys', `${by}.pem`), join(dir, 'receipts', by, 'pae.bin'), join(dir, 'receipts', by, 'sig-0.bin'))).toMatch(/Verified/)
    const cp = join(full, 'checkpoints', '48')
    const node = join(full, 'keys', `${base.node.peerId}.pem`)
    expect(await verify(node, join(cp, 'body.txt'), join(cp, 'signature.bin'))).toMatch(/Verified/)
    expect(await verify(node, join(cp, 'cosigned.bin'), join(cp, 'cosignature.bin'))).toMatch(/Verified/)
    const { stdout } = await run('sha256sum', [join(dir, 'pae.bin')])
    expect(stdout.split(' ')[0]).toBe(digest)
  })

  it("exports only one peer's messages and the entries about them, each with an inclusion proof", async () => {
    const peer = base.peers[1].peerId
    const dir = out()
    const { manifest } = await exportBundle(base.dir, { out: dir, peer })
    expect(manifest.full).toBe(false)
    expect(manifest.counts.messages).toBe(12)
    const lines = (await readFile(join(dir, 'audit', 'entries.jsonl'), 'utf8')).trim().split('\n')
    const leaves = JSON.parse(await readFile(join(dir, 'audit', 'leaves.json'), 'utf8')) as BundleLeaf[]
    const exported = new Set(await readdir(join(dir, 'messages')))
    const root48 = Buffer.from(manifest.checkpoint.root, 'base64')
    lines.forEach((line, i) => {
      const entry = decodeEntry(Buffer.from(line))
      expect(entryDigests(entry).every(d => exported.has(d))).toBe(true)
      expect(verifyInclusion(leaves[i].index, 48, leafHash(Buffer.from(line)), (leaves[i].proof as string[]).map(h => Buffer.from(h, 'hex')), root48)).toBe(
        true
      )
    })
    expect(lines.length).toBe(24)
    expect(failures(await verifyBundle(dir))).toBe('')
  })

  it('selects by time with --since', async () => {
    const later = await exportBundle(base.dir, { out: out(), since: Date.parse('2026-03-02T00:00:00.000Z') })
    expect(later.manifest.counts.messages).toBe(0)
    const earlier = await exportBundle(base.dir, { out: out(), since: Date.parse('2026-02-01T00:00:00.000Z') })
    expect(earlier.manifest.counts.messages).toBe(24)
  })

  it('fails a bundle with a changed envelope, entry, proof or checkpoint, saying where', async () => {
    const cases: Array<[string, (dir: string) => Promise<void>, RegExp]> = [
      ['envelope', async dir => {
        const file = join(dir, 'messages', base.outbound[0], 'envelope.json')
        await writeFile(file, (await readFile(file, 'utf8')).replace('"payloadType"', '"payloadType" '))
      }, new RegExp(`messages/${base.outbound[0]}/envelope.json: differs from the SHA-256 manifest.json lists`)],
      ['entry', async dir => {
        const file = join(dir, 'audit', 'entries.jsonl')
        await writeFile(file, (await readFile(file, 'utf8')).replace('"status":"accepted"', '"status":"rejected"'))
      }, /checkpoint 48: its root is not the root of the entries/],
      ['checkpoint', async dir => {
        const file = join(dir, 'checkpoints', '48', 'note.txt')
        await writeFile(file, (await readFile(file, 'utf8')).replace('\n48\n', '\n47\n'))
      }, /checkpoints\/48: does not verify/]
    ]
    const filtered = out()
    await exportBundle(base.dir, { out: filtered, peer: base.peers[0].peerId })
    const proof = async (dir: string): Promise<void> => {
      const file = join(dir, 'audit', 'leaves.json')
      const leaves = JSON.parse(await readFile(file, 'utf8')) as BundleLeaf[]
      ;(leaves[3].proof as string[])[0] = 'ab'.repeat(32)
      await writeFile(file, JSON.stringify(leaves))
    }
    for (
      const [name, tamper, pattern, source] of [
        ...cases.map(c => [...c, full] as const),
        ['proof', proof, /line 4 \(leaf \d+\): its inclusion proof does not lead to the signed root/, filtered] as const
      ]
    ) {
      const dir = out()
      await cp(source, dir, { recursive: true })
      await tamper(dir)
      const report = await verifyBundle(dir)
      expect(report.ok, name).toBe(false)
      expect(failures(report), name).toMatch(pattern)
    }
  })

  it('reports purged messages as purged, with the purge entry that names them', async () => {
    const dir = join(root, 'purged-node')
    await cp(base.dir, dir, { recursive: true })
    const store = await Store.open(join(dir, 'store'))
    const { signer } = await loadIdentity(dir)
    const audit = await AuditLog.open(store, { signer })
    await new Purger({ store, audit }).purge(Date.parse('2026-03-01T00:00:01.000Z'))
    await audit.stop()
    await store.close()
    const bundle = out()
    const { manifest } = await exportBundle(dir, { out: bundle })
    expect(manifest.counts.purged).toBe(base.expiring.length)
    const report = await verifyBundle(bundle)
    expect(failures(report)).toBe('')
    expect(report.messages.purged).toBe(base.expiring.length)
  })

  it('refuses to export into a non-empty directory', async () => {
    await expect(exportBundle(base.dir, { out: full })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' })
  })
})

describe('liaison audit CLI', () => {
  it('prove prints inclusion proofs for a message that verify against the latest checkpoint', async () => {
    const res = await cli(['audit', 'prove', base.outbound[2], '--data-dir', base.dir, '--json'])
    expect(res.code).toBe(0)
    const proof = JSON.parse(res.stdout) as DigestProof
    expect(proof.leaves.map(l => JSON.parse(l.entry).type).sort()).toEqual(['message.sent', 'receipt.stored'])
    const rootBytes = Buffer.from(proof.checkpoint?.root as string, 'base64')
    for (const leaf of proof.leaves) {
      expect(
        verifyInclusion(
          leaf.index,
          proof.checkpoint?.size as number,
          Buffer.from(leaf.leafHash, 'hex'),
          (leaf.proof as string[]).map(h => Buffer.from(h, 'hex')),
          rootBytes
        )
      ).toBe(true)
    }
    expect((await cli(['audit', 'prove', 'f'.repeat(64), '--data-dir', base.dir])).stderr).toMatch(/NOT_FOUND/)
  })

  it('verify, export and verify --bundle exit 0 on good data and 1 with the failure on bad', async () => {
    const good = await cli(['audit', 'verify', '--data-dir', base.dir, '--workers', '1'])
    expect(good.code).toBe(0)
    expect(good.stdout).toMatch(/^OK: /)
    const bundle = out()
    expect((await cli(['audit', 'export', '--data-dir', base.dir, '--out', bundle, '--peer', base.peers[0].peerId])).code).toBe(0)
    expect((await cli(['audit', 'verify', '--bundle', bundle])).code).toBe(0)
    const bad = join(root, 'bad-node')
    await cp(base.dir, bad, { recursive: true })
    const store = await Store.open(join(bad, 'store'))
    await store.env.del(base.inbound[1])
    await store.close()
    const res = await cli(['audit', 'verify', '--data-dir', bad, '--json'])
    expect(res.code).toBe(1)
    const report = JSON.parse(res.stdout) as VerifyReport
    expect(report.failures).toContainEqual({ check: 'message', where: `message ${base.inbound[1]}`, detail: 'its envelope is missing (it was not purged)' })
  })

  it('checkpoint signs the log of a stopped node on demand', async () => {
    const dir = join(root, 'cp-node')
    await cp(base.dir, dir, { recursive: true })
    const res = await cli(['audit', 'checkpoint', '--data-dir', dir, '--json'])
    expect(res.code).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({ origin: `liaison.local/${base.node.peerId}`, size: 48 })
  })
})
