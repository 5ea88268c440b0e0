/**
 * VerifyPool: the same verdicts as opensslVerify on every Wycheproof and speccheck case, whether
 * a signature is verified inline or in a worker, and no wrong or lost answer when a worker dies.
 */
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { opensslVerify } from '../../protocol/ed25519.ts'
import { generateSigner, verifyKeyFromPublicKey } from '../../protocol/keys.ts'
import type { VerifyKey } from '../../protocol/types.ts'
import { VerifyPool } from '../../node/exchange/index.ts'

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))
const readJson = (path: string): unknown => JSON.parse(readFileSync(new URL(`../vectors/${path}`, import.meta.url), 'utf8'))

interface Case {
  key: VerifyKey
  msg: Uint8Array
  sig: Uint8Array
  name: string
}
const wycheproof = readJson('wycheproof/ed25519_test.json') as {
  testGroups: Array<{ publicKey: { pk: string }, tests: Array<{ tcId: number, msg: string, sig: string }> }>
}
const speccheck = readJson('speccheck/cases.json') as Array<{ message: string, pub_key: string, signature: string }>
const cases: Case[] = [
  ...wycheproof.testGroups.flatMap(g =>
    g.tests.map(t => ({ key: verifyKeyFromPublicKey(hex(g.publicKey.pk)), msg: hex(t.msg), sig: hex(t.sig), name: `wycheproof ${t.tcId}` }))
  ),
  ...speccheck.map((c, i) => ({ key: verifyKeyFromPublicKey(hex(c.pub_key)), msg: hex(c.message), sig: hex(c.signature), name: `speccheck ${i}` }))
]
const expected = cases.map(c => opensslVerify(c.key, c.msg, c.sig))

let pool: VerifyPool | undefined
afterEach(async () => {
  await pool?.close()
  pool = undefined
})

describe('VerifyPool', () => {
  it("gives opensslVerify's verdict on every Wycheproof and speccheck case, verified in a worker", async () => {
    pool = new VerifyPool({ workers: 2, maxBatch: 16 })
    await pool.warm()
    const verdicts = await Promise.all(cases.map(async c => await (pool as VerifyPool).verify(c.key, c.msg, c.sig)))
    expect(verdicts).toEqual(expected)
    expect(expected.filter(Boolean).length).toBeGreaterThan(80)
    expect(pool.stats.offloaded).toBe(cases.length)
    expect(pool.stats.batches).toBe(Math.ceil(cases.length / 16))
  })

  it('verifies a lone signature inline while the workers are idle', async () => {
    pool = new VerifyPool({ workers: 1 })
    await pool.warm()
    const c = cases[0]
    expect(await pool.verify(c.key, c.msg, c.sig)).toBe(expected[0])
    expect(pool.stats).toEqual({ inline: 1, batches: 0, offloaded: 0 })
  })

  it('with no workers verifies everything inline', async () => {
    pool = new VerifyPool({ workers: 0 })
    const verdicts = await Promise.all(cases.map(async c => await (pool as VerifyPool).verify(c.key, c.msg, c.sig)))
    expect(verdicts).toEqual(expected)
    expect(pool.stats.inline).toBe(cases.length)
  })

  it("answers a dead worker's batch inline, and everything after it", async () => {
    pool = new VerifyPool({ workers: 1 })
    await pool.warm()
    const { signer } = generateSigner()
    const key = verifyKeyFromPublicKey(signer.publicKey)
    const msgs = Array.from({ length: 200 }, (_, i) => new TextEncoder().encode(`message ${i}`))
    const sigs = msgs.map((m, i) => i % 7 === 0 ? new Uint8Array(64) : signer.sign(m))
    const pending = msgs.map(async (m, i) => await (pool as VerifyPool).verify(key, m, sigs[i]))
    // Kill the worker while its batch is in flight.
    await (pool as unknown as { slots: Array<{ worker: { terminate: () => Promise<number> } }> }).slots[0].worker.terminate()
    const verdicts = await Promise.all(pending)
    expect(verdicts).toEqual(msgs.map((_, i) => i % 7 !== 0))
    expect(pool.workers).toBe(0)
    expect(await pool.verify(key, msgs[1], sigs[1])).toBe(true)
  })

  it('starts no worker for lone calls, starts them with the first batch (verified inline meanwhile) and stops them when idle', async () => {
    pool = new VerifyPool({ workers: 1, idleMs: 50 })
    const c = cases[0]
    await pool.verify(c.key, c.msg, c.sig)
    expect(pool.workers).toBe(0)
    const first = await Promise.all(cases.slice(0, 10).map(async x => await (pool as VerifyPool).verify(x.key, x.msg, x.sig)))
    expect(first).toEqual(expected.slice(0, 10))
    expect(pool.workers).toBe(1)
    expect(pool.stats.offloaded).toBe(0)
    await pool.warm()
    const second = await Promise.all(cases.slice(0, 10).map(async x => await (pool as VerifyPool).verify(x.key, x.msg, x.sig)))
    expect(second).toEqual(expected.slice(0, 10))
    expect(pool.stats.offloaded).toBe(10)
    await new Promise(resolve => setTimeout(resolve, 150))
    expect(pool.workers).toBe(0)
    // and back when there is work again
    await pool.warm()
    expect(pool.workers).toBe(1)
  })

  it('verifies inline after close', async () => {
    pool = new VerifyPool({ workers: 1 })
    await pool.close()
    const c = cases[0]
    expect(await pool.verify(c.key, c.msg, c.sig)).toBe(expected[0])
    expect(pool.workers).toBe(0)
  })
})
