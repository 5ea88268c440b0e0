/**
 * The query index on a real LevelDB in a temp dir: a few thousand selectors of several types
 * from CSV (refusals reported by line, never by value), updates, removal, per-type stats, the
 * OPRF key persisted across reopen, and key rotation re-keying every record (old tags stop
 * matching, new ones match). Queries through protocol/query against filters built from the
 * index give the right hits; the CLI (`liaison index add|list|remove`, a real child process)
 * reports refusals without echoing the value. The worker pool gives the same records as the
 * inline build; a CSV streamed in small chunks parses as the whole text does; the change log
 * gives deltas whose net effect is the current set, and a full filter when it cannot.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { IndexStore, OprfPool, openCsv, parseCsv, type FilterSync } from '../../node/query/index.ts'
import { blindedForWire, blindSelectors, evaluateQuery, finaliseAnswer, hitTag } from '../../protocol/query/index.ts'
import { normaliseSelector } from '../../protocol/selectors/index.ts'
import { peerIdFromPublicKey } from '../../protocol/peer-id.ts'

const root = mkdtempSync(join(tmpdir(), 'liaison-qindex-'))
afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})
const peerA = peerIdFromPublicKey(randomBytes(32))

async function filterOf (store: IndexStore, type: string): Promise<Set<string>> {
  const tags = new Set<string>()
  for await (const output of store.outputs(type)) tags.add(hitTag(peerA, type, output))
  return tags
}

function ask (store: IndexStore, type: string, values: string[], filter: Set<string>, region?: string): boolean[] {
  const pending = blindSelectors(type, values.map((v) => normaliseSelector(type, v, region === undefined ? undefined : { defaultRegion: region })))
  return finaliseAnswer(type, peerA, store.keys.publicKey, pending, evaluateQuery(store.keys, blindedForWire(pending)), filter).map((r) => r.hit)
}

describe('query index', () => {
  it('parses CSV with quotes, CRLF and a BOM', () => {
    const { header, rows } = parseCsv('\uFEFFselector,ref\r\n"+49 151, 1",case-1\r\n"a ""b""",c\n')
    expect(header).toEqual(['selector', 'ref'])
    expect(rows.map((r) => r.cells.selector)).toEqual(['+49 151, 1', 'a "b"'])
    expect(() => parseCsv('a,b\n1\n')).toThrow(/line 2/)
  })

  it('indexes thousands of selectors, answers queries, removes, re-keys on rotation', async () => {
    const dir = join(root, 'idx')
    let store = await IndexStore.open(dir)
    const phones = Array.from({ length: 2000 }, (_, i) => ({ value: `+49 151 1${String(1000000 + i)}`, ref: `case-${i}`, origin: `line ${i + 2}` }))
    const r = await store.add('phone', [...phones, { value: 'not a phone', ref: 'x', origin: 'line 9999' }])
    expect(r).toMatchObject({ added: 2000, updated: 0 })
    expect(r.refused).toEqual([{ origin: 'line 9999', code: 'BAD_SELECTOR', reason: expect.not.stringContaining('not a phone') as unknown as string }])
    await store.add('iban', [{ value: 'DE89 3704 0044 0532 0130 00', ref: 'acct-1' }, { value: 'GB29 NWBK 6016 1331 9268 19', ref: 'acct-2' }])
    await store.add('person', [{ value: 'Jörg Müller 1980-02-03', ref: 'p-1' }])
    expect((await store.add('iban', [{ value: 'de89370400440532013000', ref: 'acct-1b' }])).updated).toBe(1)
    expect(await store.stats()).toEqual({ phone: 2000, iban: 2, person: 1 })
    const keyId = store.publicKey().keyId

    await store.close()
    store = await IndexStore.open(dir)
    expect(store.publicKey().keyId).toBe(keyId)

    const phoneFilter = await filterOf(store, 'phone')
    expect(phoneFilter.size).toBe(2000)
    expect(ask(store, 'phone', ['0151 11000007', '+4915111001999', '+4915111002000', '+4915199999999'], phoneFilter, 'DE')).toEqual([true, true, false, false])
    expect(ask(store, 'person', ['MULLER, Jorg 03.02.1980', 'Jörg Müller 1980-02-04'], await filterOf(store, 'person'))).toEqual([true, false])
    expect(await store.lookupOutput('iban', (await store.outputs('iban').next()).value as Uint8Array)).toMatchObject({
      ref: expect.stringMatching(/^acct-/) as unknown as string
    })

    expect(await store.remove('phone', '+49 151 11000007')).toBe(true)
    expect(await store.remove('phone', '+49 151 11000007')).toBe(false)
    expect(ask(store, 'phone', ['+4915111000007'], await filterOf(store, 'phone'))).toEqual([false])

    const rotated = await store.rotateKey()
    expect(rotated).toMatchObject({ epoch: 2, records: 2002, keyId: store.publicKey().keyId })
    expect(store.publicKey().keyId).not.toBe(keyId)
    expect(ask(store, 'phone', ['+4915111000008'], phoneFilter)).toEqual([false])
    const after = await filterOf(store, 'phone')
    expect(after.size).toBe(1999)
    expect(ask(store, 'phone', ['+4915111000008'], after)).toEqual([true])
    await store.close()
  }, 120_000)

  it('streams a CSV in small chunks exactly as parseCsv reads the whole text', async () => {
    const text = '\uFEFFselector,ref\r\n"+49 151, 1",case-1\r\n"a ""b""",c\n"multi\nline",d\r\nlast,e'
    const file = join(root, 'chunks.csv')
    writeFileSync(file, text)
    const whole = parseCsv(readFileSync(file, 'utf8'))
    const streamed = await openCsv(file)
    const rows = []
    for await (const r of streamed.rows) rows.push(r)
    expect(streamed.header).toEqual(whole.header)
    expect(rows).toEqual(whole.rows)
    expect(rows.map(r => r.line)).toEqual([2, 3, 4, 6])
    writeFileSync(file, 'a,b\n1,2\n3\n')
    const bad = await openCsv(file)
    await expect((async () => {
      let n = 0
      for await (const row of bad.rows) n += row.line
      return n
    })()).rejects.toThrow(/line 3/)
  })

  it('the worker pool gives exactly the inline records, outputs and refusals', async () => {
    const entries = Array.from({ length: 2500 }, (_, i) => ({ value: i === 1700 ? 'no phone' : `+49 151 2${String(1000000 + i)}`, ref: `r-${i}` }))
    const inline = await IndexStore.open(join(root, 'inline'))
    const pooled = await IndexStore.open(join(root, 'pooled'))
    const pool = new OprfPool(2)
    try {
      // Same key in both: copy the seed record by rotating neither and comparing under each key instead.
      const a = await inline.add('phone', entries, undefined, { workers: 0 })
      const b = await pooled.add(
        'phone',
        (async function* () {
          yield* entries
        })(),
        undefined,
        { pool }
      )
      expect(b).toEqual(a)
      // Each worker had a batch (3 batches, 2 workers) and reports the CPU time it spent on it.
      expect(pool.cpuMicros().length).toBe(2)
      expect(pool.cpuMicros().every((us) => us > 0)).toBe(true)
      expect(pool.startCpuMicros().every((us) => us > 0)).toBe(true)
      expect(a).toMatchObject({ added: 2499, refusedTotal: 1, refused: [{ origin: 'entry 1701', code: 'BAD_SELECTOR' }] })
      // Each store's outputs are its own key's RFC 9497 Evaluate: the pooled filter answers like the inline one.
      for (const store of [inline, pooled]) {
        expect(ask(store, 'phone', ['+4915121000000', '+4915121002499', '+4915121001700'], await filterOf(store, 'phone'))).toEqual([true, true, false])
      }
      const rotated = await pooled.rotateKey({ pool })
      expect(rotated.records).toBe(2499)
      expect(ask(pooled, 'phone', ['+4915121000042'], await filterOf(pooled, 'phone'))).toEqual([true])
    } finally {
      await pool.close()
      await inline.close()
      await pooled.close()
    }
  }, 120_000)

  it('filter sync: deltas since a seq net to the current set; a full filter when behind the log, ahead of it or under another key', async () => {
    const store = await IndexStore.open(join(root, 'sync'), { filterLog: 5 })
    const collect = async (sync: FilterSync): Promise<{ added: Set<string>, removed: Set<string>, parts: number }> => {
      const out = { added: new Set<string>(), removed: new Set<string>(), parts: 0 }
      for await (const p of sync.parts) {
        out.parts++
        p.added.forEach(o => out.added.add(hitTag(peerA, 'email', o)))
        p.removed.forEach(o => out.removed.add(hitTag(peerA, 'email', o)))
      }
      return out
    }
    try {
      await store.add('email', [{ value: 'a@example.org', ref: '1' }, { value: 'b@example.org', ref: '2' }])
      const keyId = store.publicKey().keyId
      const first = await store.filterSync('email')
      expect(first).toMatchObject({ since: null, seq: 2, size: 2 })
      const held = (await collect(first)).added
      expect(held.size).toBe(2)
      await store.add('email', [{ value: 'c@example.org', ref: '3' }, { value: 'a@example.org', ref: '1b' }]) // one new, one update
      expect(await store.remove('email', 'b@example.org')).toBe(true)
      await store.add('email', [{ value: 'd@example.org', ref: '4' }])
      expect(await store.remove('email', 'd@example.org')).toBe(true) // added and removed within the range: not sent
      const delta = await store.filterSync('email', { keyId, seq: 2 })
      expect(delta).toMatchObject({ since: 2, seq: 6, size: 2 })
      const d = await collect(delta)
      for (const t of d.removed) held.delete(t)
      for (const t of d.added) held.add(t)
      expect(d.added.size + d.removed.size).toBe(2)
      expect(held).toEqual(await filterOf(store, 'email'))
      // Up to date: one empty part.
      expect(await collect(await store.filterSync('email', { keyId, seq: 6 }))).toEqual({ added: new Set(), removed: new Set(), parts: 1 })
      // Behind the 5-change log (floor 2), ahead of it, or under another key: full.
      expect((await store.filterSync('email', { keyId, seq: 0 })).since).toBeNull()
      expect((await store.filterSync('email', { keyId, seq: 7 })).since).toBeNull()
      expect((await store.filterSync('email', { keyId: '0'.repeat(32), seq: 6 })).since).toBeNull()
      await store.rotateKey({ workers: 0 })
      expect((await store.filterSync('email', { keyId, seq: 6 })).since).toBeNull()
      const newKey = store.publicKey().keyId
      expect(await store.filterSync('email', { keyId: newKey, seq: 6 })).toMatchObject({ since: 6, seq: 6, size: 2 })
    } finally {
      await store.close()
    }
  }, 60_000)

  it('CLI: index add --file, list --stats, remove; refusals never echo the value', async () => {
    const dataDir = join(root, 'cli')
    const csv = join(root, 'refs.csv')
    writeFileSync(csv, 'number,case\n+44 20 7946 0958,GB-1\n"SECRET-NOT-A-NUMBER",GB-2\n')
    const run = async (...args: string[]): Promise<{ stdout: string, code: number }> => {
      try {
        const { stdout } = await promisify(execFile)('node_modules/.bin/node', ['node/cli/liaison.ts', ...args, '--data-dir', dataDir])
        return { stdout, code: 0 }
      } catch (e) {
        const err = e as { stdout: string, stderr: string, code: number }
        return { stdout: err.stdout + err.stderr, code: err.code }
      }
    }
    const add = await run('index', 'add', '--type', 'phone', '--file', csv, '--selector-column', 'number', '--ref-column', 'case')
    expect(add.code).toBe(0)
    expect(add.stdout).toContain('1 added, 0 updated, 1 refused')
    expect(add.stdout).toContain('line 3: BAD_SELECTOR')
    expect(add.stdout).not.toContain('SECRET-NOT-A-NUMBER')
    const list = JSON.parse((await run('index', 'list', '--json')).stdout) as { types: Record<string, number>, oprfKey: { keyId: string } }
    expect(list.types).toEqual({ phone: 1 })
    expect(list.oprfKey.keyId).toMatch(/^[0-9a-f]{32}$/)
    expect((await run('index', 'remove', '--type', 'phone', '--selector', '020 7946 0958', '--region', 'GB')).code).toBe(0)
    const missing = await run('index', 'remove', '--type', 'phone', '--selector', '020 7946 0958', '--region', 'GB')
    expect(missing.code).toBe(1)
    expect(missing.stdout).toContain('NOT_FOUND')
    expect(missing.stdout).not.toContain('7946')
  }, 120_000)
})
