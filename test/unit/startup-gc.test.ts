import { describe, expect, it } from 'vitest'
import { getHeapStatistics } from 'node:v8'
import { releaseStartupGarbage } from '../../node/runtime/liaison-node.ts'

describe('the garbage collection after start-up', () => {
  it('frees garbage and gives committed heap back, without leaving a global gc function behind', () => {
    let garbage: unknown[] | undefined = Array.from({ length: 200_000 }, (_, i) => ({ i, s: `item ${i}` }))
    expect(garbage.length).toBe(200_000)
    garbage = undefined
    const before = getHeapStatistics()
    releaseStartupGarbage()
    const after = getHeapStatistics()
    expect(after.used_heap_size).toBeLessThan(before.used_heap_size - 5 * 1024 * 1024)
    expect(after.total_heap_size).toBeLessThan(before.total_heap_size)
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined()
  })
})
