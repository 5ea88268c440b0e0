import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { mkdir, open, rm, statfs } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { TEST_AGREEMENT, TestNode, cli, tempDir, until } from '../helpers/node-process.ts'
import type { SendInput } from '../../node/service/liaison-service.ts'

const run = promisify(execFile)
const message = (to: string, n: number): SendInput => ({
  to: [to],
  kind: 'report',
  tlp: 'GREEN',
  topic: 'disk-full',
  legalBasis: TEST_AGREEMENT,
  body: { n, pad: 'x'.repeat(2000) }
})

/** A small tmpfs of our own (needs root and a sandbox that allows mounts). */
async function mountTmpfs (dir: string, size: string): Promise<boolean> {
  await mkdir(dir, { recursive: true })
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir])
    return true
  } catch {
    return false
  }
}

/** Fill the file system holding `dir` until writes fail with ENOSPC. */
async function fill (file: string): Promise<void> {
  const fh = await open(file, 'w')
  const chunk = Buffer.alloc(64 * 1024, 1)
  try {
    for (;;) await fh.write(chunk)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
  }
  // Byte-sized writes take what is left of the last page.
  try {
    for (;;) await fh.write(Buffer.alloc(1))
  } catch {}
  await fh.close()
}

const root = await tempDir()
const mounted = await mountTmpfs(join(root, 'disk'), '48m')

describe.skipIf(!mounted)("fault: the receiver's disk fills up (real tmpfs)", () => {
  let a: TestNode, b: TestNode
  const ballast = join(root, 'disk', 'ballast')

  beforeAll(async () => {
    a = await TestNode.create({ name: 'sender', root })
    b = await TestNode.create({ name: 'receiver', root: join(root, 'disk') })
    await a.trust(b)
    await b.trust(a)
    await Promise.all([a.start(), b.start()])
  })

  afterAll(async () => {
    if (process.env.LIAISON_FAULT_DEBUG != null) console.log(`--- receiver\n${b?.output.slice(-4000)}\n--- sender\n${a?.output.slice(-3000)}`)
    await Promise.all([a?.stop(), b?.stop()])
    await run('umount', [join(root, 'disk')]).catch(() => {})
    await rm(root, { recursive: true, force: true })
  })

  it('refuses with STORAGE_FULL while full, acknowledges nothing it did not store, and delivers everything exactly once when space returns', async () => {
    const ca = await a.client()
    const cb = await b.client()
    const before = await ca.send(message(b.peerId, -1), { wait: true, timeoutMs: 20_000 })
    expect(before.recipients[0].status).toBe('delivered')

    await fill(ballast)
    const fs = await statfs(join(root, 'disk'))
    expect(fs.bavail).toBe(0)
    const ids: string[] = []
    for (let n = 0; n < 40; n++) ids.push((await ca.send(message(b.peerId, n))).id)
    // Wait for attempts to have been made and refused.
    await new Promise(resolve => setTimeout(resolve, 3000))
    const out = (await ca.outbox()).filter(r => ids.includes(r.messageId))
    expect(out.filter(r => r.status === 'delivered')).toEqual([])
    expect(out.every(r => r.status === 'pending')).toBe(true)
    // The refusal is transient (no reason on the record, still pending); the receiver says why.
    expect(b.output).toMatch(/"reason":"STORAGE_FULL"/)
    // Exchange v2: with the disk full the receiver cannot even log a refusal, so it cannot sign a
    // receipt (a receipt is a proof in its log): it resets the stream (PROTOCOL.md §13 step 12)
    // and the sender retries after a backoff. Where a refusal can still be logged, it is a
    // STORAGE_FULL result, transient too.
    expect(a.output).toMatch(/STORAGE_FULL|The stream has been reset/)
    // Nothing acknowledged that was not stored: the inbox holds none of them.
    expect((await cb.inbox()).filter(m => ids.includes(m.id))).toEqual([])

    await rm(ballast)
    await until(
      async () => (await ca.outbox()).filter(r => ids.includes(r.messageId) && r.status === 'delivered').length === ids.length,
      60_000,
      'delivery after space returned'
    )
    const inbox = (await cb.inbox()).map(m => m.id).filter(id => ids.includes(id))
    expect(inbox.sort()).toEqual([...ids].sort())

    // What LevelDB wrote around the failed writes (a partial log record?) must not cost an
    // acknowledged message on the next recovery: kill -9, audit verify, restart, count again.
    await b.crash()
    const verify = await cli(['audit', 'verify', '--data-dir', b.dir])
    await b.start()
    const again = (await (await b.client()).inbox()).map(m => m.id)
    expect(again.filter(id => ids.includes(id)).sort()).toEqual([...ids].sort())
    expect(again).toContain(before.id)
    expect(new Set(again).size).toBe(again.length)
    expect(verify.stdout + verify.stderr).not.toMatch(/failures?:/)
    expect(verify.code).toBe(0)
  })
})
