import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { crc32c, maskCrc, unmaskCrc } from '../../node/store/fsck/crc32c.ts'
import { snappyDecompress } from '../../node/store/fsck/snappy.ts'
import { checkLevelDbFile, levelDbFileKind } from '../../node/store/fsck/file-check.ts'
import { liveFiles } from '../../node/store/fsck/manifest.ts'

const fill = (n: number, f: (i: number) => number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => f(i))

describe('CRC-32C', () => {
  it('matches the RFC 3720 B.4 known answers and "123456789"', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa)
    expect(crc32c(fill(32, () => 0xff))).toBe(0x62a8ab43)
    expect(crc32c(fill(32, i => i))).toBe(0x46dd794e)
    expect(crc32c(fill(32, i => 31 - i))).toBe(0x113fdb5c)
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283)
  })

  it('gives the same CRC for any split point and unmasks what it masks', () => {
    const data = fill(1000, i => (i * 131) & 0xff)
    for (const start of [0, 1, 7, 8, 9, 500]) expect(crc32c(data, start)).toBe(crc32c(data.slice(start)))
    for (const crc of [0, 1, 0xffffffff, crc32c(data)]) {
      expect(unmaskCrc(maskCrc(crc))).toBe(crc)
      expect(maskCrc(crc)).not.toBe(crc)
    }
  })
})

describe('snappy', () => {
  it('decodes literals and 1-, 2- and 4-byte-offset copies, overlapping ones included', () => {
    // "abcd" literal, then copy length 8 offset 4 (1-byte offset form).
    expect(Buffer.from(snappyDecompress(Uint8Array.from([12, 0x0c, 97, 98, 99, 100, 0x11, 4]))).toString()).toBe('abcdabcdabcd')
    // "ab", then copy length 6 offset 2 (2-byte offset form), then copy length 2 offset 1 (4-byte form).
    expect(Buffer.from(snappyDecompress(Uint8Array.from([10, 0x04, 97, 98, (6 - 1) << 2 | 2, 2, 0, (2 - 1) << 2 | 3, 1, 0, 0, 0]))).toString()).toBe(
      'abababab' + 'bb'
    )
    // A 70-byte literal uses the one-extra-length-byte form (tag 60).
    const long = fill(70, i => 65 + (i % 26))
    expect(snappyDecompress(Uint8Array.from([70, 60 << 2, 69, ...long]))).toEqual(long)
  })

  it('rejects copies before the start, overruns and wrong lengths', () => {
    expect(() => snappyDecompress(Uint8Array.from([4, 0x01, 1]))).toThrow(RangeError)
    expect(() => snappyDecompress(Uint8Array.from([2, 0x0c, 97, 98, 99, 100]))).toThrow(RangeError)
    expect(() => snappyDecompress(Uint8Array.from([5, 0x0c, 97, 98, 99, 100]))).toThrow(RangeError)
  })
})

describe('LevelDB file checks on a real database', () => {
  let dir: string
  let names: string[]

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'audit-leveldb-'))
    const db = new Level<string, string>(dir, { valueEncoding: 'utf8', writeBufferSize: 256 * 1024 })
    await db.open()
    // Enough data for several table files (compressed and not) and a live log.
    for (let b = 0; b < 12; b++) {
      const ops = Array.from({ length: 1000 }, (_, i) => ({ type: 'put' as const, key: `k${b}-${i}`, value: `value ${i} `.repeat(20) + String(b * 7919 + i) }))
      await db.batch(ops, { sync: true })
    }
    await db.del('k0-1')
    await db.close()
    names = await readdir(dir)
  })

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('finds tables, logs, a manifest and CURRENT intact, and the manifest names every live table at its size', async () => {
    const kinds = names.map(levelDbFileKind)
    expect(kinds).toContain('table')
    expect(kinds).toContain('log')
    expect(kinds).toContain('manifest')
    for (const name of names) {
      expect(checkLevelDbFile(levelDbFileKind(name), await readFile(join(dir, name)), new Set(names)), name).toEqual([])
    }
    const current = (await readFile(join(dir, 'CURRENT'), 'latin1')).trim()
    const { live, problems } = liveFiles(await readFile(join(dir, current)))
    expect(problems).toEqual([])
    for (const [n, size] of live.tables) {
      const bytes = await readFile(join(dir, `${String(n).padStart(6, '0')}.ldb`))
      expect(bytes.length).toBe(size)
    }
  })

  it('detects every single-bit flip at sampled positions of every data file', async () => {
    const set = new Set(names)
    let checked = 0
    for (const name of names) {
      const kind = levelDbFileKind(name)
      if (kind === 'ignored' || kind === 'unknown') continue
      const bytes = await readFile(join(dir, name))
      const step = Math.max(1, Math.floor(bytes.length / 400))
      for (let at = 0; at < bytes.length; at += step) {
        const copy = Uint8Array.from(bytes)
        copy[at] ^= 1 << (at % 8)
        expect(checkLevelDbFile(kind, copy, set).length, `${name} byte ${at}`).toBeGreaterThan(0)
        checked++
      }
      // The last bytes (footer magic, final record) too.
      const copy = Uint8Array.from(bytes)
      copy[copy.length - 1] ^= 0x80
      expect(checkLevelDbFile(kind, copy, set).length, `${name} last byte`).toBeGreaterThan(0)
    }
    expect(checked).toBeGreaterThan(1000)
  })

  it('reports a table cut short or grown, and a CURRENT naming a missing manifest', async () => {
    const table = names.find(n => levelDbFileKind(n) === 'table') as string
    const bytes = await readFile(join(dir, table))
    expect(checkLevelDbFile('table', bytes.subarray(0, bytes.length - 1), new Set(names))).not.toEqual([])
    expect(checkLevelDbFile('table', bytes, new Set(names), bytes.length + 1)).toEqual([`is ${bytes.length} bytes; the manifest says ${bytes.length + 1}`])
    expect(checkLevelDbFile('current', new TextEncoder().encode('MANIFEST-999999\n'), new Set(names))).toEqual([
      'CURRENT names MANIFEST-999999, which does not exist'
    ])
  })

  it('reports a log cut inside a record as a torn write', async () => {
    const log = names.find(n => levelDbFileKind(n) === 'log') as string
    const bytes = await readFile(join(dir, log))
    const problems = checkLevelDbFile('log', bytes.subarray(0, bytes.length - 3), new Set(names))
    expect(problems.join()).toMatch(/torn write/)
  })
})
