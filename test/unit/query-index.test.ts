/**
 * The query index on a real LevelDB in a temp dir: a few thousand selectors of several types
 * from CSV (refusals reported by line, never by value), updates, removal, per-type stats, the
 * OPRF key persisted across reopen, and key rotation re-keying every record (old tags stop
 * matching, new ones match). Queries through protocol/query against filters built from the
 * index give the right hits; the CLI (`liaison index add|list|remove`, a real child process)
 * reports refusals without echoing the value.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { IndexStore, parseCsv } from '../../node/query/index.ts'
import { blindedForWire, blindSelectors, evaluateQuery, finaliseAnswer, hitTag } from '../../protocol/query/index.ts'
import { normaliseSelector } from '../../protocol/selectors/index.ts'
import { peerIdFromPublicKey } from '../../protocol/peer-id.ts'

const root = mkdtempSync(join(tmpdir(), 'liaison-qindex-'))
afterAll(() => { rmSync(root, { recursive: true, force: true }) })
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
    expect(await store.lookupOutput('iban', (await store.outputs('iban').next()).value as Uint8Array)).toMatchObject({ ref: expect.stringMatching(/^acct-/) as unknown as string })

    expect(await store.remove('phone', '+49 151 11000007')).toBe(true)
    expect(await store.remove('phone', '+49 151 11000007')).toBe(false)
    expect(ask(store, 'phone', ['+4915111000007'], await filterOf(store, 'phone'))).toEqual([false])

    const rotated = await store.rotateKey()
    expect(rotated).toEqual({ epoch: 2, records: 2002 })
    expect(store.publicKey().keyId).not.toBe(keyId)
    expect(ask(store, 'phone', ['+4915111000008'], phoneFilter)).toEqual([false])
    const after = await filterOf(store, 'phone')
    expect(after.size).toBe(1999)
    expect(ask(store, 'phone', ['+4915111000008'], after)).toEqual([true])
    await store.close()
  }, 120_000)

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
