import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { TEST_AGREEMENT, TestNode, cli, tempDir, until } from '../helpers/node-process.ts'

describe('node lifecycle and the CLI with and without a running node', () => {
  let root: string
  let a: TestNode, b: TestNode

  beforeAll(async () => {
    root = await tempDir()
    ;[a, b] = await Promise.all(['a', 'b'].map(async name => await TestNode.create({ name, root })))
    await a.trust(b)
    await b.trust(a)
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it('queues with the node stopped, and delivers once it starts', async () => {
    const sent = await cli([
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
      '-',
      '--json'
    ], { input: '{"offline":true}' })
    expect(sent.code).toBe(0)
    const { id } = JSON.parse(sent.stdout)
    const outbox = await cli(['outbox', '--data-dir', a.dir, '--json'])
    expect(JSON.parse(outbox.stdout)).toMatchObject([{ messageId: id, status: 'pending' }])
    await Promise.all([a.start(), b.start()])
    const ca = await a.client()
    await until(async () => (await ca.outbox()).every(r => r.status === 'delivered'), 20_000, 'delivery after start')
    const inbox = await cli(['inbox', '--data-dir', b.dir, '--json'])
    expect(JSON.parse(inbox.stdout).map((m: { id: string }) => m.id)).toEqual([id])
  })

  it('refuses a second start on the same data directory with a clear message', async () => {
    const second = await cli(['start', '--data-dir', a.dir])
    expect(second.code).toBe(3) // unavailable (docs/cli.md#exit-codes)
    expect(second.stderr).toMatch(/DATA_DIR_IN_USE/)
    expect(second.stderr).not.toMatch(/LEVEL_|at .*\.js/)
  })

  it('filters the inbox by time and sender, and shows an envelope byte for byte', async () => {
    const ca = await a.client()
    const before = new Date().toISOString()
    const res = await ca.send({ to: [b.peerId], kind: 'alert', tlp: 'AMBER', topic: 'fraud', legalBasis: TEST_AGREEMENT, body: { n: 2 } }, { wait: true })
    const since = await cli(['inbox', '--data-dir', b.dir, '--since', before, '--json'])
    expect(JSON.parse(since.stdout).map((m: { id: string }) => m.id)).toEqual([res.id])
    const none = await cli(['inbox', '--data-dir', b.dir, '--from', b.peerId, '--json'])
    expect(JSON.parse(none.stdout)).toEqual([])
    const atB = await cli(['message', 'show', res.id, '--envelope', '--data-dir', b.dir])
    const atA = await cli(['message', 'show', res.digest, '--envelope', '--data-dir', a.dir])
    expect(atB.code).toBe(0)
    expect(atB.stdout).toBe(atA.stdout)
    expect(JSON.parse(atB.stdout).payloadType).toBe('application/vnd.liaison.message.v1+json')
    const show = await cli(['message', 'show', res.id, '--json', '--data-dir', b.dir])
    expect(JSON.parse(show.stdout)).toMatchObject({
      meta: { id: res.id, digest: res.digest, from: a.peerId, tlp: 'AMBER' },
      body: { n: 2 },
      signature: { valid: true, signer: a.peerId }
    })
    // Text by default: the body decoded and the signature's status.
    const text = await cli(['message', 'show', res.id, '--data-dir', b.dir])
    expect(text.stdout).toMatch(/^signature +valid, by /m)
    expect(text.stdout).toContain('"n": 2')
  })

  it('writes node.json with addresses and API URL, keeps secrets 0600, and stops cleanly on SIGINT and SIGTERM', async () => {
    const runtime = JSON.parse(await readFile(join(a.dir, 'node.json'), 'utf8'))
    expect(runtime.addresses[0]).toBe(a.address)
    expect(runtime.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    for (const f of ['identity.key', 'api-token', 'node.json']) expect((await stat(join(a.dir, f))).mode & 0o777).toBe(0o600)
    expect((await stat(a.dir)).mode & 0o777).toBe(0o700)
    expect(await a.stop('SIGINT')).toBe(0)
    expect(await b.stop('SIGTERM')).toBe(0)
    await expect(stat(join(a.dir, 'node.json'))).rejects.toThrow()
  })

  it('answers a wrong API token with 401 UNAUTHORIZED and does nothing', async () => {
    await a.start()
    const res = await fetch(`${a.runtime!.apiUrl}/v1/peers`, {
      method: 'POST',
      headers: { authorization: 'Bearer nope', 'content-type': 'application/json' },
      body: '{}'
    })
    expect(res.status).toBe(401)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED')
    const none = await fetch(`${a.runtime!.apiUrl}/health`)
    expect(none.status).toBe(401)
  })
})
