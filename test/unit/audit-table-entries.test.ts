import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { Level } from 'level'
import { levelDbFileKind, readLogFile } from '../../node/audit/leveldb/file-check.ts'
import { liveFiles } from '../../node/audit/leveldb/manifest.ts'
import { logEntries, prefixRange, tableEntries } from '../../node/audit/leveldb/table-entries.ts'
import type { KeyRange } from '../../node/audit/leveldb/table-entries.ts'

/** What the live files hold in `ranges`, newest version of each key, deletions dropped. */
const seen = { tables: 0, logEntries: 0, deletions: 0, shadowed: 0 }

async function readDirectly (dir: string, ranges: KeyRange[]): Promise<Map<string, string>> {
  const names = await readdir(dir)
  const current = (await readFile(join(dir, 'CURRENT'), 'latin1')).trim()
  const { live } = liveFiles(await readFile(join(dir, current)))
  const newest = new Map<string, { seq: number, value: string | null }>()
  const visit = (key: Uint8Array, seq: number, deleted: boolean, value: Uint8Array): void => {
    const k = Buffer.from(key).toString('latin1')
    const had = newest.get(k)
    if (deleted) seen.deletions++
    if (had !== undefined) seen.shadowed++
    if (had === undefined || seq > had.seq) newest.set(k, { seq, value: deleted ? null : Buffer.from(value).toString('latin1') })
  }
  for (const name of names) {
    const kind = levelDbFileKind(name)
    const n = Number(name.split('.')[0])
    const bytes = await readFile(join(dir, name))
    if (kind === 'table' && live.tables.has(n)) {
      seen.tables++
      expect(tableEntries(bytes, ranges, true, visit)).toEqual([])
    }
    if (kind === 'log' && n >= live.logNumber) {
      expect(logEntries(readLogFile(bytes, true).records, ranges, () => {
        seen.logEntries++
      })).toEqual([])
      expect(logEntries(readLogFile(bytes, true).records, ranges, visit)).toEqual([])
    }
  }
  const out = new Map<string, string>()
  for (const [k, v] of newest) if (v.value !== null) out.set(k, v.value)
  return out
}

async function readThroughLevelDb (dir: string, lo: string, hi: string): Promise<Map<string, string>> {
  const db = new Level<Buffer, Buffer>(dir, { valueEncoding: 'buffer', keyEncoding: 'buffer' })
  await db.open()
  try {
    const all = await db.iterator({ gte: Buffer.from(lo, 'latin1'), lt: Buffer.from(hi, 'latin1') }).all()
    return new Map(all.map(([k, v]) => [k.toString('latin1'), v.toString('latin1')]))
  } finally {
    await db.close()
  }
}

describe('reading LevelDB files directly', () => {
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'audit-table-entries-'))
    const db = new Level<string, string>(dir, { valueEncoding: 'utf8', writeBufferSize: 128 * 1024 })
    await db.open()
    const a = db.sublevel<string, string>('a', { valueEncoding: 'utf8' })
    const b = db.sublevel<string, string>('b', { valueEncoding: 'utf8' })
    // Several generations: values overwritten and deleted across flushes and a partial compaction,
    // compressible and incompressible values, and the newest writes left in the log.
    for (let round = 0; round < 8; round++) {
      const ops = []
      for (let i = 0; i < 800; i++) {
        const key = `key-${String((i * 7 + round * 13) % 1000).padStart(4, '0')}`
        ops.push({
          type: 'put' as const,
          sublevel: round % 2 === 0 ? a : b,
          key,
          value: round % 3 === 0 ? `r${round} `.repeat(40) : randomBytes(700).toString('base64')
        })
        if (i % 9 === round) ops.push({ type: 'del' as const, sublevel: a, key: `key-${String(i).padStart(4, '0')}` })
      }
      await db.batch(ops)
      if (round === 3) await (db as unknown as { compactRange: (a: string, b: string) => Promise<void> }).compactRange('!a!', '!a!key-0500')
    }
    // A last small batch (overwrites and deletions of keys the tables hold) stays in the live log.
    const last = []
    for (let i = 0; i < 150; i++) {
      last.push({ type: 'put' as const, sublevel: i % 2 === 0 ? a : b, key: `key-${String(i * 3).padStart(4, '0')}`, value: `last ${i}` })
    }
    for (let i = 0; i < 50; i++) last.push({ type: 'del' as const, sublevel: b, key: `key-${String(i * 7 + 1).padStart(4, '0')}` })
    await db.batch(last)
    await db.put('zzz', 'outside')
    await db.close()
  })

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('gives exactly what LevelDB serves in the requested ranges, and nothing outside them', async () => {
    const direct = await readDirectly(dir, [prefixRange('!a!'), prefixRange('!b!')])
    // The case worth testing: several tables, a live log, keys deleted and overwritten across them.
    expect(seen.tables).toBeGreaterThan(1)
    expect(seen.logEntries).toBeGreaterThan(100)
    expect(seen.deletions).toBeGreaterThan(100)
    expect(seen.shadowed).toBeGreaterThan(100)
    const served = new Map([...await readThroughLevelDb(dir, '!a!', '!a"'), ...await readThroughLevelDb(dir, '!b!', '!b"')])
    expect(served.size).toBeGreaterThan(500)
    expect(direct.size).toBe(served.size)
    for (const [k, v] of served) expect(direct.get(k), k).toBe(v)
    const onlyA = await readDirectly(dir, [prefixRange('!a!')])
    expect([...onlyA.keys()].every(k => k.startsWith('!a!'))).toBe(true)
    expect(onlyA.size).toBe((await readThroughLevelDb(dir, '!a!', '!a"')).size)
  })

  it('reports a data block that fails its checksum, and still reads the others', async () => {
    const names = await readdir(dir)
    const table = names.find(n => levelDbFileKind(n) === 'table') as string
    const bytes = Uint8Array.from(await readFile(join(dir, table)))
    bytes[20] ^= 1
    let seen = 0
    const problems = tableEntries(bytes, [prefixRange('!a!'), prefixRange('!b!')], true, () => {
      seen++
    })
    expect(problems.join()).toMatch(/fails its checksum/)
    expect(seen).toBeGreaterThan(0)
  })
})
