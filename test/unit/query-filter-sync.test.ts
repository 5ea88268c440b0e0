/**
 * The asking node's checks of a hit-filter sync (protocol/query/filter-sync.ts, PROTOCOL.md
 * §19.8), known cases: a full filter and a delta on exactly the held seq apply; a delta on
 * another seq, on no filter or on another key, a full filter older than the one held, parts
 * of another query (replayed), out of order, disagreeing or cut short are FILTER_STALE; the
 * schema refuses a full filter that removes and a since after seq.
 */
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { checkFilterSync, decodeFilter, type FilterV1 } from '../../protocol/query/index.ts'
import { peerIdFromPublicKey } from '../../protocol/peer-id.ts'

const from = peerIdFromPublicKey(randomBytes(32))
const to = peerIdFromPublicKey(randomBytes(32))
const ctx = { query: '01890a5d-ac96-774b-bcce-b302099a8057', from, to, type: 'phone', keyId: 'ab'.repeat(16) }
const tag = (n: number): string => n.toString(16).padStart(32, '0')
const part = (over: Partial<FilterV1> = {}): FilterV1 => ({
  v: 1,
  created: '2026-12-03T08:00:00.000Z',
  ...ctx,
  since: 4,
  seq: 6,
  size: 10,
  part: 0,
  last: true,
  added: [tag(1)],
  removed: [tag(2)],
  ...over
})
const held = { keyId: ctx.keyId, seq: 4, size: 10 }
const code = (f: () => unknown): string => {
  try {
    f()
    return 'none'
  } catch (e) {
    return (e as { code: string }).code
  }
}

describe('hit filter sync checks', () => {
  it('applies a full filter and a delta on exactly the held seq, in parts', () => {
    expect(checkFilterSync([part({ since: null, removed: [] })], ctx, undefined)).toEqual({ since: null, seq: 6, size: 10 })
    expect(checkFilterSync([part({ last: false }), part({ part: 1 })], ctx, held)).toEqual({ since: 4, seq: 6, size: 10 })
    // A full filter under a new key replaces one held under the old key, whatever its seq.
    expect(checkFilterSync([part({ since: null, removed: [], seq: 0 })], ctx, { ...held, keyId: 'cd'.repeat(16), seq: 99 }).seq).toBe(0)
  })

  it('refuses what does not apply with FILTER_STALE', () => {
    for (
      const [why, parts, h] of [
        ['delta on another seq', [part({ since: 3 })], held],
        ['delta on no filter', [part()], undefined],
        ['delta on another key', [part()], { ...held, keyId: 'cd'.repeat(16) }],
        ['full older than held', [part({ since: null, removed: [], seq: 3 })], held],
        ['replayed from another query', [part({ query: '01890a5d-ac96-774b-bcce-b302099a8058' })], held],
        ['for another type', [part({ type: 'iban' })], held],
        ['under another key than the answer', [part({ keyId: 'cd'.repeat(16) })], held],
        ['out of order', [part({ part: 1 })], held],
        ['parts disagree', [part({ last: false }), part({ part: 1, size: 11 })], held],
        ['cut short', [part({ last: false })], held],
        ['after the last', [part(), part({ part: 1 })], held],
        ['no parts', [], held]
      ] as const
    ) expect(code(() => checkFilterSync(parts, ctx, h)), why).toBe('FILTER_STALE')
  })

  it('the schema refuses a full filter that removes, since after seq, and unknown fields', () => {
    const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))
    expect(decodeFilter(enc(part())).seq).toBe(6)
    expect(code(() => decodeFilter(enc(part({ since: null }))))).toBe('SCHEMA_INVALID')
    expect(code(() => decodeFilter(enc(part({ since: 7 }))))).toBe('SCHEMA_INVALID')
    expect(code(() => decodeFilter(enc({ ...part(), full: true })))).toBe('SCHEMA_INVALID')
  })
})
