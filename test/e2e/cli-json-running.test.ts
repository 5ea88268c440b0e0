/**
 * The `--json` promise of the CLI (issue 14) for the commands that need a running node or a
 * peer, which the unit walk (test/unit/cli-commands.test.ts) cannot run: query (and follow-up,
 * pending, unpin), feedback, message evidence, forward, release request|grant|deny, keys rotate|approve|finish|
 * revoke, peers revoke --certificate, policy reload, config check --policy, report (and verify),
 * and the taskforce subcommands. Real nodes A and B run as child processes and trust each other
 * and C; C is never started (a peer that is down). Each command runs in-process through main()
 * against them; its output must parse, match its documented JSON Schema, and carry every time
 * as RFC 3339 UTC with milliseconds. `forward --wait` to the stopped C ends pending / TIMEOUT
 * and exits 3 (node/cli/exit-codes.ts: time ran out). `audit split-view --json` needs a node
 * that shows two witnesses two histories: test/e2e/split-view.test.ts checks it there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { TEST_AGREEMENT, TestNode, startAll, tempDir, until } from '../helpers/node-process.ts'
import { RFC3339_MS, outputChecker, runCli, type OutputChecker } from '../helpers/cli-run.ts'
import { EXIT } from '../../node/cli/index.ts'

interface SendOut {
  id: string
  digest: string
  recipients: Array<{ peerId: string, status: string, reason?: string }>
}

describe('--json of the commands that need a running node or a peer', () => {
  let root: string
  let a: TestNode, b: TestNode, c: TestNode
  let out: OutputChecker
  let json: OutputChecker['json']
  let sent: SendOut

  beforeAll(async () => {
    root = await tempDir('liaison-cli-json-')
    ;[a, b, c] = await Promise.all(['a', 'b', 'c'].map(async name => await TestNode.create({ name, root })))
    await a.trust(b)
    await b.trust(a)
    await c.trust(a)
    await c.trust(b)
    // A and B know C from its trust card, which names C's courier (the key `keys revoke` uses).
    const card = await runCli('card', 'export', '--data-dir', c.dir, '--json')
    const { envelope, fingerprint } = JSON.parse(card.stdout) as { envelope: string, fingerprint: string }
    const cardFile = join(root, 'c.card.json')
    await writeFile(cardFile, envelope)
    for (const n of [a, b]) {
      const added = await runCli(
        'peers',
        'add',
        '--data-dir',
        n.dir,
        '--card',
        cardFile,
        '--fingerprint',
        fingerprint,
        '--agreement',
        `${TEST_AGREEMENT}:2020-01-01:2099-12-31`
      )
      expect(added.code, added.stderr).toBe(0)
    }
    // B answers A's hit/no-hit queries for phone numbers.
    const grant = await runCli('peers', 'update', a.peerId, '--data-dir', b.dir, '--query-types', 'phone', '--query-quota', '100/day', '--query-max', '20')
    expect(grant.code, grant.stderr).toBe(0)
    const indexed = await runCli('index', 'add', '--data-dir', b.dir, '--type', 'phone', '--selector', '+4915110000001', '--ref', 'P-1')
    expect(indexed.code, indexed.stderr).toBe(0)
    out = await outputChecker()
    json = out.json
    await startAll([a, b])
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    if (root != null) await rm(root, { recursive: true, force: true })
  })

  it('messages: send --wait, feedback, release request|grant|deny, forward, and forward --wait timing out', async () => {
    const body = join(root, 'body.json')
    await writeFile(body, JSON.stringify({ text: 'hello' }))
    sent = await json<SendOut>(
      'send',
      'send',
      '--data-dir',
      a.dir,
      '--to',
      b.peerId,
      '--tlp',
      'AMBER',
      '--topic',
      'fraud',
      '--legal-basis',
      TEST_AGREEMENT,
      '--body',
      body,
      '--wait',
      '--timeout',
      '20s'
    )
    expect(sent.recipients[0].status).toBe('delivered')
    // Delivered means B's batch receipt is in: its evidence, exported, is in the documented shape.
    const evidence = await json<{ evidence: Array<{ by: string }> }>(
      'message evidence',
      'message',
      'evidence',
      sent.id,
      '--out',
      join(root, 'evidence'),
      '--data-dir',
      a.dir
    )
    expect(evidence.evidence.map(e => e.by)).toEqual([b.peerId])
    await json('feedback', 'feedback', sent.id, '--rating', 'useful', '--note', 'thanks', '--data-dir', b.dir)

    // B asks A (the originator) to release the message to C, twice: A grants one, denies the other.
    const asked = await json<{ requestId: string }>(
      'release request',
      'release',
      'request',
      sent.id,
      '--to',
      c.peerId,
      '--reason',
      'joint case 42',
      '--data-dir',
      b.dir
    )
    const again = await json<{ requestId: string }>(
      'release request',
      'release',
      'request',
      sent.id,
      '--to',
      c.peerId,
      '--reason',
      'joint case 43',
      '--data-dir',
      b.dir
    )
    const incoming = async (): Promise<string[]> =>
      (await json<Array<{ requestId: string, direction: string }>>('release list', 'release', 'list', '--data-dir', a.dir)).filter(r => r.direction === 'in')
        .map(r => r.requestId)
    await until(async () => (await incoming()).length === 2, 20_000, 'both release requests at A')
    await json('release deny', 'release', 'deny', again.requestId, '--reason', 'source protection', '--data-dir', a.dir)
    await json('release grant', 'release', 'grant', asked.requestId, '--valid', '1d', '--data-dir', a.dir)
    await until(
      async () =>
        (await json<Array<{ requestId: string, status: string }>>('release list', 'release', 'list', '--data-dir', b.dir)).some(r =>
          r.requestId === asked.requestId && r.status === 'granted'
        ),
      20_000,
      'the grant at B'
    )
    // A delivered delivery has its first transmission time: RFC 3339 ms in outbox and message show, like every time (issue 14).
    const outbox = await json<Array<{ digest: string, sentAt?: string }>>('outbox', 'outbox', '--data-dir', a.dir)
    expect(outbox.find(d => d.digest === sent.digest)?.sentAt).toMatch(RFC3339_MS)
    // Its receipt is evidence from B's batch receipt: message show reads it (answer, time, checked), in JSON and text.
    const shown = await json<{ deliveries: Array<{ sentAt?: string }>, receipts: Array<{ by: string, status: string, at: string, valid: boolean }> }>(
      'message show',
      'message',
      'show',
      sent.id,
      '--data-dir',
      a.dir
    )
    expect(shown.deliveries[0].sentAt).toMatch(RFC3339_MS)
    expect(shown.receipts).toEqual([{ by: b.peerId, status: 'accepted', at: expect.stringMatching(RFC3339_MS), valid: true, envelope: expect.any(String) }])
    const shownText = await runCli('message', 'show', sent.id, '--data-dir', a.dir)
    expect(shownText.code, shownText.stderr).toBe(0)
    expect(shownText.stdout).toMatch(new RegExp(`${b.peerId}  accepted  at \\S+  signature valid`))

    // C is down: --wait runs out of time; the forward stays queued (pending, TIMEOUT), exit 3.
    const timedOut = await runCli('forward', sent.id, '--to', c.peerId, '--wait', '--timeout', '1s', '--json', '--data-dir', b.dir)
    expect(timedOut.code, timedOut.stderr).toBe(EXIT.UNAVAILABLE)
    const result = out.check<SendOut>('forward', timedOut.stdout)
    expect(result.recipients).toEqual([{ peerId: c.peerId, status: 'pending', reason: 'TIMEOUT' }])
    const text = await runCli('forward', sent.id, '--to', c.peerId, '--wait', '--timeout', '1s', '--data-dir', b.dir)
    expect(text.code).toBe(EXIT.UNAVAILABLE)
    expect(text.stdout).toContain(`${c.peerId}  pending TIMEOUT`)
    expect(text.stderr).toMatch(/^error TIMEOUT: no final receipt from 12D3KooW\w+ within --timeout 1s; the forward stays queued\n$/)
    // Without --wait the forward is queued and the command succeeds.
    const queued = await json<SendOut>('forward', 'forward', sent.id, '--to', c.peerId, '--data-dir', b.dir)
    expect(queued.recipients[0].status).toBe('queued')
  })

  it('queries: query, follow-up, pending, unpin', async () => {
    const asked = await json<{ results: Array<{ result: string, hitRef?: string }> }>(
      'query',
      'query',
      '--data-dir',
      a.dir,
      '--to',
      b.peerId,
      '--type',
      'phone',
      '--selector',
      '+4915110000001',
      '--selector',
      '+4915110000009',
      '--legal-basis',
      TEST_AGREEMENT,
      '--purpose',
      'case 2026/117'
    )
    expect(asked.results.map(r => r.result)).toEqual(['hit', 'no-hit'])
    await json('query follow-up', 'query', 'follow-up', asked.results[0].hitRef!, '--reason', 'warrant 2026/113', '--data-dir', a.dir)
    await until(async () => (await json<unknown[]>('query pending', 'query', 'pending', '--data-dir', b.dir)).length > 0, 20_000, 'the follow-up at B')
    await json('query unpin', 'query', 'unpin', b.peerId, '--data-dir', a.dir)
  })

  it('card inspect (through the running node), policy reload, config check --policy, report', async () => {
    const inspected = await json<{ card: { peerId: string }, known?: { status: string } }>(
      'card inspect',
      'card',
      'inspect',
      join(root, 'c.card.json'),
      '--data-dir',
      a.dir
    )
    expect(inspected).toMatchObject({ card: { peerId: c.peerId }, known: { status: 'active' } })
    const policy = join(a.dir, 'policy.json')
    await writeFile(policy, JSON.stringify({ requiredHandling: {} }))
    await json('policy reload', 'policy', 'reload', '--data-dir', a.dir)
    await json('config check', 'config', 'check', join(a.dir, 'config.json'), '--policy', policy)
    await json('report', 'report', '--by', 'peer', '--by', 'month', '--data-dir', a.dir)
  })

  it('task forces: propose, list, show, sign, amend, decline, verify, leave, dissolve', async () => {
    const proposed = await json<{ id: string }>(
      'taskforce propose',
      'taskforce',
      'propose',
      '--data-dir',
      a.dir,
      '--name',
      'JIT Rhine',
      '--purpose',
      'a cross-border fraud ring',
      '--legal-basis',
      TEST_AGREEMENT,
      '--member',
      b.peerId,
      '--topic',
      'fraud',
      '--max-tlp',
      'GREEN',
      '--until',
      '1d',
      '--quorum',
      '1'
    )
    const id = proposed.id
    const awaiting = async (): Promise<boolean> =>
      (await json<Array<{ id: string, awaitingMySignature?: boolean }>>('taskforce list', 'taskforce', 'list', '--data-dir', b.dir)).some(t =>
        t.id === id && t.awaitingMySignature === true
      )
    await until(awaiting, 20_000, 'the proposal at B')
    await json('taskforce sign', 'taskforce', 'sign', id, '--data-dir', b.dir)
    await json('taskforce amend', 'taskforce', 'amend', id, '--purpose', 'the fraud ring and its launderers', '--data-dir', a.dir)
    await until(awaiting, 20_000, 'the amendment at B')
    await json('taskforce decline', 'taskforce', 'decline', id, '--reason', 'not our case', '--data-dir', b.dir)
    const history = await runCli('taskforce', 'show', id, '--history', '--json', '--data-dir', a.dir)
    out.check('taskforce show', history.stdout)
    const file = join(root, 'jit.json')
    await writeFile(file, history.stdout)
    await json('taskforce verify', 'taskforce', 'verify', file)
    await json('taskforce leave', 'taskforce', 'leave', id, '--data-dir', b.dir)
    await json('taskforce dissolve', 'taskforce', 'dissolve', id, '--data-dir', a.dir)
  })

  it('keys: peers revoke --certificate, keys revoke, rotate, approve; then, A stopped, report verify and keys finish', async () => {
    // C's revocation kit (written with its key): A acts on it from the file, B receives it from a courier.
    const kit = join(c.dir, 'revocation', `${c.peerId}.kit.json`)
    await json('peers revoke', 'peers', 'revoke', '--certificate', kit, '--data-dir', a.dir)
    const courier = await runCli('keys', 'revoke', '--certificate', kit, '--timeout', '10s', '--json')
    expect(courier.code, courier.stdout + courier.stderr).toBe(EXIT.OK)
    out.check('keys revoke', courier.stdout)
    // A rotates; B's operator approves; A (stopped) switches.
    const oldA = a.peerId
    await json('keys rotate', 'keys', 'rotate', '--data-dir', a.dir)
    await until(
      async () =>
        (await json<{ peers?: Array<{ peerId: string, answer?: string }> }>('keys status', 'keys', 'status', '--data-dir', a.dir)).peers?.some(p =>
          p.peerId === b.peerId && p.answer === 'accepted'
        ) === true,
      20_000,
      'B received the rotation'
    )
    await json('keys approve', 'keys', 'approve', oldA, '--data-dir', b.dir)
    await a.stop()
    // A report is verified against a stopped node's store here (a running node recomputes it through its API: report.test.ts).
    const file = join(root, 'report.json')
    expect((await runCli('report', '--format', 'json', '--by', 'peer', '--out', file, '--data-dir', a.dir)).code).toBe(EXIT.OK)
    await json('report verify', 'report', 'verify', file, '--data-dir', a.dir)
    await json('keys finish', 'keys', 'finish', '--force', '--data-dir', a.dir)
  })

  it('covered every command line the unit walk leaves out (audit split-view: in split-view.test.ts)', () => {
    for (
      const line of [
        'query',
        'query follow-up',
        'query pending',
        'query unpin',
        'feedback',
        'message evidence',
        'forward',
        'release request',
        'release grant',
        'release deny',
        'keys rotate',
        'keys approve',
        'keys revoke',
        'keys finish',
        'peers revoke',
        'policy reload',
        'config check',
        'report',
        'report verify',
        'taskforce propose',
        'taskforce list',
        'taskforce show',
        'taskforce sign',
        'taskforce amend',
        'taskforce decline',
        'taskforce verify',
        'taskforce leave',
        'taskforce dissolve'
      ]
    ) {
      expect(out.checked.has(line), line).toBe(true)
    }
  })
})
