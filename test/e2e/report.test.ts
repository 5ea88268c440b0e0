import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { TEST_AGREEMENT, TestNode, cli, tempDir, until } from '../helpers/node-process.ts'
import type { ApiClient } from '../../node/api/client.ts'
import type { SendInput } from '../../node/service/liaison-service.ts'
import type { Report } from '../../node/report/index.ts'
import { generateSigner } from '../../protocol/keys.ts'

const CHROMIUM = '/usr/bin/chromium'

const msg = (to: string, over: Partial<SendInput> = {}): SendInput => ({
  to: [to],
  kind: 'report',
  tlp: 'GREEN',
  topic: 'fraud',
  legalBasis: TEST_AGREEMENT,
  body: { case: 'R-19' },
  ...over
})

/** The row of `figure` whose key columns have these values, as an object (undefined if none). */
function row (report: Report, figure: string, keys: Record<string, string | number | null>): Record<string, unknown> | undefined {
  const t = report.figures[figure]
  const found = t.rows.find(r => Object.entries(keys).every(([k, v]) => r[t.columns.indexOf(k)] === v))
  return found == null ? undefined : Object.fromEntries(t.columns.map((c, i) => [c, found[i]]))
}

async function reportOf (node: TestNode, extra: string[] = []): Promise<Report> {
  const res = await cli(['report', '--format', 'json', '--by', 'peer', '--data-dir', node.dir, ...extra])
  expect(res.code, res.stderr).toBe(0)
  return JSON.parse(res.stdout) as Report
}

describe('cooperation report from the audit log of real nodes', () => {
  let root: string
  let a: TestNode, b: TestNode, c: TestNode
  let ca: ApiClient, cb: ApiClient, cc: ApiClient
  let liveA: Report

  beforeAll(async () => {
    root = await tempDir()
    ;[a, b, c] = await Promise.all(['a', 'b', 'c'].map(async name => await TestNode.create({ name, root })))
    await a.trust(b, ['--max-tlp-out', 'RED'])
    await b.trust(a, ['--max-tlp-in', 'AMBER', '--topics-in', 'fraud,handled,query-follow-up'])
    await b.trust(c, ['--max-tlp-out', 'RED'])
    await c.trust(b, ['--max-tlp-in', 'RED'])
    await c.trust(a, ['--max-tlp-in', 'RED'])
    await writeFile(join(b.dir, 'policy.json'), JSON.stringify({ requiredHandling: { handled: ['no-onward-without-consent'] } }))
    // B answers A's hit/no-hit queries for phone numbers from a three-record index.
    const grant = await cli(['peers', 'update', a.peerId, '--data-dir', b.dir, '--query-types', 'phone', '--query-quota', '100/day', '--query-max', '20'])
    expect(grant.code, grant.stderr).toBe(0)
    await writeFile(join(root, 'phones.csv'), ['selector,ref', '+4915110000001,P-1', '+4915110000002,P-2', '+4915110000003,P-3'].join('\n'))
    const indexed = await cli(['index', 'add', '--data-dir', b.dir, '--type', 'phone', '--file', join(root, 'phones.csv')])
    expect(indexed.code, indexed.stderr).toBe(0)
    await Promise.all([a.start(), b.start(), c.start()])
    ;[ca, cb, cc] = await Promise.all([a.client(), b.client(), c.client()])

    // The script. Before the restart: 3 accepted, 3 rejected by B (one of each policy reason).
    const first: string[] = []
    for (let i = 0; i < 3; i++) {
      const res = await ca.send(msg(b.peerId), { wait: true, timeoutMs: 20_000 })
      expect(res.recipients[0].status).toBe('delivered')
      first.push(res.id)
    }
    for (
      const [over, reason] of [[{ tlp: 'RED' }, 'TLP_NOT_PERMITTED'], [{ topic: 'drugs' }, 'TOPIC_NOT_PERMITTED'], [
        { topic: 'handled' },
        'HANDLING_REQUIRED'
      ]] as const
    ) {
      const res = await ca.send(msg(b.peerId, over), { wait: true, timeoutMs: 20_000 })
      expect(res.recipients[0]).toMatchObject({ status: 'rejected', reason })
    }
    // A restart of both in between: the report reads the log, not counters.
    await Promise.all([a.stop(), b.stop()])
    await Promise.all([a.start(), b.start()])
    ;[ca, cb] = await Promise.all([a.client(), b.client()])
    // After: 2 AMBER accepted; B asks release of both for C, A grants one and denies one; B forwards a GREEN one to C.
    const amber: string[] = []
    for (let i = 0; i < 2; i++) {
      const res = await ca.send(msg(b.peerId, { tlp: 'AMBER' }), { wait: true, timeoutMs: 20_000 })
      expect(res.recipients[0].status).toBe('delivered')
      amber.push(res.id)
    }
    for (const id of amber) await cb.requestRelease(id, c.peerId, 'joint investigation')
    await until(async () => (await ca.releases()).filter(r => amber.includes(r.messageId)).length === 2, 30_000, 'requests at A')
    const pending = (await ca.releases()).filter(r => amber.includes(r.messageId))
    await ca.answerRelease(pending.find(r => r.messageId === amber[0])!.requestId, 'granted', { validMs: 86_400_000 })
    await ca.answerRelease(pending.find(r => r.messageId === amber[1])!.requestId, 'denied', { reason: 'ongoing operation' })
    await until(async () => (await cb.releases()).filter(r => amber.includes(r.messageId) && r.status !== 'pending').length === 2, 30_000, 'decisions at B')
    const fwd = await cb.forward(first[0], [c.peerId])
    await until(async () => (await cc.inbox()).some(m => m.id === fwd.id), 30_000, 'forward at C')
    // A request for information from A, answered by B (linked by the audited message.replied).
    const rfi = await ca.send(msg(b.peerId, { kind: 'rfi' }), { wait: true, timeoutMs: 20_000 })
    expect(rfi.recipients[0].status).toBe('delivered')
    const answer = await cb.send(msg(a.peerId, { kind: 'response', inReplyTo: rfi.id }), { wait: true, timeoutMs: 20_000 })
    expect(answer.recipients[0].status).toBe('delivered')
    // Hit/no-hit queries from A to B. A holds no OPRF key of B's yet: its first query is refused
    // SCHEMA_INVALID naming the key and asked again (2 asked, 1 answered with 2 hits of 3, 1
    // without outcome); then a type B does not grant is refused; one hit is followed up (an rfi
    // on topic query-follow-up), which B answers.
    const ask = async (type: string, selectors: string[]): Promise<{ hits: number, results: Array<{ hitRef: string | null }> }> =>
      await ca.call('POST', '/v1/queries', { to: b.peerId, type, selectors, legalBasis: TEST_AGREEMENT, purpose: 'case R-19' })
    const asked = await ask('phone', ['+4915110000001', '+4915199999999', '+4915110000003'])
    expect(asked.hits).toBe(2)
    await expect(ask('email', ['x@example.org'])).rejects.toMatchObject({ code: 'SELECTOR_TYPE_NOT_PERMITTED' })
    const followUp = await ca.call<{ id: string, recipients: Array<{ status: string }> }>('POST', '/v1/queries/follow-up', {
      hitRef: asked.results[0].hitRef,
      reason: 'joint investigation R-19'
    })
    expect(followUp.recipients[0].status).toBe('delivered')
    const followUpAnswer = await cb.send(msg(a.peerId, { kind: 'response', inReplyTo: followUp.id }), { wait: true, timeoutMs: 20_000 })
    expect(followUpAnswer.recipients[0].status).toBe('delivered')
    // Feedback from B on two of A's messages (CLI through B's API), delivered to A.
    for (const [id, rating, note] of [[first[1], 'led-to-operation', 'arrest in case K-19'], [first[2], 'useful', undefined]] as const) {
      const res = await cli(['feedback', id, '--rating', rating, ...(note != null ? ['--note', note] : []), '--json', '--data-dir', b.dir])
      expect(res.code, res.stderr).toBe(0)
      const sentFeedback = JSON.parse(res.stdout) as { digest: string, originator: string }
      expect(sentFeedback.originator).toBe(a.peerId)
      await until(async () => (await cb.outbox()).some(d => d.digest === sentFeedback.digest && d.status === 'delivered'), 30_000, 'feedback delivered')
    }
    const badRating = await cli(['feedback', first[0], '--rating', 'great', '--data-dir', b.dir])
    expect(badRating.code).toBe(2)
    expect(badRating.stderr).toContain('BAD_ARGUMENT')
    await cb.setPeerStatus(a.peerId, 'suspended')
    await cb.setPeerStatus(a.peerId, 'active')
    // Through the local API while A runs (the CLI goes through it).
    liveA = await reportOf(a)
    await Promise.all([a.stop(), b.stop(), c.stop()])
  }, 240_000)

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it("A's figures equal the scripted counts, through the API and on the stopped node", async () => {
    for (const r of [liveA, await reportOf(a)]) {
      expect(r.node).toBe(a.peerId)
      expect(r.checkpoint.size).toBeGreaterThan(0)
      expect(r.checkpoint.root).toMatch(/^[0-9a-f]{64}$/)
      expect(row(r, 'messages', { peer: b.peerId, direction: 'out' })).toMatchObject({ messages: 10, accepted: 7, rejected: 3, pending: 0 })
      expect(row(r, 'messages', { peer: b.peerId, direction: 'in' })).toMatchObject({ messages: 2, accepted: 2, rejected: 0 })
      expect(row(r, 'rfi', { peer: b.peerId, direction: 'out' })).toMatchObject({ requests: 2, answered: 2, answered_share: 1 })
      expect(row(r, 'rfi', { peer: b.peerId, direction: 'out' })!.p50_answer_ms as number).toBeGreaterThanOrEqual(0)
      for (const reason of ['TLP_NOT_PERMITTED', 'TOPIC_NOT_PERMITTED', 'HANDLING_REQUIRED']) {
        expect(row(r, 'rejections', { peer: b.peerId, direction: 'out', reason })).toMatchObject({ rejected: 1 })
      }
      expect(r.figures.rejections.rows).toHaveLength(3)
      const delivery = row(r, 'delivery', { peer: b.peerId })!
      expect(delivery.receipts).toBe(10)
      expect(delivery.p50_ms as number).toBeGreaterThanOrEqual(0)
      expect(delivery.p99_ms as number).toBeLessThanOrEqual(delivery.max_ms as number)
      expect(row(r, 'releases', { peer: b.peerId, direction: 'in' })).toMatchObject({ requested: 2, granted: 1, denied: 1, undecided: 0 })
      expect(r.figures.forwards.rows).toHaveLength(0)
      expect(row(r, 'feedback', { peer: b.peerId, direction: 'out' })).toMatchObject({
        messages: 7,
        rated: 2,
        rated_share: 0.2857,
        useful: 1,
        not_useful: 0,
        actioned: 0,
        led_to_operation: 1
      })
      expect(r.peers[b.peerId]).toBe('b')
      // Every message left the outbox with its receipt; the wait is the delivery time.
      const outbox = row(r, 'outbox', { peer: b.peerId, payload: 'message' })!
      expect(outbox).toMatchObject({ queued: 10, left: 10, waiting: 0, expired: 0, untracked: 0 })
      expect(outbox.p99_wait_ms).toBe(delivery.p99_ms)
      // Split at the first transmission, which every receipt entry of this build names.
      const split = row(r, 'outbox_split', { peer: b.peerId, payload: 'message' })!
      expect(split).toMatchObject({ left: 10, without_sent_at: 0 })
      for (const m of ['p50_to_first_send_ms', 'p99_to_first_send_ms', 'p50_send_to_receipt_ms', 'p99_send_to_receipt_ms']) {
        expect(split[m] as number, m).toBeGreaterThanOrEqual(0)
        expect(split[m] as number, m).toBeLessThanOrEqual(delivery.max_ms as number)
      }
      expect(row(r, 'queries', { peer: b.peerId, direction: 'out', selector_type: 'phone' })).toMatchObject({
        queries: 2,
        selectors: 6,
        answered: 1,
        refused: 0,
        no_outcome: 1,
        hits: 2,
        hit_rate: 0.6667
      })
      expect(row(r, 'queries', { peer: b.peerId, direction: 'out', selector_type: 'email' })).toMatchObject({
        queries: 1,
        selectors: 1,
        answered: 0,
        refused: 1,
        no_outcome: 0,
        hits: 0,
        hit_rate: null
      })
      expect(r.figures.query_refusals.rows).toEqual([[b.peerId, 'out', 'SELECTOR_TYPE_NOT_PERMITTED', 1]])
      expect(row(r, 'query_follow_ups', { peer: b.peerId, direction: 'out' })).toMatchObject({ follow_ups: 1, answered: 1, answered_share: 1 })
    }
  })

  it('B and C see the other side: rejections by reason, releases asked, the forward, a suspension', async () => {
    const rb = await reportOf(b)
    expect(row(rb, 'messages', { peer: a.peerId, direction: 'in' })).toMatchObject({ messages: 10, accepted: 7, rejected: 3 })
    expect(row(rb, 'messages', { peer: a.peerId, direction: 'out' })).toMatchObject({ messages: 2, accepted: 2 })
    expect(row(rb, 'rfi', { peer: a.peerId, direction: 'in' })).toMatchObject({ requests: 2, answered: 2, answered_share: 1 })
    for (const reason of ['TLP_NOT_PERMITTED', 'TOPIC_NOT_PERMITTED', 'HANDLING_REQUIRED']) {
      expect(row(rb, 'rejections', { peer: a.peerId, direction: 'in', reason })).toMatchObject({ rejected: 1 })
    }
    expect(row(rb, 'releases', { peer: a.peerId, direction: 'out' })).toMatchObject({ requested: 2, granted: 1, denied: 1 })
    expect(row(rb, 'forwards', { peer: c.peerId, direction: 'out' })).toMatchObject({ forwards: 1 })
    expect(row(rb, 'feedback', { peer: a.peerId, direction: 'in' })).toMatchObject({ messages: 7, rated: 2, useful: 1, led_to_operation: 1 })
    expect(row(rb, 'outbox', { peer: a.peerId, payload: 'feedback' })).toMatchObject({ queued: 2, left: 2, waiting: 0 })
    expect(row(rb, 'outbox', { peer: c.peerId, payload: 'forward' })).toMatchObject({ queued: 1, left: 1, waiting: 0 })
    // The answering side: what it was asked, answered and refused (it learns no hits).
    expect(row(rb, 'queries', { peer: a.peerId, direction: 'in', selector_type: 'phone' })).toMatchObject({
      queries: 2,
      selectors: 6,
      answered: 1,
      refused: 1,
      no_outcome: 0,
      hits: null,
      hit_rate: null
    })
    expect(row(rb, 'queries', { peer: a.peerId, direction: 'in', selector_type: 'email' })).toMatchObject({ queries: 1, answered: 0, refused: 1 })
    expect(rb.figures.query_refusals.rows).toEqual([[a.peerId, 'in', 'SCHEMA_INVALID', 1], [a.peerId, 'in', 'SELECTOR_TYPE_NOT_PERMITTED', 1]])
    expect(row(rb, 'query_follow_ups', { peer: a.peerId, direction: 'in' })).toMatchObject({ follow_ups: 1, answered: 1 })
    expect(row(rb, 'trust', { peer: a.peerId, event: 'suspended' })).toMatchObject({ events: 1 })
    expect(row(rb, 'trust', { peer: a.peerId, event: 'resumed' })).toMatchObject({ events: 1 })
    const rc = await reportOf(c)
    expect(row(rc, 'forwards', { peer: b.peerId, direction: 'in' })).toMatchObject({ forwards: 1 })
    expect(row(rc, 'messages', { peer: b.peerId, direction: 'in' })).toBeUndefined()
  })

  it('report verify accepts the report (data dir, bundle, signed) and rejects it with any figure changed', async () => {
    // The new message.replied leaves verify like every other.
    for (const node of [a, b]) {
      const audit = await cli(['audit', 'verify', '--data-dir', node.dir])
      expect(audit.code, audit.stdout + audit.stderr).toBe(0)
    }
    const file = join(root, 'a-report.json')
    expect((await cli(['report', '--format', 'json', '--by', 'peer', '--by', 'week', '--out', file, '--data-dir', a.dir])).code).toBe(0)
    const ok = await cli(['report', 'verify', file, '--data-dir', a.dir, '--json'])
    expect(ok.code, ok.stderr).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, checkpoint: { rootMatches: true, signedCheckpoint: true }, differences: [], via: 'data-dir' })
    // The log grows after the report (here: a peer added, a new checkpoint): verify reads the
    // data dir at the checkpoint the report names, not at the latest.
    const grown = await TestNode.create({ name: 'later', root })
    expect((await cli(['peers', 'add', '--peer-id', grown.peerId, '--name', 'later', '--data-dir', a.dir])).code).toBe(0)
    expect((await cli(['audit', 'checkpoint', '--data-dir', a.dir])).code).toBe(0)
    const later = await cli(['report', 'verify', file, '--data-dir', a.dir, '--json'])
    expect(later.code, later.stderr).toBe(0)
    expect(JSON.parse(later.stdout)).toMatchObject({ ok: true, checkpoint: { size: (JSON.parse(await readFile(file, 'utf8')) as Report).checkpoint.size } })

    const report = JSON.parse(await readFile(file, 'utf8')) as Report
    const tampered = structuredClone(report)
    const t = tampered.figures.messages
    t.rows[0][t.columns.indexOf('accepted')] = (t.rows[0][t.columns.indexOf('accepted')] as number) + 1
    await writeFile(join(root, 'tampered.json'), JSON.stringify(tampered))
    const bad = await cli(['report', 'verify', join(root, 'tampered.json'), '--data-dir', a.dir])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('REPORT_MISMATCH')
    expect(bad.stdout).toContain('differs: figures.messages.rows[0]')
    const root2 = structuredClone(report)
    root2.checkpoint.root = '00'.repeat(32)
    await writeFile(join(root, 'root.json'), JSON.stringify(root2))
    expect((await cli(['report', 'verify', join(root, 'root.json'), '--data-dir', a.dir])).stdout).toContain('differs: checkpoint.root')

    // Signed by A; a partner checks signature and figures with A's audit bundle.
    const signed = join(root, 'a-report.dsse.json')
    expect((await cli(['report', '--sign', '--by', 'peer', '--out', signed, '--data-dir', a.dir])).code).toBe(0)
    const bundle = join(root, 'a-bundle')
    const exp = await cli(['audit', 'export', '--out', bundle, '--data-dir', a.dir])
    expect(exp.code, exp.stderr).toBe(0)
    const viaBundle = await cli(['report', 'verify', signed, '--bundle', bundle, '--json'])
    expect(viaBundle.code, viaBundle.stderr).toBe(0)
    expect(JSON.parse(viaBundle.stdout)).toMatchObject({ ok: true, signed: true, signer: a.peerId, via: 'bundle' })
    const env = JSON.parse(await readFile(signed, 'utf8')) as { payload: string }
    const forged = JSON.parse(Buffer.from(env.payload, 'base64').toString()) as Report
    forged.figures.messages.rows[0][2] = 99
    env.payload = Buffer.from(JSON.stringify(forged)).toString('base64')
    await writeFile(join(root, 'forged.json'), JSON.stringify(env))
    const forgedRes = await cli(['report', 'verify', join(root, 'forged.json'), '--bundle', bundle])
    expect(forgedRes.code).toBe(1)
    expect(forgedRes.stderr).toContain('BAD_SIGNATURE')
  })

  it('report verify on a running node: the node recomputes the report through its local API (its store is locked while it runs)', async () => {
    await a.start()
    try {
      const file = join(root, 'a-live.json')
      const signed = join(root, 'a-live.dsse.json')
      expect((await cli(['report', '--format', 'json', '--by', 'peer', '--by', 'month', '--out', file, '--data-dir', a.dir])).code).toBe(0)
      expect((await cli(['report', '--sign', '--by', 'peer', '--out', signed, '--data-dir', a.dir])).code).toBe(0)
      const report = JSON.parse(await readFile(file, 'utf8')) as Report
      // The log grows after the report: verify recomputes at the checkpoint the report names.
      const later = generateSigner().signer.peerId
      expect((await cli(['peers', 'add', '--peer-id', later, '--name', 'later-live', '--data-dir', a.dir])).code).toBe(0)
      const ok = await cli(['report', 'verify', file, '--data-dir', a.dir, '--json'])
      expect(ok.code, ok.stderr).toBe(0)
      expect(JSON.parse(ok.stdout)).toMatchObject({
        ok: true,
        via: 'api',
        checkpoint: { size: report.checkpoint.size, rootMatches: true, signedCheckpoint: true },
        differences: []
      })
      const text = await cli(['report', 'verify', signed, '--data-dir', a.dir])
      expect(text.code, text.stderr).toBe(0)
      expect(text.stdout).toContain('report: matches the log')
      expect(text.stdout).toContain('through its local API')
      expect(text.stdout).toContain(`signature: valid, by ${a.peerId}`)
      // A changed figure: the node answers the differences, the CLI exits 1 naming them.
      const tampered = structuredClone(report)
      const t = tampered.figures.outbox_split
      t.rows[0][t.columns.indexOf('left')] = (t.rows[0][t.columns.indexOf('left')] as number) + 1
      await writeFile(join(root, 'a-live-tampered.json'), JSON.stringify(tampered))
      const bad = await cli(['report', 'verify', join(root, 'a-live-tampered.json'), '--data-dir', a.dir])
      expect(bad.code).toBe(1)
      expect(bad.stderr).toContain('REPORT_MISMATCH')
      expect(bad.stdout).toContain('differs: figures.outbox_split.rows[0]')
      const junk = await cli(['report', 'verify', join(root, 'phones.csv'), '--data-dir', a.dir])
      expect(junk.stderr).toContain('REPORT_INVALID')
    } finally {
      await a.stop()
    }
    // Stopped again: this command reads the data directory itself, and says so.
    const stopped = await cli(['report', 'verify', join(root, 'a-live.json'), '--data-dir', a.dir, '--json'])
    expect(stopped.code, stopped.stderr).toBe(0)
    expect(JSON.parse(stopped.stdout)).toMatchObject({ ok: true, via: 'data-dir' })
  })

  it('text and CSV carry the same figures', async () => {
    const text = await cli(['report', '--by', 'peer', '--data-dir', a.dir])
    expect(text.stdout).toContain('Messages exchanged, accepted and rejected')
    expect(text.stdout).toContain('TOPIC_NOT_PERMITTED')
    const csv = await cli(['report', '--format', 'csv', '--by', 'peer', '--data-dir', a.dir])
    const lines = csv.stdout.trim().split('\r\n')
    expect(lines[0].startsWith('figure,peer,')).toBe(true)
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^messages,${b.peerId},out,.*,accepted,7$`)))
  })

  it.skipIf(!existsSync(CHROMIUM))('the HTML report renders in headless chromium with its charts, and nothing leaves the page', async () => {
    const file = join(root, 'a-report.html')
    expect((await cli(['report', '--format', 'html', '--by', 'peer', '--out', file, '--data-dir', a.dir])).code).toBe(0)
    // The HTML file is itself verifiable (it embeds its JSON).
    expect((await cli(['report', 'verify', file, '--data-dir', a.dir])).code).toBe(0)
    const { chromium } = await import('playwright-core')
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
    })
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
      const requests: string[] = []
      page.on('request', r => {
        requests.push(r.url())
      })
      const url = pathToFileURL(file).href
      await page.goto(url, { waitUntil: 'load' })
      expect(requests).toEqual([url])
      const charts = await page.$$eval(
        'figure.chart',
        els => els.map(e => ({ chart: e.getAttribute('data-chart'), marks: e.querySelectorAll('svg path, svg rect').length }))
      )
      expect(charts.map(c => c.chart).sort()).toEqual(['delivery', 'rejections', 'timeline'])
      for (const c of charts) expect(c.marks, c.chart ?? '').toBeGreaterThan(2)
      expect(await page.locator('section#messages table td').first().textContent()).toBe('b')
      await page.screenshot({ path: join(process.env.LIAISON_REPORT_SCREENSHOT_DIR ?? root, 'report.png'), fullPage: true })
      await page.emulateMedia({ media: 'print' })
      const pdf = await page.pdf({ format: 'A4', landscape: true })
      expect(pdf.subarray(0, 4).toString()).toBe('%PDF')
    } finally {
      await browser.close()
    }
  })
})
