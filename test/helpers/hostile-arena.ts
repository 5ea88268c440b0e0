/**
 * The scene of the adversarial end-to-end tests: a real node `target` under attack, a real
 * well-behaved peer `good` that trusts it and is trusted back (it keeps delivering during the
 * attack), and a HostileClient on the target's trust list as `hostile`. All in one temp dir;
 * `close` stops everything and removes the dir, last made first.
 *
 * @example
 * ```ts
 * const arena = await openHostileArena({ targetExchange: { frameTimeoutMs: 1500 } })
 * const s = await arena.hostile.openStream(arena.target.address)
 * await arena.close()
 * ```
 *
 * @module
 */
import { rm } from 'node:fs/promises'
import { HostileClient, trustPeer, type Identity } from './hostile-client.ts'
import { createTrusting, startAll, tempDir, type TestNode } from './node-process.ts'

export interface HostileArena {
  readonly root: string
  readonly target: TestNode
  readonly good: TestNode
  readonly hostile: HostileClient
  /** Stops the hostile client, then both nodes, then removes `root`. */
  close: () => Promise<void>
}

export interface HostileArenaInit {
  /** Extra exchange settings for the target's config.json (e.g. a short frame timeout). */
  targetExchange?: Record<string, unknown>
  /** More keys for the target's trust list, by name, added after the hostile client's. */
  alsoTrusted?: Record<string, Identity>
}

/** Sets the scene and starts both nodes; if any step fails, undoes what was done and throws. */
export async function openHostileArena (init: HostileArenaInit = {}): Promise<HostileArena> {
  const undo: Array<() => Promise<unknown>> = []
  const close = async (): Promise<void> => {
    for (let step = undo.pop(); step !== undefined; step = undo.pop()) await step()
  }
  try {
    const root = await tempDir()
    undo.push(async () => {
      await rm(root, { recursive: true, force: true })
    })
    const [target, good] = await createTrusting(root, [{ name: 'target', exchange: init.targetExchange }, { name: 'good' }])
    undo.push(async () => await Promise.all([target.stop(), good.stop()]))
    const hostile = await HostileClient.create()
    undo.push(async () => {
      await hostile.stop()
    })
    await trustPeer(target.dir, hostile.peerId, 'hostile')
    for (const [name, id] of Object.entries(init.alsoTrusted ?? {})) await trustPeer(target.dir, id.peerId, name)
    await startAll([target, good])
    return { root, target, good, hostile, close }
  } catch (err) {
    await close()
    throw err
  }
}
