/**
 * Every flag of every `liaison audit` subcommand, on every path it applies to (a data directory
 * and an export bundle), changes the outcome where it should. The list of flags comes from the
 * parser's own definition (AUDIT_OPTIONS and the common flags): a flag added there without a
 * case here fails the first test, and a flag that is parsed but has no effect fails its case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cosign } from '../../protocol/cosignature.ts'
import { checkpointOrigin } from '../../protocol/checkpoint.ts'
import { AUDIT_OPTIONS, auditFlags } from '../../node/cli/commands/audit.ts'
import type { AuditSubcommand } from '../../node/cli/audit-commands.ts'
import { AuditStore, nodeKey } from '../../node/audit/audit-store.ts'
import { Store } from '../../node/store/index.ts'
import { buildSyntheticDataDir } from '../../node/audit/synthetic-data-dir.ts'
import type { SyntheticDataDir } from '../../node/audit/synthetic-data-dir.ts'
import { exportBundle } from '../../node/audit/bundle/export-bundle.ts'
import type { BundleManifest } from '../../node/audit/bundle/layout.ts'
import type { VerifyReport } from '../../node/audit/verify/report.ts'
import type { DigestProof } from '../../node/audit/proof.ts'
import { cli } from '../helpers/node-process.ts'
import { WitnessStore, type WitnessAlert } from '../../node/witness/index.ts'
import type { CliResult } from '../../scripts/node-driver.ts'

const NOW = Date.parse('2026-03-01T00:00:00.000Z')
let root: string
let base: SyntheticDataDir
let other: SyntheticDataDir
let bundle: string
let otherBundle: string
let copies = 0
const fresh = (name: string): string => join(root, `${name}-${copies++}`)

const json = <T>(res: CliResult): T => JSON.parse(res.stdout) as T
const failuresOf = (r: VerifyReport): string => r.failures.map(f => `[${f.check}] ${f.where}: ${f.detail}`).join('\n')

async function verify (...args: string[]): Promise<{ res: CliResult, report: VerifyReport }> {
  const res = await cli(['audit', 'verify', '--json', ...args])
  return { res, report: (res.stdout.startsWith('{') ? JSON.parse(res.stdout) : {}) as VerifyReport }
}

/** A copy of `dir` changed by `tamper` through the raw store. */
async function tamperedDataDir (tamper: (store: Store, audit: AuditStore) => Promise<void>): Promise<string> {
  const dir = fresh('data')
  await cp(base.dir, dir, { recursive: true })
  const store = await Store.open(join(dir, 'store'))
  try {
    await tamper(store, new AuditStore(store.db))
  } finally {
    await store.close()
  }
  return dir
}

/** A copy of the bundle with `file` rewritten by `change`, and manifest.json's digest of it updated (a consistent rewrite). */
async function rewrittenBundle (file: string, change: (text: string) => string, manifest?: (m: BundleManifest) => void): Promise<string> {
  const dir = fresh('bundle')
  await cp(bundle, dir, { recursive: true })
  const path = join(dir, file)
  const text = change(await readFile(path, 'utf8'))
  await writeFile(path, text)
  const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as BundleManifest
  m.files[file] = createHash('sha256').update(text).digest('hex')
  manifest?.(m)
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(m, null, 2) + '\n')
  return dir
}

/** A witness cosignature line by peer `n` for the bundle's checkpoint body (`body` altered to forge one). */
async function witnessLine (n: number, alter = false): Promise<string> {
  const body = await readFile(join(bundle, 'checkpoints', '48', 'body.txt'), 'utf8')
  const peer = base.peers[n]
  return cosign(alter ? body.replace('\n48\n', '\n47\n') : body, checkpointOrigin(peer.peerId), peer, NOW / 1000)
}

type Case = () => Promise<void>

/** One case per flag per subcommand; the first test checks the keys are exactly the parser's flags. */
const CASES: Record<AuditSubcommand, Record<string, Case>> = {
  verify: {
    'data-dir': async () => {
      const [a, b] = await Promise.all([verify('--data-dir', base.dir), verify('--data-dir', other.dir)])
      expect(a.report.node).toBe(base.node.peerId)
      expect(b.report.node).toBe(other.node.peerId)
      // With --bundle it would be ignored: refused instead.
      const both = await cli(['audit', 'verify', '--bundle', bundle, '--data-dir', other.dir])
      expect(both.code).toBe(2)
      expect(both.stderr).toMatch(/BAD_ARGUMENT.*--data-dir.*--bundle|BAD_ARGUMENT.*--bundle.*--data-dir/)
    },
    json: async () => {
      for (const source of [['--data-dir', base.dir], ['--bundle', bundle]]) {
        const [text, structured] = await Promise.all([cli(['audit', 'verify', ...source]), cli(['audit', 'verify', '--json', ...source])])
        expect(text.code, source[0]).toBe(0)
        expect(text.stdout).toMatch(/^OK: /)
        expect(structured.code).toBe(0)
        expect(json<VerifyReport>(structured).ok).toBe(true)
      }
    },
    help: async () => {
      const missing = join(root, 'missing')
      const [run, help] = await Promise.all([cli(['audit', 'verify', '--data-dir', missing]), cli(['audit', 'verify', '--data-dir', missing, '--help'])])
      expect(run.code).toBe(1)
      expect(help.code).toBe(0)
      expect(help.stdout).toMatch(/^liaison audit verify/)
    },
    bundle: async () => {
      const { res, report } = await verify('--bundle', bundle)
      expect(res.code).toBe(0)
      expect(report.source).toBe(bundle)
      const manifest = JSON.parse(await readFile(join(bundle, 'manifest.json'), 'utf8')) as BundleManifest
      expect(report.files.checked).toBe(Object.keys(manifest.files).length)
      const broken = await rewrittenBundle('audit/entries.jsonl', t => t.replace('"status":"accepted"', '"status":"rejected"'))
      expect((await verify('--bundle', broken)).res.code).toBe(1)
    },
    workers: async () => {
      for (const source of [['--data-dir', base.dir], ['--bundle', bundle]]) {
        const [one, three, zero] = await Promise.all([
          verify(...source, '--workers', '1'),
          verify(...source, '--workers', '3'),
          verify(...source, '--workers', '0')
        ])
        expect(one.report.timing.workers, source[0]).toBe(1)
        expect(three.report.timing.workers, source[0]).toBe(3)
        expect(one.report.ok && three.report.ok, source[0]).toBe(true)
        expect(zero.res.code, source[0]).toBe(2)
        expect(zero.res.stderr).toMatch(/BAD_ARGUMENT.*--workers/)
      }
    },
    'expect-node': async () => {
      for (const source of [['--data-dir', base.dir], ['--bundle', bundle]]) {
        const [right, wrong] = await Promise.all([verify(...source, '--expect-node', base.node.peerId), verify(...source, '--expect-node', other.node.peerId)])
        expect(right.res.code, source[0]).toBe(0)
        expect(wrong.res.code, source[0]).toBe(1)
        expect(wrong.res.stderr, source[0]).toMatch(/^error NODE_MISMATCH: /m)
        expect(wrong.report.failures.filter(f => f.code === 'NODE_MISMATCH'), source[0]).toHaveLength(1)
        expect(failuresOf(wrong.report)).toContain(other.node.peerId)
        const bad = await verify(...source, '--expect-node', 'not-a-peer-id')
        expect(bad.res.code).toBe(2)
      }
      // Another node's bundle is not the expected node's record, and neither is one whose
      // manifest merely claims to be.
      expect((await verify('--bundle', otherBundle, '--expect-node', base.node.peerId)).res.stderr).toMatch(/NODE_MISMATCH/)
      const claimed = await rewrittenBundle('VERIFY.md', t => t, m => {
        m.node = base.peers[0].peerId
        m.nodeKeys = [base.node.peerId, base.peers[0].peerId]
      })
      const lie = await verify('--bundle', claimed, '--expect-node', base.peers[0].peerId)
      expect(lie.res.code).toBe(1)
      expect(lie.res.stderr).toMatch(/NODE_MISMATCH/)
    },
    thorough: async () => {
      // Data directory: a consistent rewrite of a stored tree node is found only with --thorough.
      const dir = await tamperedDataDir(async (_store, audit) => {
        await audit.node.put(nodeKey(3, 2), new Uint8Array(32))
      })
      const [quick, deep] = await Promise.all([verify('--data-dir', dir), verify('--data-dir', dir, '--thorough')])
      expect(quick.res.code).toBe(0)
      expect(deep.res.code).toBe(1)
      // Bundle: a forged witness cosignature is found only with --thorough; real ones are counted.
      const line = await witnessLine(0, true)
      const good = await witnessLine(1)
      const withForged = await rewrittenBundle('checkpoints/48/note.txt', t => t + line + good)
      const withGood = await rewrittenBundle('checkpoints/48/note.txt', t => t + good)
      const [q, d, ok] = await Promise.all([
        verify('--bundle', withForged),
        verify('--bundle', withForged, '--thorough'),
        verify('--bundle', withGood, '--thorough')
      ])
      expect(q.res.code).toBe(0)
      expect(d.res.code).toBe(1)
      expect(failuresOf(d.report)).toMatch(new RegExp(`witness ${base.peers[0].peerId}`))
      expect(ok.res.code).toBe(0)
      expect(ok.report.notes.join('\n')).toMatch(/1 witness cosignature/)
    },
    openssl: async () => {
      for (const source of [['--data-dir', base.dir], ['--bundle', bundle]]) {
        const [fast, openssl] = await Promise.all([verify(...source), verify(...source, '--openssl')])
        expect(fast.report.verifier, source[0]).toMatch(/^libsodium/)
        expect(openssl.report.verifier, source[0]).toBe('node:crypto (OpenSSL)')
        expect(openssl.report.ok && fast.report.ok).toBe(true)
        expect(openssl.report.envelopes).toBe(fast.report.envelopes)
      }
    }
  },
  export: {
    'data-dir': async () => {
      const [a, b] = [fresh('out'), fresh('out')]
      await Promise.all([cli(['audit', 'export', '--data-dir', base.dir, '--out', a]), cli(['audit', 'export', '--data-dir', other.dir, '--out', b])])
      expect((JSON.parse(await readFile(join(a, 'manifest.json'), 'utf8')) as BundleManifest).node).toBe(base.node.peerId)
      expect((JSON.parse(await readFile(join(b, 'manifest.json'), 'utf8')) as BundleManifest).node).toBe(other.node.peerId)
    },
    json: async () => {
      const [text, structured] = await Promise.all([
        cli(['audit', 'export', '--data-dir', base.dir, '--out', fresh('out')]),
        cli(['audit', 'export', '--data-dir', base.dir, '--out', fresh('out'), '--json'])
      ])
      expect(text.stdout).toMatch(/^Exported to /)
      expect(json<{ counts: { messages: number } }>(structured).counts.messages).toBe(24)
    },
    help: async () => {
      const out = fresh('out')
      const res = await cli(['audit', 'export', '--data-dir', base.dir, '--out', out, '--help'])
      expect(res.stdout).toMatch(/^liaison audit/)
      await expect(readdir(out)).rejects.toMatchObject({ code: 'ENOENT' })
    },
    out: async () => {
      const out = fresh('out')
      expect((await cli(['audit', 'export', '--data-dir', base.dir, '--out', out])).code).toBe(0)
      expect(await readdir(out)).toContain('manifest.json')
      const missing = await cli(['audit', 'export', '--data-dir', base.dir])
      expect(missing.code).toBe(2)
      expect(missing.stderr).toMatch(/needs --out DIR/)
    },
    since: async () => {
      const [later, earlier, bad] = await Promise.all([
        cli(['audit', 'export', '--data-dir', base.dir, '--out', fresh('out'), '--since', '2026-03-02T00:00:00.000Z', '--json']),
        cli(['audit', 'export', '--data-dir', base.dir, '--out', fresh('out'), '--since', '2026-02-01', '--json']),
        cli(['audit', 'export', '--data-dir', base.dir, '--out', fresh('out'), '--since', 'yesterday'])
      ])
      expect(json<{ counts: { messages: number }, full: boolean }>(later)).toMatchObject({ counts: { messages: 0 }, full: false })
      expect(json<{ counts: { messages: number } }>(earlier).counts.messages).toBe(24)
      expect(bad.code).toBe(2)
    },
    peer: async () => {
      const [one, bad] = await Promise.all([
        cli(['audit', 'export', '--data-dir', base.dir, '--out', fresh('out'), '--peer', base.peers[1].peerId, '--json']),
        cli(['audit', 'export', '--data-dir', base.dir, '--out', fresh('out'), '--peer', 'nobody'])
      ])
      expect(json<{ counts: { messages: number }, filters: { peer: string } }>(one)).toMatchObject({
        counts: { messages: 12 },
        filters: { peer: base.peers[1].peerId }
      })
      expect(bad.code).toBe(2)
    }
  },
  prove: {
    'data-dir': async () => {
      const [here, there] = await Promise.all([
        cli(['audit', 'prove', base.outbound[0], '--data-dir', base.dir, '--json']),
        cli(['audit', 'prove', base.outbound[0], '--data-dir', other.dir, '--json'])
      ])
      expect(here.code).toBe(0)
      expect(there.code).toBe(1)
      expect(there.stderr).toMatch(/NOT_FOUND/)
    },
    json: async () => {
      const [text, structured] = await Promise.all([
        cli(['audit', 'prove', base.outbound[0], '--data-dir', base.dir]),
        cli(['audit', 'prove', base.outbound[0], '--data-dir', base.dir, '--json'])
      ])
      expect(text.code).toBe(0)
      expect(text.stdout).toMatch(new RegExp(`^${base.outbound[0]}: 2 entries, included in checkpoint 48`))
      expect(json<DigestProof>(structured).leaves).toHaveLength(2)
    },
    help: async () => {
      const res = await cli(['audit', 'prove', 'f'.repeat(64), '--data-dir', base.dir, '--help'])
      expect(res.code).toBe(0)
      expect(res.stdout).toMatch(/^liaison audit/)
    }
  },
  checkpoint: {
    'data-dir': async () => {
      const [a, b] = [fresh('data'), fresh('data')]
      await Promise.all([cp(base.dir, a, { recursive: true }), cp(other.dir, b, { recursive: true })])
      const [ra, rb] = await Promise.all([cli(['audit', 'checkpoint', '--data-dir', a, '--json']), cli(['audit', 'checkpoint', '--data-dir', b, '--json'])])
      expect(json<{ origin: string }>(ra).origin).toBe(checkpointOrigin(base.node.peerId))
      expect(json<{ origin: string }>(rb).origin).toBe(checkpointOrigin(other.node.peerId))
    },
    json: async () => {
      const dir = fresh('data')
      await cp(base.dir, dir, { recursive: true })
      const text = await cli(['audit', 'checkpoint', '--data-dir', dir])
      expect(text.code).toBe(0)
      expect(text.stdout).toMatch(/^Checkpoint 48 signed /)
      expect(json<{ size: number }>(await cli(['audit', 'checkpoint', '--data-dir', dir, '--json'])).size).toBe(48)
    },
    help: async () => {
      const res = await cli(['audit', 'checkpoint', '--data-dir', join(root, 'missing'), '--help'])
      expect(res.code).toBe(0)
      expect(res.stdout).toMatch(/^liaison audit/)
    }
  },
  witnesses: {
    'data-dir': async () => {
      const [here, missing] = await Promise.all([
        cli(['audit', 'witnesses', '--data-dir', base.dir]),
        cli(['audit', 'witnesses', '--data-dir', join(root, 'missing')])
      ])
      expect(here.code).toBe(0)
      expect(missing.code).toBe(1)
      expect(missing.stderr).toMatch(/NOT_INITIALISED/)
    },
    json: async () => {
      // One after the other: a stopped node's store admits one process at a time.
      const text = await cli(['audit', 'witnesses', '--data-dir', base.dir])
      const structured = await cli(['audit', 'witnesses', '--data-dir', base.dir, '--json'])
      expect(text.stdout).toMatch(/no peer checkpoints witnessed yet/)
      expect(json<{ seen: unknown[], alerts: unknown[] }>(structured)).toEqual({ seen: [], alerts: [] })
    },
    help: async () => {
      const res = await cli(['audit', 'witnesses', '--data-dir', join(root, 'missing'), '--help'])
      expect(res.code).toBe(0)
      expect(res.stdout).toMatch(/^liaison audit/)
    }
  },
  'split-view': {
    'data-dir': async () => {
      const missing = await cli(['audit', 'split-view', '--data-dir', join(root, 'missing'), '--out', fresh('evidence')])
      expect(missing.code).toBe(1)
      expect(missing.stderr).toMatch(/NOT_INITIALISED/)
      const none = await cli(['audit', 'split-view', '--data-dir', base.dir, '--out', fresh('evidence')])
      expect(none.stderr).toMatch(/NOT_FOUND: this node has raised no witness alert/)
    },
    out: async () => {
      const dir = await withAlerts()
      const without = await cli(['audit', 'split-view', '--data-dir', dir])
      expect(without.code).toBe(2)
      const out = fresh('evidence')
      const res = await cli(['audit', 'split-view', '--data-dir', dir, '--out', out])
      expect(res.code).toBe(0)
      expect((await readdir(out)).sort()).toEqual(['VERIFY.md', 'checkpoint-1.txt', 'checkpoint-2.txt', 'origin.pub.pem', 'split-view.json'])
    },
    alert: async () => {
      const dir = await withAlerts()
      const latest = fresh('evidence')
      await cli(['audit', 'split-view', '--data-dir', dir, '--out', latest])
      const first = fresh('evidence')
      await cli(['audit', 'split-view', '--data-dir', dir, '--out', first, '--alert', '1'])
      expect(JSON.parse(await readFile(join(latest, 'split-view.json'), 'utf8')).reason).toBe('SPLIT_VIEW')
      expect(JSON.parse(await readFile(join(first, 'split-view.json'), 'utf8')).reason).toBe('FORK')
      const unknown = await cli(['audit', 'split-view', '--data-dir', dir, '--out', fresh('evidence'), '--alert', '99'])
      expect(unknown.code).toBe(1)
      expect(unknown.stderr).toMatch(/no witness alert 99/)
    },
    json: async () => {
      const dir = await withAlerts()
      const text = await cli(['audit', 'split-view', '--data-dir', dir, '--out', fresh('evidence')])
      const structured = await cli(['audit', 'split-view', '--data-dir', dir, '--out', fresh('evidence'), '--json'])
      expect(text.stdout).toMatch(/^SPLIT_VIEW evidence for /)
      expect(json<{ alert: number, reason: string }>(structured)).toMatchObject({ alert: 2, reason: 'SPLIT_VIEW' })
    },
    help: async () => {
      const res = await cli(['audit', 'split-view', '--data-dir', join(root, 'missing'), '--help'])
      expect(res.code).toBe(0)
      expect(res.stdout).toMatch(/^liaison audit/)
    }
  }
}

/** A copy of the data dir holding two witness alerts (FORK, then SPLIT_VIEW) about its first peer, made of two of the node's own signed checkpoints. */
async function withAlerts (): Promise<string> {
  const sizes = (await readdir(join(bundle, 'checkpoints'))).filter(s => /^\d+$/.test(s)).sort((a, b) => Number(a) - Number(b))
  const [previous, presented] = await Promise.all(
    [sizes[0], sizes.at(-1)].map(async s => await readFile(join(bundle, 'checkpoints', s as string, 'note.txt'), 'utf8'))
  )
  return await tamperedDataDir(async (store) => {
    const witness = new WitnessStore(store.db)
    const alert = (seq: number, reason: 'FORK' | 'SPLIT_VIEW'): WitnessAlert => ({
      seq,
      peerId: base.node.peerId,
      at: NOW,
      reason,
      detail: 'planted by the test',
      previous: previous as string,
      presented: presented as string
    })
    await store.db.batch([witness.alertOp(alert(1, 'FORK')), witness.alertOp(alert(2, 'SPLIT_VIEW'))] as never)
  })
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'audit-flags-'))
  ;[base, other] = await Promise.all([
    buildSyntheticDataDir({ dir: join(root, 'node'), inbound: 12, outbound: 12, peers: 2, now: NOW }),
    buildSyntheticDataDir({ dir: join(root, 'other'), inbound: 4, outbound: 4, peers: 1, now: NOW })
  ])
  bundle = join(root, 'bundle')
  otherBundle = join(root, 'other-bundle')
  await Promise.all([exportBundle(base.dir, { out: bundle }), exportBundle(other.dir, { out: otherBundle })])
}, 60_000)

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('liaison audit: every flag it parses has its effect', () => {
  it("has a case for every flag of every subcommand, taken from the parser's definition", () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(AUDIT_OPTIONS).sort())
    for (const sub of Object.keys(AUDIT_OPTIONS) as AuditSubcommand[]) {
      expect(Object.keys(CASES[sub]).sort(), sub).toEqual(auditFlags(sub).sort())
    }
  })

  for (const [sub, cases] of Object.entries(CASES)) {
    for (const [flag, run] of Object.entries(cases)) {
      it(`audit ${sub} --${flag} changes the outcome`, run, 120_000)
    }
  }
})
