import { describe, expect, it } from 'vitest'
import { StartedParts, type Startable } from '../../node/runtime/startable.ts'

function part (name: string, log: string[], opts: { failStart?: boolean, failStop?: boolean } = {}): Startable {
  return {
    start: async () => {
      if (opts.failStart === true) throw new Error(`${name} cannot start`)
      log.push(`start ${name}`)
    },
    stop: async () => {
      log.push(`stop ${name}`)
      if (opts.failStop === true) throw new Error(`${name} cannot stop`)
    }
  }
}

describe('StartedParts', () => {
  it('starts parts in order and stops them in reverse', async () => {
    const log: string[] = []
    const parts = new StartedParts()
    await parts.start('a', part('a', log))
    parts.started('b', { stop: () => void log.push('stop b') })
    await parts.start('c', part('c', log))
    expect(parts.names).toEqual(['a', 'b', 'c'])
    await parts.stop()
    expect(log).toEqual(['start a', 'start c', 'stop c', 'stop b', 'stop a'])
    await parts.stop()
    expect(log).toHaveLength(5)
  })

  it('does not stop a part whose start failed', async () => {
    const log: string[] = []
    const parts = new StartedParts()
    await parts.start('a', part('a', log))
    await expect(parts.start('b', part('b', log, { failStart: true }))).rejects.toThrow('b cannot start')
    await parts.stopAll()
    expect(log).toEqual(['start a', 'stop a'])
  })

  it('stop throws the first failure; stopAll goes on past it', async () => {
    const log: string[] = []
    const parts = new StartedParts()
    await parts.start('a', part('a', log))
    await parts.start('b', part('b', log, { failStop: true }))
    await expect(parts.stop()).rejects.toThrow('b cannot stop')
    expect(log).toEqual(['start a', 'start b', 'stop b'])
    const rollback = new StartedParts()
    const log2: string[] = []
    await rollback.start('a', part('a', log2))
    await rollback.start('b', part('b', log2, { failStop: true }))
    await rollback.stopAll()
    expect(log2).toEqual(['start a', 'start b', 'stop b', 'stop a'])
  })
})
