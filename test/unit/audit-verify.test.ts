import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeEnvelope, signEnvelope } from '../../protocol/envelope.ts'
import { PAYLOAD_TYPES } from '../../protocol/types.ts'
import { Store } from '../../node/store/index.ts'
import { buildSyntheticDataDir } from '../../node/audit/synthetic-data-dir.ts'
import type { SyntheticDataDir } from '../../node/audit/synthetic-data-dir.ts'
import { verifyDataDir } from '../../node/audit/verify/verify-data-dir.ts'
import type { VerifyReport } from '../../node/audit/verify/report.ts'
import { AuditStore, nodeKey, pad } from '../../node/audit/audit-store.ts'
import { NodeError } from '../../node/errors.ts'

let root: string
let base: SyntheticDataDir
let copies = 0

/** A fresh copy of the synthetic data directory, changed by `tamper` through the raw store. */
async function tampered (tamper?: (store: Store, audit: AuditStore) => Promise<void>): Promise<string> {
  const dir = join(root, `copy-${copies++}`)
  await cp(base.dir, dir, { recursive: true })
  if (tamper != null) {
    const store = await Store.open(join(dir, 'store'))
    try {
      await tamper(store, new AuditStore(store.db))
    } finally {
      await store.close()
    }
  }
  return dir
}

/** Compact the whole store (classic-level has it; the abstract type does not say so). */
async function compact (store: Store): Promise<void> {
  await (store.db as unknown as { compactRange: (a: string, b: string) => Promise<void> }).compactRange('\x00', '\xff')
}

function failuresOf (report: VerifyReport): string {
  return report.failures.map(f => `[${f.check}] ${f.where}: ${f.detail}`).join('\n')
}

async function expectFailure (dir: string, pattern: RegExp): Promise<VerifyReport> {
  const report = await verifyDataDir(dir, { workers: 2, thorough: true })
  expect(report.ok).toBe(false)
  expect(failuresOf(report)).toMatch(pattern)
  return report
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'audit-verify-'))
  base = await buildSyntheticDataDir({ dir: join(root, 'node'), inbound: 40, outbound: 40 })
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('verifyDataDir', () => {
  it('passes on an untouched data directory and counts what it checked', async () => {
    const progress = new Set<string>()
    const report = await verifyDataDir(base.dir, { workers: 2, thorough: true, onProgress: p => progress.add(p.phase) })
    expect(failuresOf(report)).toBe('')
    expect(report.ok).toBe(true)
    expect(report.node).toBe(base.node.peerId)
    expect(report.tree.size).toBe(160)
    expect(report.checkpoints).toMatchObject({ count: 1, latest: { size: 160 }, uncheckpointed: 0 })
    expect(report.messages).toEqual({ stored: 80, verified: 80, purged: 0 })
    expect(report.receipts).toEqual({ stored: 80, verified: 80 })
    expect(report.envelopes).toBe(160)
    expect(report.files.checked).toBeGreaterThan(2)
    expect([...progress].sort()).toEqual(['entries', 'envelopes', 'files', 'tree'])
  })

  it('skips only the derived data (tree nodes, indexes) without --thorough, and says so', async () => {
    const dir = await tampered(async (_store, audit) => {
      await audit.node.put(nodeKey(3, 2), new Uint8Array(32))
    })
    const quick = await verifyDataDir(dir, { workers: 2 })
    expect(quick.ok).toBe(true)
    expect(quick.notes.join()).toMatch(/--thorough/)
    expect((await verifyDataDir(dir, { workers: 2, thorough: true })).ok).toBe(false)
  })

  it('never writes to the data directory it verifies', async () => {
    const dir = await tampered()
    const before = await snapshotOf(join(dir, 'store'))
    await verifyDataDir(dir, { workers: 1 })
    expect(await snapshotOf(join(dir, 'store'))).toEqual(before)
  })

  it('refuses a data directory whose node is running', async () => {
    const dir = await tampered()
    await writeFile(join(dir, 'node.json'), JSON.stringify({ pid: process.pid }))
    await expect(verifyDataDir(dir)).rejects.toThrow(NodeError)
    await expect(verifyDataDir(dir)).rejects.toMatchObject({ code: 'DATA_DIR_IN_USE' })
  })

  it('requires the expected node key when one is given', async () => {
    const report = await verifyDataDir(base.dir, { workers: 1, expectNode: base.peers[0].peerId })
    expect(failuresOf(report)).toMatch(/not the expected/)
  })

  it('finds a message deleted from the store (index record and envelope)', async () => {
    const digest = base.inbound[3]
    const dir = await tampered(async store => {
      await store.db.batch([{ type: 'del', sublevel: store.msg, key: digest }, { type: 'del', sublevel: store.env, key: digest }])
    })
    await expectFailure(dir, new RegExp(`message ${digest}: is missing from the store \\(its leaf is entry \\d+\\)`))
  })

  it('finds an envelope deleted without a purge', async () => {
    const digest = base.outbound[2]
    const dir = await tampered(async store => {
      await store.env.del(digest)
    })
    await expectFailure(dir, new RegExp(`message ${digest}: its envelope is missing \\(it was not purged\\)`))
  })

  it('finds a message stored without its leaf', async () => {
    const dir = await tampered(async store => {
      const meta = { ...(await store.getMeta(base.inbound[0]))!, digest: 'f'.repeat(64) }
      await store.db.batch(store.messageOps(meta, (await store.getEnvelope(base.inbound[0]))!))
    })
    await expectFailure(dir, /message f{64}: is stored without its audit leaf/)
  })

  it('finds an envelope replaced by another one validly signed by the same peer', async () => {
    const digest = base.inbound[1]
    const dir = await tampered(async store => {
      const env = (await store.getEnvelope(digest))!
      const decoded = JSON.parse(Buffer.from(env).toString()) as { payload: string }
      const payload = Buffer.from(Buffer.from(decoded.payload, 'base64').toString().replace('"n":', '"n":1'))
      const sender = base.peers.find(p => p.peerId === (JSON.parse(payload.toString()) as { from: string }).from)!
      await store.env.put(digest, encodeEnvelope(signEnvelope(PAYLOAD_TYPES.message, payload, sender)))
    })
    await expectFailure(dir, new RegExp(`message ${digest}: its PAE digest is [0-9a-f]{64}, not the digest it is stored under`))
  })

  it('finds a signature that no longer verifies', async () => {
    const digest = base.outbound[4]
    const dir = await tampered(async store => {
      const env = JSON.parse(Buffer.from((await store.getEnvelope(digest))!).toString()) as { signatures: Array<{ sig: string }> }
      const sig = Buffer.from(env.signatures[0].sig, 'base64')
      sig[10] ^= 1
      env.signatures[0].sig = sig.toString('base64')
      await store.env.put(digest, Buffer.from(JSON.stringify(env)))
    })
    await expectFailure(dir, new RegExp(`message ${digest}: no signature verifies under the key of ${base.node.peerId}`))
  })

  it('checks signatures with libsodium by default and gives the same verdicts with node:crypto alone', async () => {
    const badSig = (sig: string): string => {
      const bytes = Buffer.from(sig, 'base64')
      bytes[33] ^= 0x40
      return bytes.toString('base64')
    }
    const dir = await tampered(async store => {
      const digest = base.inbound[6]
      const env = JSON.parse(Buffer.from((await store.getEnvelope(digest))!).toString()) as { signatures: Array<{ sig: string }> }
      env.signatures[0].sig = badSig(env.signatures[0].sig)
      await store.env.put(digest, Buffer.from(JSON.stringify(env)))
      const [[key, value]] = await store.rcpt.iterator({ gt: base.outbound[6] + '!', lt: base.outbound[6] + '!\xff' }).all()
      const receipt = JSON.parse(Buffer.from(value).toString()) as { signatures: Array<{ sig: string }> }
      receipt.signatures[0].sig = badSig(receipt.signatures[0].sig)
      await store.rcpt.put(key, Buffer.from(JSON.stringify(receipt)))
    })
    for (const [source, ok] of [[base.dir, true], [dir, false]] as const) {
      const fast = await verifyDataDir(source, { workers: 2, thorough: true })
      const openssl = await verifyDataDir(source, { workers: 2, thorough: true, libsodium: false })
      expect(fast.verifier).toMatch(/^libsodium \(sodium-native\), rejections confirmed by node:crypto/)
      expect(openssl.verifier).toBe('node:crypto (OpenSSL)')
      expect([fast.ok, openssl.ok]).toEqual([ok, ok])
      expect(failuresOf(fast)).toBe(failuresOf(openssl))
      expect(fast.envelopes).toBe(openssl.envelopes)
    }
    const failures = failuresOf(await verifyDataDir(dir, { workers: 2 }))
    expect(failures).toContain(`message ${base.inbound[6]}: no signature verifies`)
    expect(failures).toMatch(new RegExp(`receipt for ${base.outbound[6]} by \\S+: no signature verifies`))
  })

  it('finds an index record that disagrees with the signed message (TLP lowered)', async () => {
    const digest = base.inbound[5]
    const dir = await tampered(async store => {
      await store.msg.put(digest, { ...(await store.getMeta(digest))!, tlp: 'CLEAR' })
    })
    await expectFailure(dir, new RegExp(`message ${digest}: (the index record .* differs from the signed payload|its index record differs from its leaf)`))
  })

  it('finds a receipt deleted or replaced', async () => {
    const digest = base.outbound[0]
    const by = base.peers[0].peerId
    const deleted = await tampered(async store => {
      const [key] = await store.rcpt.keys({ gt: digest + '!', lt: digest + '!\xff' }).all()
      await store.rcpt.del(key)
    })
    await expectFailure(deleted, /receipt for [0-9a-f]{64} by \S+: is missing from the store/)
    const replaced = await tampered(async store => {
      const [[key, value]] = await store.rcpt.iterator({ gt: base.inbound[0] + '!', lt: base.inbound[0] + '!\xff' }).all()
      await store.rcpt.put(key, Buffer.from(Buffer.from(value).toString().replace('{"payloadType"', '{ "payloadType"')))
    })
    await expectFailure(replaced, /receipt for [0-9a-f]{64} by \S+: its stored bytes differ from those its leaf/)
    void by
  })

  it('finds a rewritten entry: its leaf, the tree and the checkpoint no longer agree', async () => {
    const dir = await tampered(async (_store, audit) => {
      const entry = Buffer.from((await audit.entry.get(pad(7)))!).toString()
      await audit.entry.put(pad(7), Buffer.from(entry.replace(/"at":"(\d{4})/, (_m, y: string) => `"at":"${Number(y) - 1}`)))
    })
    const report = await expectFailure(dir, /checkpoint 160: its signed root differs/)
    expect(failuresOf(report)).toMatch(/leaf 7: its stored leaf hash differs/)
  })

  it('reads the version of an entry LevelDB serves: the newest, over compacted tables and the log', async () => {
    // The rewrite is compacted into a table; the original, written back after it, sits in the log.
    const restored = await tampered(async (store, audit) => {
      const entry = (await audit.entry.get(pad(7)))!
      await audit.entry.put(pad(7), Buffer.from(Buffer.from(entry).toString().replace('"v":1', '"v":2')))
      await compact(store)
      await audit.entry.put(pad(7), entry)
    })
    const report = await verifyDataDir(restored, { workers: 2, thorough: true })
    expect(failuresOf(report)).toBe('')
    // The other way round: the original in a table, the rewrite newer in the log.
    const rewritten = await tampered(async (store, audit) => {
      const entry = Buffer.from((await audit.entry.get(pad(7)))!).toString()
      await compact(store)
      await audit.entry.put(pad(7), Buffer.from(entry.replace('"v":1', '"v":2')))
    })
    await expectFailure(rewritten, /entry 7: audit entry: v must be the integer 1/)
  })

  it('finds a removed tail of the log that a checkpoint still covers', async () => {
    const dir = await tampered(async (_store, audit) => {
      await audit.entry.del(pad(159))
      await audit.node.del(nodeKey(0, 159))
    })
    await expectFailure(dir, /checkpoint 160: signs a tree larger than the log/)
  })

  it('finds a stored tree node that is not the hash of its children', async () => {
    const dir = await tampered(async (_store, audit) => {
      await audit.node.put(nodeKey(3, 2), new Uint8Array(32))
    })
    await expectFailure(dir, /node 3\/2: differs from the hash of the entries below it/)
  })

  it('finds a forged or altered checkpoint', async () => {
    const dir = await tampered(async (_store, audit) => {
      const note = (await audit.cp.get(pad(160)))!
      await audit.cp.put(pad(160), note.replace('\n160\n', '\n161\n'))
    })
    await expectFailure(dir, /checkpoint 160: does not verify/)
  })

  it('finds a derived index out of step with the log', async () => {
    const dir = await tampered(async (_store, audit) => {
      const [key] = await audit.ref.keys({ limit: 1 }).all()
      await audit.ref.del(key)
      await audit.exp.put('2030-01-01T00:00:00.000Z!' + 'e'.repeat(64), '')
    })
    const report = await expectFailure(dir, /audit-ref/)
    expect(failuresOf(report)).toMatch(/audit-exp/)
  })

  it('reports a store LevelDB refuses to open as a storage failure with its message', async () => {
    const dir = await tampered()
    await writeFile(join(dir, 'store', 'CURRENT'), 'MANIFEST-999999\n')
    // (That CURRENT names a manifest that does not exist is `store fsck`'s finding: store-fsck.test.ts.)
    await expectFailure(dir, /LevelDB refused to open the store/)
  })
})

async function snapshotOf (dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const name of await readdir(dir)) {
    if (name === 'LOG' || name === 'LOG.old' || name === 'LOCK') continue
    out[name] = (await readFile(join(dir, name))).toString('base64')
  }
  return out
}
