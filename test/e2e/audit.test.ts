import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { verifyInclusion } from '../../protocol/merkle.ts'
import { TEST_AGREEMENT, cli, tempDir, until, startTrustedPair, type TestNode } from '../helpers/node-process.ts'
import type { LiaisonService, SendInput } from '../../node/service/liaison-service.ts'
import type { VerifyReport } from '../../node/audit/verify/report.ts'
import type { DigestProof } from '../../node/audit/proof.ts'
import { levelDbFileKind, liveFiles } from '../../node/store/fsck/index.ts'
import type { FsckReport } from '../../node/store/fsck/index.ts'

const COUNT = 60
const SHORT = 6

const message = (to: string, n: number, ttlMs?: number): SendInput => ({
  to: [to],
  kind: 'report',
  tlp: 'AMBER',
  topic: 'drug-trafficking',
  legalBasis: TEST_AGREEMENT,
  body: { n, text: `report ${n}` },
  ...(ttlMs != null ? { ttlMs } : {})
})

async function sendAll (client: LiaisonService, to: string, count: number, ttlMs?: number): Promise<string[]> {
  const digests: string[] = []
  for (let n = 0; n < count; n++) digests.push((await client.send(message(to, n, ttlMs))).digest)
  return digests
}

async function verify (dir: string, ...flags: string[]): Promise<{ code: number, report: VerifyReport, stderr: string }> {
  const res = await cli(['audit', 'verify', '--data-dir', dir, '--json', ...flags])
  return { code: res.code, report: JSON.parse(res.stdout === '' ? '{}' : res.stdout) as VerifyReport, stderr: res.stderr }
}

describe('audit log of two real nodes', () => {
  let root: string
  let a: TestNode
  let b: TestNode
  let shortLived: string[]
  let fromA: string[]

  beforeAll(async () => {
    root = await tempDir()
    ;[a, b] = await startTrustedPair(root)
    const ca = await a.client()
    const cb = await b.client()
    ;[fromA] = await Promise.all([sendAll(ca, b.peerId, COUNT), sendAll(cb, a.peerId, COUNT)])
    shortLived = await sendAll(ca, b.peerId, SHORT, 4000)
    await until(async () => (await ca.outbox()).filter(r => r.status === 'delivered').length === COUNT + SHORT, 60_000, 'A→B delivered')
    await until(async () => (await cb.outbox()).filter(r => r.status === 'delivered').length === COUNT, 60_000, 'B→A delivered')
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it('refuses to verify a data directory while its node runs', async () => {
    const res = await cli(['audit', 'verify', '--data-dir', a.dir])
    expect(res.code).toBe(3) // unavailable (docs/cli.md#exit-codes): stop the node, or verify a copy
    expect(res.stderr).toMatch(/DATA_DIR_IN_USE/)
  })

  it('verifies both stopped nodes: every envelope signed, every message and receipt with its leaf, checkpoints signed', async () => {
    await Promise.all([a.stop(), b.stop()])
    for (const [node, sent, received] of [[a, COUNT + SHORT, COUNT], [b, COUNT, COUNT + SHORT]] as const) {
      const { code, report } = await verify(node.dir)
      expect(report.failures, node.name).toEqual([])
      expect(code).toBe(0)
      expect(report.node).toBe(node.peerId)
      expect(report.messages).toEqual({ stored: sent + received, verified: sent + received, purged: 0 })
      // Exchange v2: a sender keeps each recipient's receipt evidence (checked: checkpoint
      // signature, entry, inclusion proof); a receiver keeps none — its log entry is the receipt.
      expect(report.receipts.verified).toBe(sent)
      expect(report.checkpoints.latest?.size).toBe(report.tree.size)
      // One leaf per message and per kept receipt at least (plus trust changes).
      expect(report.tree.size).toBeGreaterThanOrEqual(2 * sent + received + 1)
      expect(report.verifier).toMatch(/^libsodium/)
    }
    // An auditor who wants node:crypto alone gets it, with the same result.
    const { code, report } = await verify(a.dir, '--openssl')
    expect(code).toBe(0)
    expect(report.verifier).toBe('node:crypto (OpenSSL)')
    expect(report.messages.verified).toBe(2 * COUNT + SHORT)
  })

  it('proves a message against the latest checkpoint and exports a bundle for one peer that verifies', async () => {
    const res = await cli(['audit', 'prove', fromA[0], '--data-dir', a.dir, '--json'])
    expect(res.code).toBe(0)
    const proof = JSON.parse(res.stdout) as DigestProof
    const types = proof.leaves.map(l => (JSON.parse(l.entry) as { type: string }).type).sort()
    expect(types).toEqual(['message.sent', 'receipt.stored'])
    const rootHash = Buffer.from(proof.checkpoint?.root as string, 'base64')
    for (const leaf of proof.leaves) {
      expect(
        verifyInclusion(
          leaf.index,
          proof.checkpoint?.size as number,
          Buffer.from(leaf.leafHash, 'hex'),
          (leaf.proof as string[]).map(h => Buffer.from(h, 'hex')),
          rootHash
        )
      ).toBe(true)
    }
    const bundle = join(root, 'bundle-a')
    expect((await cli(['audit', 'export', '--data-dir', a.dir, '--out', bundle, '--peer', b.peerId])).code).toBe(0)
    const manifest = JSON.parse(await readFile(join(bundle, 'manifest.json'), 'utf8')) as { counts: { messages: number } }
    expect(manifest.counts.messages).toBe(2 * COUNT + SHORT)
    const checked = await cli(['audit', 'verify', '--bundle', bundle, '--expect-node', a.peerId])
    expect(checked.stdout).toMatch(/^OK: /)
    expect(checked.code).toBe(0)
    // "Is this B's record?" — no: A's bundle fails when B is expected (issue 13, item 1).
    const asB = await cli(['audit', 'verify', '--bundle', bundle, '--expect-node', b.peerId])
    expect(asB.code).toBe(1)
    expect(asB.stderr).toMatch(new RegExp(`^error NODE_MISMATCH: .*${a.peerId}.*${b.peerId}`, 'm'))
  })

  it('purges expired messages on a stopped node, and verify reports them as purged, not missing', async () => {
    await new Promise(resolve => setTimeout(resolve, 4500))
    const purged = await cli(['purge', '--data-dir', b.dir, '--json'])
    expect(purged.code).toBe(0)
    expect((JSON.parse(purged.stdout) as { purged: string[] }).purged.sort()).toEqual([...shortLived].sort())
    const { code, report } = await verify(b.dir)
    expect(report.failures).toEqual([])
    expect(code).toBe(0)
    expect(report.messages.purged).toBe(SHORT)
  })

  // File checksums are `store fsck`'s (an operator's check, not tamper evidence); audit verify reads through the store.
  it('store fsck fails, naming the file, when a byte of a copy of the store is flipped', async () => {
    const copy = join(root, 'a-copy')
    await cp(a.dir, copy, { recursive: true })
    const store = join(copy, 'store')
    const current = (await readFile(join(store, 'CURRENT'), 'latin1')).trim()
    const { live } = liveFiles(await readFile(join(store, current)))
    const target = (await readdir(store)).find(n => levelDbFileKind(n) === 'table' && live.tables.has(Number(n.split('.')[0]))) ??
      (await readdir(store)).find(n => levelDbFileKind(n) === 'log') as string
    const bytes = await readFile(join(store, target))
    bytes[Math.floor(bytes.length / 2)] ^= 0x01
    await writeFile(join(store, target), bytes)
    const res = await cli(['store', 'fsck', '--data-dir', copy, '--json'])
    const report = JSON.parse(res.stdout) as FsckReport
    expect(res.code).toBe(1)
    expect(report.failures.some(f => f.check === 'storage' && f.where === `store/${target}`)).toBe(true)
  })
})
