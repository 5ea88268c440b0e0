import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPrivateKey } from 'node:crypto'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { TEST_AGREEMENT, TestNode, cli, tempDir, until } from '../helpers/node-process.ts'

const BODY_TEXT = 'XYZZY-body-text-that-must-never-reach-a-log-7f3a'

interface LogLine {
  level: number
  time: number
  msg: string
  component?: string
  [key: string]: unknown
}

/** Every way the node's secret could appear in text: PEM lines, the raw seed in base64/base64url/hex. */
async function secretsOf (node: TestNode): Promise<string[]> {
  const pem = await readFile(join(node.dir, 'identity.key'), 'utf8')
  const d = createPrivateKey(pem).export({ format: 'jwk' }).d as string
  const seed = Buffer.from(d, 'base64url')
  return [
    ...pem.split('\n').filter(l => l !== '' && !l.startsWith('-----')),
    d,
    seed.toString('base64'),
    seed.toString('hex'),
    (await readFile(join(node.dir, 'api-token'), 'utf8')).trim()
  ]
}

describe('logs at debug level while messages and trust cards are exchanged', () => {
  let root: string
  let a: TestNode, b: TestNode
  let lines: LogLine[]
  let output: string

  beforeAll(async () => {
    root = await tempDir('liaison-op-logs-')
    ;[a, b] = await Promise.all(['a', 'b'].map(async name => await TestNode.create({ name, root })))
    // Introductions by trust card, both ways.
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const card = join(root, `${from.name}.card.json`)
      const exported = await cli(['card', 'export', '--data-dir', from.dir, '--out', card])
      expect(exported.code).toBe(0)
      const fingerprint = /fingerprint (\S+)/.exec(exported.stdout)![1]
      const res = await cli([
        'peers',
        'add',
        '--data-dir',
        to.dir,
        '--card',
        card,
        '--fingerprint',
        fingerprint,
        '--agreement',
        `${TEST_AGREEMENT}:2020-01-01:2099-12-31`,
        '--max-tlp-out',
        'RED'
      ])
      expect(res.stderr).toBe('')
    }
    await Promise.all([a.start(), b.start()])
    const ca = await a.client()
    const input = {
      to: [b.peerId],
      kind: 'report' as const,
      topic: 'fraud',
      legalBasis: TEST_AGREEMENT,
      body: { text: BODY_TEXT, nested: { again: BODY_TEXT } }
    }
    for (let i = 0; i < 3; i++) expect((await ca.send({ ...input, tlp: 'AMBER' }, { wait: true })).recipients[0].status).toBe('delivered')
    // B refuses TLP:RED from A (its ceiling for A is AMBER): a rejection with a reason code.
    expect((await ca.send({ ...input, tlp: 'RED' }, { wait: true })).recipients[0]).toMatchObject({ status: 'rejected', reason: 'TLP_NOT_PERMITTED' })
    // Through the CLI too (body from a file, via the API).
    const bodyFile = join(root, 'body.json')
    await writeFile(bodyFile, JSON.stringify({ text: BODY_TEXT }))
    expect(
      (await cli([
        'send',
        '--data-dir',
        a.dir,
        '--to',
        b.peerId,
        '--tlp',
        'GREEN',
        '--topic',
        'fraud',
        '--legal-basis',
        TEST_AGREEMENT,
        '--body',
        bodyFile,
        '--wait'
      ])).code
    ).toBe(0)
    // A wrong token at the API, and a policy reload by SIGHUP.
    expect((await fetch(a.runtime!.apiUrl + '/v1/peers', { headers: { authorization: 'Bearer not-the-token' } })).status).toBe(401)
    a.child?.kill('SIGHUP')
    await until(() => a.output.includes('policy reloaded'), 10_000, 'the policy reload log')
    expect(await a.stop()).toBe(0)
    expect(await b.stop()).toBe(0)
    output = a.output + b.output
    lines = output.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l) as LogLine)
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it('writes only pino JSON lines (level, time, msg) on stdout', () => {
    expect(lines.length).toBeGreaterThan(10)
    for (const l of lines) expect(l).toMatchObject({ level: expect.any(Number), time: expect.any(Number), msg: expect.any(String) })
    expect(lines.some(l => l.level === 20)).toBe(true) // debug lines are there
  })

  it('never logs a private key, the seed, the API token or a message body', async () => {
    for (const secret of [...await secretsOf(a), ...await secretsOf(b)]) expect(output).not.toContain(secret)
    expect(output).not.toContain(BODY_TEXT)
    expect(output).not.toContain('PRIVATE KEY')
  })

  it('logs refusals with peer IDs, digests and reason codes', () => {
    const rejected = lines.find(l => l.msg === 'envelope rejected')
    expect(rejected).toMatchObject({ component: 'exchange', peer: a.peerId, reason: 'TLP_NOT_PERMITTED', digest: expect.stringMatching(/^[0-9a-f]{64}$/) })
    expect(lines.find(l => l.msg === 'API request refused')).toMatchObject({ component: 'api', code: 'UNAUTHORIZED', path: '/v1/peers' })
  })

  it('tags lines with a child logger per component', () => {
    const components = new Set(lines.map(l => l.component).filter(c => c != null))
    for (const c of components) expect(['transport', 'exchange', 'outbox', 'policy', 'audit', 'api', 'courier', 'keys']).toContain(c)
    expect([...components]).toEqual(expect.arrayContaining(['exchange', 'api', 'policy']))
  })
})
