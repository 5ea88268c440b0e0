/**
 * The report's join state against plain Map models: BoundedMap (FIFO eviction in O(1), deletes
 * free their place, re-set keys are not evicted early) and MessageIndex (ring of slots over an
 * open-addressing table with backward-shift deletion, digests kept as bytes), under random
 * operations, and with fast-check against a Map-and-ring model.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BoundedMap } from '../../node/report/bounded-map.ts'
import { MessageIndex, type MessageRecord } from '../../node/report/message-index.ts'

/** A small deterministic PRNG (mulberry32), so a failure replays. */
function rng (seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6D2B79F5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('report joins: BoundedMap', () => {
  it('forgets the oldest live entry first, counts it, and tells onEvict', () => {
    const gone: string[] = []
    const m = new BoundedMap<string, number>(3, (_v, k) => {
      gone.push(k)
    })
    for (const k of ['a', 'b', 'c']) m.set(k, 1)
    m.delete('a')
    m.set('d', 1)
    expect(m.evicted).toBe(0)
    m.set('a', 2) // re-set after delete: the newest, not the oldest
    expect(gone).toEqual(['b'])
    m.set('e', 1)
    m.set('f', 1)
    expect(gone).toEqual(['b', 'c', 'd'])
    expect([...m.values()]).toEqual([2, 1, 1])
    expect(m.evicted).toBe(3)
  })

  it('behaves as a FIFO-bounded Map under random set / delete (model check)', () => {
    const next = rng(19)
    const limit = 50
    const m = new BoundedMap<string, number>(limit)
    const model = new Map<string, number>()
    let evicted = 0
    for (let i = 0; i < 20_000; i++) {
      const k = `k${Math.floor(next() * 200)}`
      if (next() < 0.3) {
        expect(m.delete(k)).toBe(model.delete(k))
      } else if (model.has(k)) {
        model.set(k, i)
        m.set(k, i)
      } else {
        if (model.size >= limit) {
          model.delete(model.keys().next().value as string)
          evicted++
        }
        model.set(k, i)
        m.set(k, i)
      }
      expect(m.size).toBe(model.size)
    }
    for (const [k, v] of model) expect(m.get(k)).toBe(v)
    expect([...m.values()]).toEqual([...model.values()])
    expect(m.evicted).toBe(evicted)
  })
})

describe('report joins: MessageIndex', () => {
  const rec = (i: number): MessageRecord => ({
    at: i,
    counted: i % 2 === 0,
    out: i % 3 === 0,
    payload: 'message',
    dims: { topic: `t${i % 5}` },
    peers: i % 4 === 0 ? ['p1', 'p2'] : ['p1']
  })

  it('keeps the last `limit` messages (a ring) and finds each by digest', () => {
    const next = rng(7)
    const limit = 300
    const idx = new MessageIndex(limit)
    const order: string[] = []
    const seen = new Set<string>()
    for (let i = 0; i < 5000; i++) {
      // Digests of every shape: hex like the log's, and colliding prefixes.
      const d = next() < 0.5 ? Math.floor(next() * 2 ** 52).toString(16).padStart(64, '0') : `same-prefix-${i}`
      if (seen.has(d)) continue
      seen.add(d)
      idx.set(d, rec(i))
      order.push(d)
    }
    const kept = order.slice(-limit)
    expect(idx.size).toBe(limit)
    expect(idx.evicted).toBe(order.length - limit)
    for (const d of order.slice(0, -limit)) expect(idx.get(d)).toBeUndefined()
    for (const d of kept) {
      const r = idx.get(d)!
      const i = r.at
      expect(r).toEqual(rec(i))
    }
  })

  it('updates a message set again in place', () => {
    const idx = new MessageIndex(2)
    idx.set('a', rec(1))
    idx.set('a', rec(2))
    idx.set('b', rec(3))
    expect(idx.size).toBe(2)
    expect(idx.get('a')?.at).toBe(2)
    idx.set('c', rec(4))
    expect(idx.get('a')).toBeUndefined()
    expect(idx.get('b')?.at).toBe(3)
  })

  // Keys of every kind the index must tell apart: the log's digests (64 lowercase hex digits,
  // kept as bytes), the same digits in capitals (a different string, kept as a string), digests
  // that share all but their last byte, and any other string.
  const hex = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(b => Buffer.from(b).toString('hex'))
  const key = fc.oneof(
    hex,
    hex.map(h => h.toUpperCase()),
    fc.integer({ min: 0, max: 15 }).map(n => 'ab'.repeat(31) + 'c' + n.toString(16)),
    fc.string({ maxLength: 70 })
  )
  const op = fc.oneof(
    fc.record({ set: fc.constant(true), key, at: fc.integer() }),
    fc.record({ set: fc.constant(false), key, at: fc.constant(0) })
  )

  it('answers as a Map of the `limit` most recently inserted digests would (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(op, { maxLength: 400 }), (limit, ops) => {
        const idx = new MessageIndex(limit)
        const model = new Map<string, number>()
        // Slot i of the ring holds the i-th new key mod limit, as the index reuses its slots.
        const ring: string[] = []
        let next = 0
        let evicted = 0
        const keys: string[] = []
        for (const o of ops) {
          keys.push(o.key)
          if (o.set) {
            if (!model.has(o.key)) {
              const slot = next++ % limit
              if (ring[slot] !== undefined) {
                model.delete(ring[slot])
                evicted++
              }
              ring[slot] = o.key
            }
            model.set(o.key, o.at)
            idx.set(o.key, { ...rec(0), at: o.at })
          } else {
            expect(idx.get(o.key)?.at).toBe(model.get(o.key))
          }
        }
        expect(idx.size).toBe(model.size)
        expect(idx.evicted).toBe(evicted)
        for (const k of keys) expect(idx.get(k)?.at).toBe(model.get(k))
      }),
      { numRuns: 300 }
    )
  })
})
