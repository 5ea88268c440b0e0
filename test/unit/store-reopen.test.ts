/**
 * After a failed LevelDB write (ENOSPC, I/O error) the store must not append to the log that
 * may now end in a torn record: it reopens the database (a fresh log) before the next batch.
 * Here the failure is injected deterministically into a real LevelDB store; the disk-full e2e
 * test (test/e2e/fault-disk-full.test.ts) does the same with a real full tmpfs.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { Store, metaOf } from '../../node/store/index.ts'
import { AuditLog } from '../../node/audit/index.ts'
import { auditEvents } from '../../node/audit/events.ts'
import { generateSigner } from '../../protocol/keys.ts'
import { freshMessage } from '../helpers/messages.ts'

const dirs: string[] = []
afterEach(async () => {
  await Promise.all(
    dirs.splice(0).map(async d => {
      await rm(d, { recursive: true, force: true })
    })
  )
})

const sender = generateSigner().signer
const receiver = generateSigner().signer

function message (n: number): { meta: ReturnType<typeof metaOf>, envelope: Uint8Array } {
  const msg = freshMessage(sender.peerId, [receiver.peerId], { tlp: 'AMBER', body: { text: `message ${n}` } })
  return { meta: metaOf(msg, randomBytes(32).toString('hex'), 'in', Date.now()), envelope: new Uint8Array(randomBytes(300)) }
}

async function store (s: Store, n: number): Promise<string> {
  const { meta, envelope } = message(n)
  await s.commit(s.messageOps(meta, envelope), [auditEvents.messageReceived(meta, envelope)])
  return meta.digest
}

describe('Store after a failed write', () => {
  it('reopens the database before the next batch; what was acknowledged stays, the failed batch is absent, the audit tree rolls back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'liaison-reopen-'))
    dirs.push(dir)
    const s = await Store.open(join(dir, 'store'))
    const audit = await AuditLog.open(s, { signer: receiver })
    const first = await store(s, 1)
    const sizeBefore = audit.size
    const rootBefore = Buffer.from(audit.root()).toString('hex')

    // The next batch fails inside LevelDB, as a write on a full disk would.
    const db = s.db as unknown as { batch: (...args: unknown[]) => Promise<void>, close: () => Promise<void> }
    const batch = db.batch.bind(s.db)
    const close = db.close.bind(s.db)
    let closes = 0
    db.close = async () => {
      closes++
      await close()
    }
    db.batch = async () => {
      throw Object.assign(new Error('simulated ENOSPC'), { code: 'LEVEL_IO_ERROR' })
    }
    const { meta: failedMeta, envelope: failedEnvelope } = message(2)
    await expect(s.commit(s.messageOps(failedMeta, failedEnvelope), [auditEvents.messageReceived(failedMeta, failedEnvelope)])).rejects.toThrow(
      'simulated ENOSPC'
    )
    expect(audit.size).toBe(sizeBefore)
    expect(Buffer.from(audit.root()).toString('hex')).toBe(rootBefore)
    expect(closes).toBe(0)

    // The disk recovers: the next batch first reopens (a fresh log), then writes.
    db.batch = batch
    const third = await store(s, 3)
    expect(closes).toBe(1)
    expect(s.db.status).toBe('open')
    expect(audit.size).toBe(sizeBefore + 1)

    // Every sublevel reads again after the reopen; the failed message is nowhere.
    expect(await s.getMeta(first)).toBeDefined()
    expect(await s.getMeta(third)).toBeDefined()
    expect(await s.getMeta(failedMeta.digest)).toBeUndefined()
    expect(await s.getEnvelope(failedMeta.digest)).toBeUndefined()
    expect(await s.digestOf(failedMeta.from, failedMeta.id)).toBeUndefined()
    expect((await s.listMessages('in')).map(m => m.digest).sort()).toEqual([first, third].sort())
    await audit.stop()
    await s.close()

    // And all of it survives a restart: LevelDB's recovery keeps both acknowledged writes.
    const again = await Store.open(join(dir, 'store'))
    const reopened = await AuditLog.open(again, { signer: receiver })
    expect((await again.listMessages('in')).map(m => m.digest).sort()).toEqual([first, third].sort())
    expect(reopened.size).toBe(sizeBefore + 1)
    await reopened.stop()
    await again.close()
  })
})
