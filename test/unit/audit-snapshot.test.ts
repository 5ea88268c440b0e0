/**
 * The auditor tools' private store snapshots (node/audit/snapshot.ts) never outlive the tool:
 * removed when done, when a signal stops the process, and — after a kill -9 — by the next
 * snapshot once the killed process is gone. Real LevelDB, real child processes, real signals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Level } from 'level'
import { removeStaleSnapshots, snapshotStore } from '../../node/audit/snapshot.ts'

const SNAPSHOT_MODULE = fileURLToPath(new URL('../../node/audit/snapshot.ts', import.meta.url))

const exists = async (path: string): Promise<boolean> => await stat(path).then(() => true, () => false)

describe('audit store snapshots', () => {
  let root: string
  let store: string

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'liaison-snapshot-test-'))
    store = join(root, 'store')
    const db = new Level(store)
    await db.put('k', 'v')
    await db.close()
  })

  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  /** A child process that snapshots the store and waits; resolves with the snapshot's directory. */
  async function holder (): Promise<{ child: ChildProcess, dir: string }> {
    const script = `const { snapshotStore } = await import(${JSON.stringify(SNAPSHOT_MODULE)})
const s = await snapshotStore(${JSON.stringify(store)})
process.stdout.write(s.dir + '\\n')
setInterval(() => {}, 1000)`
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout?.setEncoding('utf8')
    for await (const chunk of child.stdout as AsyncIterable<string>) {
      out += chunk
      if (out.includes('\n')) break
    }
    return { child, dir: out.trim() }
  }

  it('is named after its process and removed by dispose, leaving no signal handler behind', async () => {
    const before = process.listenerCount('SIGINT')
    const snap = await snapshotStore(store)
    expect(snap.dir).toContain(`liaison-audit-snapshot-${process.pid}-`)
    expect(await exists(join(snap.dir, 'CURRENT'))).toBe(true)
    expect(process.listenerCount('SIGINT')).toBe(before + 1)
    await snap.dispose()
    expect(await exists(snap.dir)).toBe(false)
    expect(process.listenerCount('SIGINT')).toBe(before)
  })

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`is removed when ${signal} stops the tool, and the signal still stops it`, async () => {
      const { child, dir } = await holder()
      expect(await exists(join(dir, 'CURRENT'))).toBe(true)
      child.kill(signal)
      const [code, by] = await once(child, 'exit') as [number | null, NodeJS.Signals | null]
      expect({ code, by }).toEqual({ code: null, by: signal })
      expect(await exists(dir)).toBe(false)
    })
  }

  it('left behind by kill -9, is removed by the next snapshot once its process is gone', async () => {
    const { child, dir } = await holder()
    child.kill('SIGKILL')
    await once(child, 'exit')
    expect(await exists(dir)).toBe(true)
    // Another live process's snapshot is left alone.
    const other = await holder()
    const snap = await snapshotStore(store)
    expect(await exists(dir)).toBe(false)
    expect(await exists(other.dir)).toBe(true)
    await snap.dispose()
    other.child.kill('SIGTERM')
    await once(other.child, 'exit')
    expect(await exists(other.dir)).toBe(false)
    expect(await removeStaleSnapshots()).not.toContain(dir.split('/').pop())
  })
})
