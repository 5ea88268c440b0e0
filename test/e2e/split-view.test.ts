import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { TEST_AGREEMENT, cli, createTrusting, freePort, tempDir, until, type TestNode } from '../helpers/node-process.ts'
import { NodeProcess } from '../../scripts/node-driver.ts'
import { ApiClient } from '../../node/api/client.ts'
import { outputChecker } from '../helpers/cli-run.ts'

const run = promisify(execFile)
/** Test gossip and witnessing every second: the alert is due within a few seconds. */
const AUDIT = { witnessIntervalMs: 1000, gossipIntervalMs: 1000 }

async function setAudit (dir: string, listen?: string): Promise<void> {
  const file = join(dir, 'config.json')
  const config = JSON.parse(await readFile(file, 'utf8'))
  config.audit = AUDIT
  if (listen != null) config.listen = [listen]
  await writeFile(file, JSON.stringify(config, null, 2))
}

async function apiOf (node: NodeProcess): Promise<ApiClient> {
  return new ApiClient(node.runtime!.apiUrl, (await readFile(join(node.dir, 'api-token'), 'utf8')).trim())
}

describe('split views: witnesses compare notes and catch a node that shows two peers two histories', () => {
  let root: string
  let a: TestNode, b: TestNode, c: TestNode
  let copy: NodeProcess

  beforeAll(async () => {
    root = await tempDir()
    ;[a, b, c] = await createTrusting(root, [{ name: 'a' }, { name: 'b' }, { name: 'c' }])
    // A's data directory is copied: the copy (same key) runs on another port and shows C its
    // own history; the original shows B another.
    copy = new NodeProcess('a-copy', join(root, 'a-copy'))
    await cp(a.dir, copy.dir, { recursive: true })
    const copyPort = await freePort()
    const copyAddress = `/ip4/127.0.0.1/tcp/${copyPort}/p2p/${a.peerId}`
    for (const n of [a.dir, b.dir, c.dir]) await setAudit(n)
    await setAudit(copy.dir, `/ip4/127.0.0.1/tcp/${copyPort}`)
    expect((await cli(['peers', 'remove', c.peerId, '--data-dir', a.dir])).code).toBe(0)
    expect((await cli(['peers', 'remove', b.peerId, '--data-dir', copy.dir])).code).toBe(0)
    const upd = await cli(['peers', 'update', a.peerId, '--address', copyAddress, '--data-dir', c.dir])
    expect(upd.code, upd.stderr).toBe(0)
    await Promise.all([a.start(), b.start(), c.start(), copy.start()])
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop(), copy?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it('both B and C raise SPLIT_VIEW within the documented bound (log, metric, audit, `audit witnesses`)', async () => {
    const [ca, cc, cb, cC] = await Promise.all([a.client(), apiOf(copy), b.client(), c.client()])
    const msg = { kind: 'report' as const, tlp: 'GREEN' as const, topic: 'fraud', legalBasis: TEST_AGREEMENT, body: {} }
    await ca.send({ ...msg, to: [b.peerId] }, { wait: true })
    await cc.send({ ...msg, to: [c.peerId] }, { wait: true })
    await cc.send({ ...msg, to: [c.peerId] }, { wait: true })
    const t0 = Date.now()
    const split = async (x: ApiClient): Promise<boolean> => (await x.witnesses()).alerts.some(al => al.reason === 'SPLIT_VIEW' && al.peerId === a.peerId)
    await until(async () => await split(cb) && await split(cC), 60_000, 'B and C raise SPLIT_VIEW')
    // Bound: witnessing (1 s) + gossip (1 s) + network timeouts (2 × 10 s), with slack for a loaded machine.
    expect(Date.now() - t0).toBeLessThan(40_000)
    for (const [node, api, other] of [[b, cb, c], [c, cC, b]] as const) {
      const alert = (await api.witnesses()).alerts.find(al => al.reason === 'SPLIT_VIEW')!
      expect(alert.reportedBy).toBe(other.peerId)
      expect(node.output).toMatch(/SPLIT VIEW/)
      const token = (await readFile(join(node.dir, 'api-token'), 'utf8')).trim()
      const metrics = await (await fetch(`${node.runtime!.apiUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text()
      expect(metrics).toMatch(/liaison_witness_alerts_total\{peer="[^"]+",reason="SPLIT_VIEW"\} [1-9]/)
      const shown = await cli(['audit', 'witnesses', '--data-dir', node.dir])
      expect(shown.code).toBe(1)
      expect(shown.stdout).toContain(`ALERT SPLIT_VIEW  ${a.peerId}`)
    }
  })

  it('exports the two signed checkpoints; OpenSSL verifies both origin signatures; the audit log records the alert', async () => {
    const out = join(root, 'evidence')
    const res = await cli(['audit', 'split-view', '--data-dir', b.dir, '--out', out])
    expect(res.code, res.stderr).toBe(0)
    const summary = JSON.parse(await readFile(join(out, 'split-view.json'), 'utf8'))
    expect(summary).toMatchObject({ v: 1, reason: 'SPLIT_VIEW', peerId: a.peerId, detectedBy: b.peerId, reportedBy: c.peerId })
    expect(summary.checkpoints[0].root).not.toBe(summary.checkpoints[1].root)
    // --json: the documented shapes (docs/cli-output.schema.json), with an alert to show.
    const checker = await outputChecker()
    const asJson = await cli(['audit', 'split-view', '--data-dir', c.dir, '--out', join(root, 'evidence-c'), '--json'])
    expect(asJson.code, asJson.stderr).toBe(0)
    checker.check('audit split-view', asJson.stdout)
    const alerts = await cli(['audit', 'witnesses', '--data-dir', c.dir, '--json'])
    expect(alerts.code).toBe(1)
    checker.check('audit witnesses', alerts.stdout)
    const guide = await readFile(join(out, 'VERIFY.md'), 'utf8')
    const script = /<!-- verify-split-view -->\n```sh\n([\s\S]*?)```/.exec(guide)![1]
    const { stdout } = await run('bash', ['-c', script], { cwd: out })
    expect(stdout.match(/Signature Verified Successfully/g)).toHaveLength(2)
    // A tampered checkpoint fails.
    const note = await readFile(join(out, 'checkpoint-2.txt'), 'utf8')
    await writeFile(join(out, 'checkpoint-2.txt'), note.replace(/^(.*\n)(\d+)\n/, (_, o: string, n: string) => `${o}${Number(n) + 1}\n`))
    await expect(run('bash', ['-c', script], { cwd: out })).rejects.toThrow()
    // The detecting node's audit log holds the alert and still verifies.
    await b.stop()
    const v = await cli(['audit', 'verify', '--data-dir', b.dir, '--json'])
    expect(v.code, v.stdout).toBe(0)
    await b.start()
  })
})

describe('split views: honest witnesses comparing notes raise nothing', () => {
  let root: string
  let nodes: TestNode[]

  beforeAll(async () => {
    root = await tempDir()
    nodes = await createTrusting(root, [{ name: 'a' }, { name: 'b' }, { name: 'c' }])
    for (const n of nodes) await setAudit(n.dir)
    await Promise.all(nodes.map(async n => await n.start()))
  })

  afterAll(async () => {
    await Promise.all((nodes ?? []).map(async n => await n.stop()))
    await rm(root, { recursive: true, force: true })
  })

  it('checkpoints of one honest log compared by two witnesses raise nothing; different sizes are proven consistent by the origin', async () => {
    const [a, b, c] = nodes
    const ca = await a.client()
    const msg = { kind: 'report' as const, tlp: 'GREEN' as const, topic: 'fraud', legalBasis: TEST_AGREEMENT, body: {} }
    // A's log grows between the moments B and C cosign it, so they hold different sizes.
    for (let i = 0; i < 4; i++) {
      await ca.send({ ...msg, to: [b.peerId, c.peerId] }, { wait: true })
      await new Promise(resolve => setTimeout(resolve, 700))
    }
    const [cb, cc] = await Promise.all([b.client(), c.client()])
    await until(
      async () => (await cb.witnesses()).seen.some(s => s.peerId === a.peerId) && (await cc.witnesses()).seen.some(s => s.peerId === a.peerId),
      30_000,
      'B and C witness A'
    )
    // Gossip compares what B and C hold of A (same tree head, or proven consistent by A).
    await until(() => [b, c].every(n => /gossiped checkpoint consistent with ours/.test(n.output)), 30_000, 'B and C compare notes on A')
    await new Promise(resolve => setTimeout(resolve, 2000))
    // A stops presenting to C (suspended) and its log grows: B now holds a larger checkpoint
    // of A than C does, and comparing them needs A's consistency proof.
    await ca.setPeerStatus(c.peerId, 'suspended')
    await ca.send({ ...msg, to: [b.peerId] }, { wait: true })
    const sizeAt = async (x: ApiClient): Promise<number> => (await x.witnesses()).seen.find(s => s.peerId === a.peerId)?.size ?? 0
    await until(async () => await sizeAt(cb) > await sizeAt(cc), 30_000, 'B holds a larger checkpoint of A than C')
    await until(() => /the origin proved it/.test(b.output), 30_000, 'B has A prove consistency')
    for (const x of [cb, cc, ca]) expect((await x.witnesses()).alerts).toEqual([])
    for (const n of nodes) expect(n.output).not.toMatch(/SPLIT VIEW/)
  })
})
