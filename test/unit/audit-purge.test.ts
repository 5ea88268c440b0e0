import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Store } from '../../node/store/index.ts'
import { loadIdentity } from '../../node/config/data-dir.ts'
import { AuditLog } from '../../node/audit/audit-log.ts'
import { Purger } from '../../node/audit/purger.ts'
import { decodeEntry } from '../../node/audit/entry.ts'
import { buildSyntheticDataDir } from '../../node/audit/synthetic-data-dir.ts'
import type { SyntheticDataDir } from '../../node/audit/synthetic-data-dir.ts'
import { verifyDataDir } from '../../node/audit/verify/verify-data-dir.ts'
import { cli } from '../helpers/node-process.ts'

let root: string
let base: SyntheticDataDir
let copies = 0
const NOW = Date.parse('2026-03-01T00:00:00.000Z')

async function copy (): Promise<string> {
  const dir = join(root, `copy-${copies++}`)
  await cp(base.dir, dir, { recursive: true })
  return dir
}

async function open (dir: string): Promise<{ store: Store, audit: AuditLog, close: () => Promise<void> }> {
  const store = await Store.open(join(dir, 'store'))
  const { signer } = await loadIdentity(dir)
  const audit = await AuditLog.open(store, { signer, now: () => NOW + 10 })
  return {
    store,
    audit,
    close: async () => {
      await audit.stop()
      await store.close()
    }
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'audit-purge-'))
  base = await buildSyntheticDataDir({ dir: join(root, 'node'), inbound: 20, outbound: 20, expiring: 0.25, now: NOW })
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('Purger', () => {
  it('deletes expired envelopes, keeps index records with purgedAt, digests, receipts and leaves, and logs the purge', async () => {
    const dir = await copy()
    const { store, audit, close } = await open(dir)
    const sizeBefore = audit.size
    const result = await new Purger({ store, audit }, { chunk: 4 }).purge(NOW + 10)
    expect(result.purged.sort()).toEqual([...base.expiring].sort())
    expect(result.deferred).toBe(0)
    for (const digest of base.expiring) {
      expect(await store.getEnvelope(digest)).toBeUndefined()
      expect((await store.getMeta(digest))?.purgedAt).toBe(NOW + 10)
      expect((await store.receiptsFor(digest)).length).toBe(1)
    }
    const kept = base.inbound.find(d => !base.expiring.includes(d)) as string
    expect(await store.getEnvelope(kept)).toBeDefined()
    // One purge leaf per chunk of 4, naming exactly the purged digests.
    const leaves = []
    for (let i = sizeBefore; i < audit.size; i++) leaves.push(decodeEntry(await audit.entry(i) as Uint8Array))
    expect(leaves.length).toBe(Math.ceil(base.expiring.length / 4))
    expect(leaves.flatMap(l => l.type === 'purge' ? l.digests : []).sort()).toEqual([...base.expiring].sort())
    // Nothing left to purge the second time.
    expect((await new Purger({ store, audit }).purge(NOW + 20)).purged).toEqual([])
    await close()

    const report = await verifyDataDir(dir, { workers: 1 })
    expect(report.failures).toEqual([])
    expect(report.messages).toEqual({ stored: 40, verified: 40 - base.expiring.length, purged: base.expiring.length })
    expect(report.receipts.verified).toBe(40)
  })

  it('purges nothing before expiry', async () => {
    const dir = await copy()
    const { store, audit, close } = await open(dir)
    expect((await new Purger({ store, audit }).purge(NOW)).purged).toEqual([])
    await close()
  })

  it('defers an expired outbound message whose delivery is still pending', async () => {
    const dir = await copy()
    const { store, audit, close } = await open(dir)
    const digest = base.outbound.find(d => base.expiring.includes(d)) as string
    const meta = await store.getMeta(digest)
    await store.commit(store.deliveryOps({
      digest,
      messageId: meta?.id as string,
      recipient: meta?.to[0] as string,
      status: 'pending',
      seq: 1,
      attempts: 0,
      queuedAt: NOW,
      updatedAt: NOW,
      expires: meta?.expires as string
    }))
    const result = await new Purger({ store, audit }).purge(NOW + 10)
    expect(result.deferred).toBe(1)
    expect(result.purged).not.toContain(digest)
    expect(await store.getEnvelope(digest)).toBeDefined()
    await close()
  })

  it('reports a purge that kept no record of itself as a failure', async () => {
    const dir = await copy()
    const store = await Store.open(join(dir, 'store'))
    const digest = base.expiring[0]
    await store.db.batch([
      { type: 'put', sublevel: store.msg, key: digest, value: { ...(await store.getMeta(digest))!, purgedAt: NOW } },
      { type: 'del', sublevel: store.env, key: digest }
    ])
    await store.close()
    const report = await verifyDataDir(dir, { workers: 1 })
    expect(report.ok).toBe(false)
    expect(report.failures.map(f => f.detail).join()).toMatch(/marked purged without a purge leaf/)
  })

  it('`liaison purge` purges a stopped node (by its clock) and signs a checkpoint', async () => {
    const fresh = await buildSyntheticDataDir({ dir: join(root, 'fresh'), inbound: 8, outbound: 8, expiring: 0.25, now: Date.now() - 1000 })
    const res = await cli(['purge', '--data-dir', fresh.dir, '--json'])
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    const out = JSON.parse(res.stdout) as { purged: string[], checkpoint: { size: number } }
    expect(out.purged.sort()).toEqual([...fresh.expiring].sort())
    expect(out.checkpoint.size).toBe(32 + 1)
    const verify = await cli(['audit', 'verify', '--data-dir', fresh.dir])
    expect(verify.code).toBe(0)
    expect(verify.stdout).toMatch(new RegExp(`${fresh.expiring.length} purged`))
  })
})
