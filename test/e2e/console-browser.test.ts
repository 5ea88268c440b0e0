/**
 * The web console and the auditor's page in a real browser: Debian's chromium driven by
 * playwright-core, against real node processes. Node A is run from its console only: log in, add
 * B from B's card (previewed by the node with the right fingerprint, then the fingerprint typed
 * and confirmed), send an AMBER report to B and see B's signed receipt; a STIX bundle's message
 * view (objects, markings' TLP labels, signature and receipt verified in the browser, the audit
 * leaf's inclusion proof); the outbox's and the inbox's filters narrowing the list to the API's
 * rows; the overview's peers up (B, connected) as A's API has them; grant the release request B
 * sends for forwarding it to C; the audit page asks the peers to witness, B cosigns, and its
 * checkpoint, witnessed and alert tables are A's API's; a hit/no-hit query to B's index with a
 * follow-up, which B's operator refuses in B's console; a task force C proposes, awaiting B's
 * signature in B's console, signed there (in effect on both), a message sent to it from B's send
 * form after the charter's check, a second one declined with a reason, a third proposed from B's
 * form; edit B's permissions (the CLI's agreement parser refuses a malformed one), suspend and
 * resume B, each confirmed, and (last) revoke it, Cancel first; the overview's cards against A's
 * API; the console's actions in A's audit log; the evaluation report's tables and SVG charts;
 * export an audit bundle as a folder and as a .zip. Every page passes axe-core (WCAG 2.1 A/AA,
 * no serious or critical violation) and the menu works from the keyboard. Then the auditor's
 * page (the self-contained file, opened from disk) verifies the bundle, folder or archive, its
 * progress bar shown and full at the end, with the same verdict as `liaison audit verify
 * --bundle` (B's witness cosignatures verified, as the CLI's note says), and copies with one
 * flipped byte fail at the same places; the page makes no network request after it loaded. A's
 * console itself requests nothing but its node's own origin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { cp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import type { Browser, Page } from 'playwright-core'
import { buildWeb } from '../../scripts/build-web.ts'
import { verifyBundle } from '../../node/audit/bundle/verify-bundle.ts'
import { zipBundle } from '../../node/audit/bundle/archive-write.ts'
import { seriousViolations } from '../helpers/axe.ts'
import type { VerifyReport } from '../../node/audit/verify/report.ts'
import { cli, TEST_AGREEMENT, TestNode, tempDir, until } from '../helpers/node-process.ts'
import type { ApiClient } from '../../node/api/client.ts'
import { presentForgedCheckpoint } from '../helpers/forged-checkpoint.ts'

const CHROMIUM = '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run'
]
const ROOT = new URL('../..', import.meta.url).pathname
/** The page's globals that the keyboard checks use (the tests compile without the DOM lib). */
interface InPage {
  document: {
    activeElement: { id: string, textContent: string | null } | null,
    body: { tabIndex: number, focus: () => void, removeAttribute: (name: string) => void }
  }
}

describe.skipIf(!existsSync(CHROMIUM))('web console and auditor page in chromium', () => {
  let root: string
  let a: TestNode, b: TestNode, c: TestNode
  let cb: ApiClient
  let browser: Browser
  let page: Page
  let token: string
  let bundle = ''
  let stixDigest = ''
  let archive = ''
  const dialogs: string[] = []
  /** Answer the next confirm dialog of A's console with Cancel. */
  let dismissNext = false
  const requests: string[] = []

  beforeAll(async () => {
    await buildWeb(ROOT)
    root = await tempDir()
    ;[a, b, c] = await Promise.all(['a', 'b', 'c'].map(async name => await TestNode.create({ name, root })))
    // B trusts A and C; A knows nobody yet (the console adds B from its card).
    await b.trust(a, ['--max-tlp-in', 'AMBER', '--max-tlp-out', 'AMBER', '--query-types', 'email', '--query-quota', '100/day', '--query-max', '10'])
    // B's hit/no-hit index: what A's console asks about.
    await writeFile(join(root, 'emails.csv'), 'selector,ref\nLead@Example.org,E-1\nmule@example.net,E-2\n')
    const indexed = await cli(['index', 'add', '--data-dir', b.dir, '--type', 'email', '--file', join(root, 'emails.csv')])
    if (indexed.code !== 0) throw new Error(indexed.stderr)
    await b.trust(c, ['--max-tlp-out', 'AMBER'])
    await c.trust(b, ['--max-tlp-in', 'AMBER'])
    await Promise.all([a.start(), b.start(), c.start()])
    cb = await b.client()
    token = (await readFile(join(a.dir, 'api-token'), 'utf8')).trim()
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    page = await browser.newPage({ viewport: { width: 1366, height: 800 } })
    page.on('dialog', d => {
      dialogs.push(d.message())
      void (dismissNext ? d.dismiss() : d.accept())
      dismissNext = false
    })
    // Every request A's console makes, to check it never leaves the node's own origin.
    page.on('request', r => {
      requests.push(r.url())
    })
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await Promise.all([a?.stop(), b?.stop(), c?.stop()])
    if (root != null) await rm(root, { recursive: true, force: true })
  })

  /** A second tab on `node`'s console, logged in with its token. */
  async function consoleOf (node: TestNode): Promise<Page> {
    const p = await browser.newPage({ viewport: { width: 1366, height: 800 } })
    p.on('dialog', d => {
      void d.accept()
    })
    await p.goto(node.runtime!.apiUrl + '/')
    await p.getByLabel('API token').fill((await readFile(join(node.dir, 'api-token'), 'utf8')).trim())
    await p.getByRole('button', { name: 'Log in' }).click()
    await p.locator('#health').waitFor()
    return p
  }

  it('node.json names the console; / is served with a strict CSP and no token in the URL', async () => {
    const runtime = JSON.parse(await readFile(join(a.dir, 'node.json'), 'utf8')) as { consoleUrl: string, apiUrl: string }
    expect(runtime.consoleUrl).toBe(`${runtime.apiUrl}/`)
    const res = await fetch(runtime.consoleUrl)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'/)
    expect((await fetch(`${runtime.apiUrl}/v1/peers`)).status).toBe(401)
  })

  it('logs in with the API token (kept in sessionStorage, not the URL)', async () => {
    await page.goto(a.runtime!.apiUrl + '/')
    await page.getByLabel('API token').fill('wrong')
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByRole('alert').filter({ hasText: 'UNAUTHORIZED' }).waitFor()
    expect(await seriousViolations(page)).toEqual([])
    await page.getByLabel('API token').fill(token)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.locator('#health .ok').filter({ hasText: 'ready' }).waitFor()
    expect(page.url()).not.toContain(token)
    expect(await page.evaluate(() => sessionStorage.getItem('liaison.apiToken'))).toBe(token)
  })

  it('adds a peer from its card: previewed by the node (the right fingerprint, nothing added), then the fingerprint typed and confirmed', async () => {
    const card = await cb.card()
    await page.goto(a.runtime!.apiUrl + '/#/peers')
    await page.locator('#card').fill(card.envelope)
    // Nothing can be added before the node has checked the card and shown what it says.
    await page.getByLabel('I confirmed this fingerprint').check()
    await page.getByLabel('Fingerprint the agency told you').fill(card.fingerprint)
    expect(await page.getByRole('button', { name: 'Add peer' }).isDisabled()).toBe(true)
    await page.getByRole('button', { name: 'Check the card' }).click()
    await page.locator('#card-preview').waitFor()
    expect(await page.locator('#card-fingerprint').textContent()).toBe(card.fingerprint)
    expect(await page.locator('#card-peer-id').textContent()).toBe(b.peerId)
    expect(await page.locator('#card-name').textContent()).toBe(card.card.name)
    const keys = await page.locator('#card-keys tbody tr').allTextContents()
    expect(keys[0]).toContain(b.peerId)
    expect(keys[0]).toContain(card.fingerprint)
    expect(keys.length).toBe(1 + (card.card.courier != null ? 1 : 0) + (card.card.oprfKey != null ? 1 : 0))
    expect(await page.locator('#card-known').count()).toBe(0)
    expect(await (await a.client()).peers()).toEqual([])
    // A card that is not one is refused by the node, and nothing is previewed.
    await page.locator('#card').fill('{"payloadType":"x","payload":"","signatures":[]}')
    await page.getByRole('button', { name: 'Check the card' }).click()
    await page.locator('#add-peer [role=alert]').filter({ hasText: 'BAD_PAYLOAD_TYPE' }).waitFor()
    expect(await page.locator('#card-preview').count()).toBe(0)
    await page.locator('#card').fill(card.envelope)
    await page.getByRole('button', { name: 'Check the card' }).click()
    await page.locator('#card-preview').waitFor()
    // A wrong fingerprint is refused by the node.
    await page.getByLabel('Fingerprint the agency told you').fill('AAAA-AAAA-AAAA-AAAA-AAAA-AAAA')
    await page.getByLabel('I confirmed this fingerprint').check()
    await page.locator('#new-agreements').fill(`${TEST_AGREEMENT}:2020-01-01:2099-12-31`)
    await page.locator('#new-maxTlpOut').selectOption('AMBER')
    await page.getByRole('button', { name: 'Add peer' }).click()
    await page.locator('#add-peer [role=alert]').waitFor()
    // A malformed agreement is refused by the CLI's own parser before anything is sent.
    await page.getByLabel('Fingerprint the agency told you').fill(card.fingerprint)
    await page.getByLabel('I confirmed this fingerprint').check()
    await page.locator('#new-agreements').fill('EU-2024-17:2020-01-01')
    await page.getByRole('button', { name: 'Add peer' }).click()
    await page.locator('#add-peer [role=alert]').filter({ hasText: 'expected ID:YYYY-MM-DD:YYYY-MM-DD' }).waitFor()
    await page.locator('#new-agreements').fill(`${TEST_AGREEMENT}:2020-01-01:2099-12-31`)
    await page.getByRole('button', { name: 'Add peer' }).click()
    await page.locator('#add-peer [role=status]').filter({ hasText: card.fingerprint }).waitFor()
    await page.locator('#peers-table').filter({ hasText: 'b' }).waitFor()
    expect((await (await a.client()).peers()).map(p => p.peerId)).toEqual([b.peerId])
  })

  it('sends an AMBER report after the policy check and shows the receipt', async () => {
    await page.goto(a.runtime!.apiUrl + '/#/send')
    await page.getByLabel('Recipient').selectOption(b.peerId)
    await page.getByLabel('TLP').selectOption('AMBER')
    await page.getByLabel('Topic').fill('fraud')
    await page.getByLabel('Legal basis').fill(TEST_AGREEMENT)
    await page.getByLabel('Body (JSON)').fill('{"case":"K-21","summary":"mule accounts"}')
    expect(await page.locator('#send-button').isDisabled()).toBe(true)
    await page.getByRole('button', { name: 'Check policy' }).click()
    await page.locator('#policy-verdict').filter({ hasText: 'decision: accept' }).waitFor()
    await page.locator('#send-button').click()
    await page.locator('#message-view').waitFor()
    await page.locator('#receipts').filter({ hasText: 'proof and signature valid' }).waitFor({ timeout: 30_000 })
    expect(await page.locator('#message-body').textContent()).toContain('mule accounts')
    expect(await page.locator('#receipts').textContent()).toContain('delivered')
    expect(await page.locator('#audit-position').textContent()).toMatch(/leaf \d+/)
    const received = await cb.inbox()
    expect(received.map(m => m.tlp)).toEqual(['AMBER'])
  })

  it('the message view of a STIX message: objects with their markings, signature and receipt checked in the browser', async () => {
    const fixture = JSON.parse(await readFile(join(ROOT, 'test/fixtures/stix-message.json'), 'utf8')) as { body: { objects: Array<Record<string, unknown>> } }
    const objects = [...fixture.body.objects, {
      type: 'identity',
      spec_version: '2.1',
      id: 'identity--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061',
      created: '2026-01-15T09:00:00.000Z',
      modified: '2026-01-16T09:00:00.000Z',
      name: 'Agency A',
      identity_class: 'organization'
    }]
    const sent = await (await a.client()).send({
      to: [b.peerId],
      kind: 'report',
      tlp: 'AMBER',
      topic: 'malware',
      legalBasis: TEST_AGREEMENT,
      handling: [],
      body: { ...fixture.body, objects }
    }, { wait: true })
    stixDigest = sent.digest
    await page.goto(`${a.runtime!.apiUrl}/#/message/${stixDigest}`)
    const table = page.locator('#stix-objects')
    await table.waitFor()
    const rows = await table.locator('tbody tr').allTextContents()
    expect(rows).toHaveLength(2)
    expect(rows[0]).toContain('indicator')
    expect(rows[0]).toContain('Invoice-fraud dropper')
    expect(rows[0]).toContain('TLP:GREEN')
    expect(rows[0]).toContain('2026-01-15T09:00:00.000Z')
    expect(rows[1]).toContain('identity')
    expect(rows[1]).toContain("inherits the message's TLP:AMBER")
    expect(await page.locator('#signature-status').textContent()).toMatch(/^valid: Ed25519/)
    await page.locator('#receipts').filter({ hasText: 'accepted' }).filter({ hasText: 'proof and signature valid' }).waitFor()
    expect(await page.locator('#audit-position').textContent()).toMatch(/leaf \d+ \(message\.sent\)/)
  })

  it("the outbox's filters: by topic, by TLP, by recipient", async () => {
    await page.goto(a.runtime!.apiUrl + '/#/outbox')
    const rows = page.locator('#messages tbody tr')
    await expect.poll(async () => await rows.count()).toBe(2)
    await page.getByLabel('Topic', { exact: true }).fill('malware')
    await expect.poll(async () => await rows.count()).toBe(1)
    expect(await rows.first().textContent()).toContain('malware')
    await page.getByLabel('Topic', { exact: true }).fill('')
    await page.getByLabel('TLP', { exact: true }).selectOption('GREEN')
    await rows.filter({ hasText: /^none$/ }).waitFor()
    await page.getByLabel('TLP', { exact: true }).selectOption('AMBER')
    await page.getByLabel('Peer ID').fill(b.peerId)
    await expect.poll(async () => await rows.count()).toBe(2)
    await page.getByLabel('Peer ID').fill(c.peerId)
    await rows.filter({ hasText: /^none$/ }).waitFor()
  })

  it("the inbox's filters: by topic, by TLP, by sender, by date, each narrowing the list to the rows the API has", async () => {
    for (const [tlp, topic] of [['GREEN', 'fraud'], ['AMBER', 'drugs']] as const) {
      const sent = await cb.send({ to: [a.peerId], kind: 'report', tlp, topic, legalBasis: TEST_AGREEMENT, handling: [], body: { topic } }, { wait: true })
      expect(sent.recipients.map(r => r.status)).toEqual(['delivered'])
    }
    const inbox = await (await a.client()).inbox()
    expect(inbox.map(m => [m.from, m.tlp, m.topic]).sort()).toEqual([[b.peerId, 'AMBER', 'drugs'], [b.peerId, 'GREEN', 'fraud']])
    await page.goto(a.runtime!.apiUrl + '/#/inbox')
    const rows = page.locator('#messages tbody tr')
    /** The rows shown, as [TLP, topic, message ID] (the table's columns 4 to 6). */
    const shown = async (): Promise<string[][]> => (await rows.allInnerTexts()).map(r => r.split('\t').slice(3))
    const ids = new Map(inbox.map(m => [m.topic, `${m.id.slice(0, 10)}…${m.id.slice(-6)}`]))
    await expect.poll(shown).toEqual([['AMBER', 'drugs', ids.get('drugs')], ['GREEN', 'fraud', ids.get('fraud')]])
    await page.getByLabel('Topic', { exact: true }).fill('drug')
    await expect.poll(shown).toEqual([['AMBER', 'drugs', ids.get('drugs')]])
    await page.getByLabel('Topic', { exact: true }).fill('')
    await page.getByLabel('TLP', { exact: true }).selectOption('GREEN')
    await expect.poll(shown).toEqual([['GREEN', 'fraud', ids.get('fraud')]])
    await page.getByLabel('TLP', { exact: true }).selectOption('')
    // The sender and the date are asked of the node (GET /v1/inbox?from=…&since=…).
    await page.getByLabel('Peer ID').fill(c.peerId)
    await rows.filter({ hasText: /^none$/ }).waitFor()
    await page.getByLabel('Peer ID').fill(b.peerId)
    await expect.poll(async () => await rows.count()).toBe(2)
    await page.getByLabel('Since (date, UTC)').fill(new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10))
    await rows.filter({ hasText: /^none$/ }).waitFor()
    await page.getByLabel('Since (date, UTC)').fill(new Date(Date.now() - 86_400_000).toISOString().slice(0, 10))
    await expect.poll(async () => await rows.count()).toBe(2)
    expect(await page.getByRole('alert').count()).toBe(0)
  })

  it("the overview's peers up and down are A's API's: B is up while connected", async () => {
    const ca = await a.client()
    const health = await ca.call<{ connected?: string[] }>('GET', '/v1/health')
    const peers = await ca.peers()
    const connected = new Set(health.connected ?? [])
    const up = peers.filter(p => connected.has(p.peerId)).length
    expect(up).toBe(1)
    const down = peers.filter(p => p.status === 'active' && !connected.has(p.peerId)).length
    await page.goto(a.runtime!.apiUrl + '/#/overview')
    await page.locator('.cards').filter({ hasText: `${up} up, ${down} down, 0 suspended or revoked` }).waitFor()
    await page.locator('table tbody tr').filter({ hasText: 'active' }).filter({ hasText: /up$/ }).waitFor()
  })

  it('grants a release request waiting for a decision', async () => {
    const [msg] = await cb.inbox()
    await cb.requestRelease(msg.id, c.peerId, 'joint investigation with C')
    await page.goto(a.runtime!.apiUrl + '/#/releases')
    await until(
      async () => {
        await page.reload()
        return await page.locator('#releases-waiting button', { hasText: 'Grant' }).count() > 0
      },
      30_000,
      'release request at A'
    )
    await page.locator('#releases-waiting button', { hasText: 'Grant' }).click()
    await page.locator('[role=status]').filter({ hasText: 'Granted' }).waitFor()
    await until(async () => (await cb.releases()).some(r => r.status === 'granted'), 30_000, 'grant at B')
  })

  it("the audit page asks the peers to witness: B cosigns A's checkpoint; the witness and alert tables are A's API's, a FORK alert included", async () => {
    // B presents its own checkpoint to A (B trusts A), so A has witnessed one of B's.
    expect((await cb.witness()).find(o => o.peerId === a.peerId)?.status).toBe('cosigned')
    await page.goto(a.runtime!.apiUrl + '/#/audit')
    await page.locator('#checkpoints tbody tr').first().waitFor()
    await page.getByRole('button', { name: 'Ask the peers to witness the latest checkpoint' }).click()
    const outcomes = page.locator('#witness-outcomes tbody tr')
    await outcomes.first().waitFor({ timeout: 30_000 })
    expect(await outcomes.allTextContents()).toEqual([`${b.peerId.slice(0, 10)}…${b.peerId.slice(-6)}cosigned-`])
    await page.locator('[role=status]').filter({ hasText: '1 of 1 peers cosigned the latest checkpoint.' }).waitFor()
    const view = await (await a.client()).call<{
      checkpoints: Array<{ size: number, cosignatures: number }>,
      seen: Array<{ peerId: string, size: number }>,
      alerts: Array<{ peerId: string, reason: string }>
    }>('GET', '/v1/audit')
    expect(view.checkpoints.at(-1)!.cosignatures).toBe(1)
    // The checkpoints table, newest first: size and cosignature count of every checkpoint, as the API has them.
    await page.locator('#checkpoints tbody tr').first().filter({ hasText: new RegExp(`^${view.checkpoints.at(-1)!.size}.*1$`) }).waitFor()
    const rows = (await page.locator('#checkpoints tbody tr').allInnerTexts()).map(r => r.split('\t'))
    expect(rows.map(r => [Number(r[0]), Number(r.at(-1))])).toEqual(view.checkpoints.slice().reverse().map(c => [c.size, c.cosignatures]))
    // The checkpoints A witnessed for its peers: B's, at the size A's API holds.
    expect(view.seen.map(x => x.peerId)).toEqual([b.peerId])
    const seen = (await page.locator('#witnessed tbody tr').allInnerTexts()).map(r => r.split('\t'))
    expect(seen.map(r => [r[0], Number(r[1])])).toEqual(view.seen.map(x => [`${x.peerId.slice(0, 10)}…${x.peerId.slice(-6)}`, x.size]))
    // No witness alerts at A yet: the table says so, as the API does.
    expect(view.alerts).toEqual([])
    expect(await page.locator('#alerts tbody tr').allInnerTexts()).toEqual(['none'])
    // Then B's key signs another root for the size A witnessed (a rewritten log): A raises an
    // alert, and the alert table shows it as A's API does.
    expect((await presentForgedCheckpoint(b.dir, a.address, view.seen[0].size)).answer).toEqual({ type: 'alert', reason: 'FORK' })
    const { alerts } = await (await a.client()).witnesses()
    expect(alerts.map(x => [x.peerId, x.reason])).toEqual([[b.peerId, 'FORK']])
    await page.reload()
    await page.locator('#alerts tbody tr').filter({ hasText: 'FORK' }).waitFor()
    const shownAlerts = (await page.locator('#alerts tbody tr').allInnerTexts()).map(r => r.split('\t'))
    const at = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')
    expect(shownAlerts).toEqual(alerts.map(x => [`${x.peerId.slice(0, 10)}…${x.peerId.slice(-6)}`, x.reason, x.detail, at(x.at)]))
  })

  it("runs a hit/no-hit query against B, follows the hit up, and B's operator refuses it from B's console", async () => {
    await page.goto(a.runtime!.apiUrl + '/#/queries')
    await page.locator('#index-stats tbody tr').first().waitFor()
    expect(await page.locator('#oprf-key').textContent()).toMatch(/OPRF key epoch \d+, id [0-9a-f]+/)
    await page.getByLabel('Peer', { exact: true }).selectOption(b.peerId)
    await page.getByLabel('Selector type').selectOption('email')
    await page.getByLabel('Selectors, one per line').fill('lead@example.org\nnobody@example.com')
    await page.getByLabel('Legal basis (agreement ID)').fill(TEST_AGREEMENT)
    await page.getByLabel('Purpose', { exact: true }).fill('case K-21 mule network')
    await page.getByRole('button', { name: 'Run query' }).click()
    const results = page.locator('#query-results tbody tr')
    await results.first().waitFor({ timeout: 30_000 })
    const rows = await results.allTextContents()
    expect(rows[0]).toMatch(/^1lead@example\.orghit[0-9a-f]{32}$/)
    expect(rows[1]).toBe('2nobody@example.comno-hit-')
    expect(await page.locator('#query-outcome [role=status]').textContent()).toMatch(/^1 hit of 2 selectors/)
    await page.getByLabel('Reason for asking for the record').fill('confirmed lead, request subscriber data')
    await page.getByRole('button', { name: 'Send follow-up' }).click()
    const sent = page.locator('#queries [role=status]').filter({ hasText: /^Follow-up / }).or(page.locator('#queries [role=alert]'))
    await sent.waitFor({ timeout: 30_000 })
    expect(await sent.textContent()).toMatch(/^Follow-up \S+ sent: \S+ delivered$/)

    // B's operator, in B's console: the follow-up waits with the local reference; refuse it.
    const pb = await consoleOf(b)
    try {
      await pb.goto(b.runtime!.apiUrl + '/#/queries')
      const pending = pb.locator('#pending-follow-ups tbody tr')
      await pending.filter({ hasText: 'E-1' }).waitFor()
      expect(await pending.first().textContent()).toContain('confirmed lead, request subscriber data')
      await pb.locator('#index-stats').filter({ hasText: 'email2' }).waitFor()
      // The received rfi in B's message view: A's signature checked in B's browser, and where B
      // logged it (exchange v2: the receiver's record is its own audit entry, not a receipt).
      const [rfi] = await cb.call<Array<{ message: string }>>('GET', '/v1/queries/pending')
      await pb.goto(`${b.runtime!.apiUrl}/#/message/${rfi.message}`)
      await pb.locator('#signature-status').filter({ hasText: /^valid: Ed25519/ }).waitFor()
      expect(await pb.locator('#audit-position').textContent()).toMatch(/leaf \d+ \(message\.received\)/)
      await pb.goto(b.runtime!.apiUrl + '/#/queries')
      await pending.filter({ hasText: 'E-1' }).waitFor()
      await pending.first().getByRole('button', { name: 'Refuse' }).click()
      await pb.getByLabel('TLP of the response').selectOption('GREEN')
      await pb.getByLabel('Reason for refusing').fill('no agreement covers subscriber data')
      await pb.getByRole('button', { name: 'Send refusal' }).click()
      await pb.locator('#queries [role=status]').filter({ hasText: /^Refused the follow-up/ }).waitFor({ timeout: 30_000 })
      await pb.locator('#pending-follow-ups tbody').filter({ hasText: 'none' }).waitFor()
    } finally {
      await pb.close()
    }
    expect(await cb.call('GET', '/v1/queries/pending')).toEqual([])
    const answers = (await (await a.client()).inbox()).filter(m => m.kind === 'response' && m.topic === 'query-follow-up')
    expect(answers).toHaveLength(1)
  })

  it(
    "a task force C proposes awaits B's signature in B's console; B signs it there, it is in effect on both, and B sends to it from the send form; B " +
      'declines a second one with a reason and proposes a third from the form',
    async () => {
      const cc = await c.client()
      const propose = async (name: string): Promise<string> =>
        (await cc.call<{ id: string }>('POST', '/v1/taskforces', {
          name,
          purpose: 'a cross-border fraud ring',
          legalBasis: TEST_AGREEMENT,
          members: [b.peerId],
          topics: ['fraud'],
          maxTlp: 'AMBER',
          handling: ['no-judicial-use-without-consent'],
          validUntil: new Date(Date.now() + 7 * 86_400_000).toISOString(),
          quorum: 2
        })).id
      const [rhine, danube] = [await propose('JIT Rhine'), await propose('JIT Danube')]
      await until(async () => (await cb.call<Array<{ id: string }>>('GET', '/v1/taskforces')).length === 2, 30_000, 'proposals at B')
      const pb = await consoleOf(b)
      try {
        await pb.goto(b.runtime!.apiUrl + '/#/taskforces')
        const row = pb.locator('#taskforces-table tbody tr').filter({ hasText: 'JIT Rhine' })
        await row.waitFor()
        expect(await row.textContent()).toBe('JIT Rhineawaiting-signatures-1awaited')
        expect(await seriousViolations(pb)).toEqual([])
        await row.getByRole('link', { name: 'JIT Rhine' }).click()
        await pb.locator('#tf-awaiting').waitFor()
        expect(await pb.locator('#charter').textContent()).toContain('TLP:AMBER')
        expect(await pb.locator('#tf-members tbody tr').count()).toBe(2)
        expect(await seriousViolations(pb)).toEqual([])
        await pb.getByRole('button', { name: 'Sign', exact: true }).click()
        await pb.locator('#taskforce [role=status]').filter({ hasText: /^Signed version 1; the task force is in-effect here/ }).waitFor({ timeout: 30_000 })
        await pb.locator('#tf-state').filter({ hasText: 'in-effect' }).waitFor()
        expect(await pb.locator('#tf-versions tbody tr').first().textContent()).toMatch(/^1foundingvalid/)
        expect(await pb.locator('#tf-awaiting').count()).toBe(0)
        await until(async () => (await cc.call<{ state: string }>('GET', `/v1/taskforces/${rhine}`)).state === 'in-effect', 30_000, 'in effect at C')

        // The send form, addressed to the task force: the charter's rule first (RED is above its TLP), then sent to C.
        await pb.goto(b.runtime!.apiUrl + '/#/send')
        await pb.getByLabel('a task force (every current member)').check()
        await pb.getByLabel('Task force', { exact: true }).selectOption(rhine)
        await pb.getByLabel('TLP', { exact: true }).selectOption('RED')
        await pb.getByLabel('Topic').fill('fraud')
        await pb.getByLabel('Legal basis (agreement ID)').fill(TEST_AGREEMENT)
        await pb.getByRole('button', { name: 'Check policy' }).click()
        await pb.locator('#policy-verdict').filter({ hasText: 'decision: reject TASKFORCE_NOT_PERMITTED' }).waitFor()
        await pb.getByLabel('TLP', { exact: true }).selectOption('AMBER')
        await pb.getByRole('button', { name: 'Check policy' }).click()
        await pb.locator('#policy-verdict').filter({ hasText: 'decision: accept' }).waitFor()
        // The charter's rule, then C's own policy check (the one `policy check --to C` explains).
        const checks = await pb.locator('#policy-decision tbody tr').allTextContents()
        expect(checks[0]).toMatch(/^oktask forcefits version 1 of JIT Rhine; goes to \S+; handling no-judicial-use-without-consent$/)
        expect(checks.length).toBeGreaterThan(1)
        expect(checks.every(c => c.startsWith('ok'))).toBe(true)
        expect(await seriousViolations(pb)).toEqual([])
        await pb.locator('#send-button').click()
        await pb.waitForURL(/#\/message\//, { timeout: 30_000 })
        await until(async () => (await cc.inbox()).some(m => m.taskForce?.id === rhine), 30_000, 'task force message at C')

        // Decline the other one, with a reason the members are told.
        await pb.goto(`${b.runtime!.apiUrl}/#/taskforce/${danube}`)
        await pb.getByRole('button', { name: 'Decline…' }).click()
        await pb.getByLabel(/^Reason for declining version 1/).fill('no case of ours')
        await pb.getByRole('button', { name: 'Decline version' }).click()
        await pb.locator('#taskforce [role=status]').filter({ hasText: /^Declined version 1/ }).waitFor({ timeout: 30_000 })
        await pb.locator('#tf-versions tbody tr').first().filter({ hasText: /^1-pending.*: no case of ours$/ }).waitFor()

        // B proposes one of its own from the form; it reaches C awaiting C's signature.
        await pb.goto(b.runtime!.apiUrl + '/#/taskforces')
        await pb.getByLabel('Name', { exact: true }).fill('JIT Elbe')
        await pb.getByLabel('Purpose').fill('money mules of case K-21')
        await pb.getByLabel('Legal basis (agreement ID)').fill(TEST_AGREEMENT)
        await pb.locator(`#tf-m-${c.peerId}`).check()
        await pb.getByLabel('Topics (comma-separated)').fill('fraud, money-laundering')
        await pb.getByLabel('Highest TLP').selectOption('GREEN')
        await pb.getByLabel('Valid until (last day, UTC)').fill(new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10))
        await pb.getByRole('button', { name: 'Propose' }).click()
        await pb.locator('#taskforces [role=status]').filter({ hasText: /^Proposed JIT Elbe/ }).waitFor({ timeout: 30_000 })
        await pb.locator('#taskforces-table tbody tr').filter({ hasText: 'JIT Elbe' }).filter({ hasText: 'not awaited' }).waitFor()
      } finally {
        await pb.close()
      }
      await until(
        async () =>
          (await cc.call<{ versions: Array<{ declines: Array<{ reason?: string }> }> }>('GET', `/v1/taskforces/${danube}`)).versions[0].declines.some(d =>
            d.reason === 'no case of ours'
          ),
        30_000,
        'decline at C'
      )
      await until(
        async () =>
          (await cc.call<Array<{ name: string, awaitingMySignature: boolean }>>('GET', '/v1/taskforces')).some(t =>
            t.name === 'JIT Elbe' && t.awaitingMySignature
          ),
        30_000,
        "B's proposal at C"
      )
    }
  )

  it("edits a peer's permissions (the CLI's agreement parser first), suspends and resumes it, each after a confirmation naming it", async () => {
    await page.goto(a.runtime!.apiUrl + '/#/peers')
    // Permissions first: a malformed agreement is refused by the CLI's parser, a topic list is saved.
    const edit = `#edit-${b.peerId.slice(-6)}`
    await page.locator(`${edit}-agreements`).fill('EU-2024-17')
    await page.locator('.edit-peer button', { hasText: 'Save permissions' }).click()
    await page.locator('.edit-peer [role=alert]').filter({ hasText: 'expected ID:YYYY-MM-DD:YYYY-MM-DD' }).waitFor()
    await page.locator(`${edit}-agreements`).fill('')
    await page.locator(`${edit}-topicsIn`).fill('fraud, malware')
    await page.locator('.edit-peer button', { hasText: 'Save permissions' }).click()
    await until(async () => (await (await a.client()).peer(b.peerId)).topicsIn.join(',') === 'fraud,malware', 10_000, 'topics saved')
    await page.locator('.edit-peer button', { hasText: 'Suspend' }).click()
    await page.locator('.edit-peer .peer-status').filter({ hasText: 'suspended' }).waitFor()
    expect(dialogs.filter(d => d.startsWith('Suspend ') && d.endsWith(`(${b.peerId})?`))).toHaveLength(1)
    expect((await (await a.client()).peer(b.peerId)).status).toBe('suspended')
    // Resumed the same way, then suspended again (what the rest of this file expects).
    await page.locator('.edit-peer button', { hasText: 'Resume' }).click()
    await page.locator('.edit-peer .peer-status').filter({ hasText: 'active' }).waitFor()
    expect(dialogs.filter(d => d.startsWith('Resume ') && d.endsWith(`(${b.peerId})?`))).toHaveLength(1)
    expect((await (await a.client()).peer(b.peerId)).status).toBe('active')
    await page.locator('.edit-peer button', { hasText: 'Suspend' }).click()
    await page.locator('.edit-peer .peer-status').filter({ hasText: 'suspended' }).waitFor()
  })

  it("the evaluation report page: the node's figures as tables and its SVG charts as images", async () => {
    await page.goto(a.runtime!.apiUrl + '/#/report')
    await page.getByLabel('peer', { exact: true }).check()
    await page.getByRole('button', { name: 'Compute report' }).click()
    await page.locator('#report-result').waitFor({ timeout: 60_000 })
    const cli = JSON.parse((await (await a.client()).report({ by: ['peer'], format: 'json', sign: false })).body) as {
      figures: Record<string, { rows: unknown[][] }>
    }
    const tables = await page.locator('#report-result table').count()
    expect(tables).toBe(Object.keys(cli.figures).length)
    const messages = await page.locator('#figure-messages tbody tr').allTextContents()
    expect(messages.length).toBe(cli.figures.messages.rows.length)
    expect(messages.join(' ')).toContain('b (')
    const charts = page.locator('#report-result figure.chart img')
    expect(await charts.count()).toBe(3)
    for (const img of await charts.all()) {
      expect(await img.getAttribute('src')).toMatch(/^data:image\/svg\+xml/)
      await expect.poll(async () =>
        await img.evaluate(e =>
          (e as unknown as { complete: boolean, naturalWidth: number }).complete && (e as unknown as { naturalWidth: number }).naturalWidth > 0
        )
      ).toBe(true)
    }
  })

  it('exports a bundle from the audit page', async () => {
    await page.goto(a.runtime!.apiUrl + '/#/audit')
    await page.locator('#export-bundle').click()
    const status = page.locator('[role=status]').filter({ hasText: 'Exported to' }).or(page.getByRole('alert'))
    await status.waitFor({ timeout: 60_000 })
    expect(await status.textContent()).toMatch(/^Exported to/)
    bundle = /Exported to (\S+):/.exec(await status.textContent() ?? '')?.[1] ?? ''
    expect(existsSync(join(bundle, 'manifest.json'))).toBe(true)
    // The same as one .zip archive (what an operator hands an auditor).
    await page.goto(a.runtime!.apiUrl + '/#/audit')
    await page.getByLabel('as one .zip archive').check()
    await page.locator('#export-bundle').click()
    const zipped = page.locator('[role=status]').filter({ hasText: /^Exported to \S+\.zip:/ }).or(page.getByRole('alert'))
    await zipped.waitFor({ timeout: 60_000 })
    archive = /Exported to (\S+\.zip):/.exec(await zipped.textContent() ?? '')?.[1] ?? ''
    expect(existsSync(archive)).toBe(true)
    expect(existsSync(archive.replace(/\.zip$/, ''))).toBe(false)
    await page.goto(a.runtime!.apiUrl + '/#/audit')
    await page.locator('#checkpoints tbody tr').first().waitFor()
  })

  it("the overview: peers by state, queues, the audit log's size and latest checkpoint, witness alerts, as A's API reports them", async () => {
    const view = await (await a.client()).call<{ size: number, checkpoints: Array<{ size: number }>, alerts: unknown[] }>('GET', '/v1/audit')
    const latest = view.checkpoints.at(-1)!
    await page.goto(a.runtime!.apiUrl + '/#/overview')
    const cards = page.locator('.cards')
    await cards.filter({ hasText: `latest checkpoint size ${latest.size} at` }).waitFor()
    const text = await cards.textContent() ?? ''
    expect(text).toContain('1 suspended or revoked')
    expect(text).toMatch(new RegExp(`\\d+ deliveries waiting, ${(await (await a.client()).call<unknown[]>('GET', '/v1/outbox')).length} delivery records`))
    expect(text).toContain(`${view.alerts.length} witness alerts`)
    expect(text).toMatch(/\d+ entries; latest checkpoint/)
  })

  it("the console's actions are in A's audit log as the CLI's are (the bundle's entries)", async () => {
    const entries = (await readFile(join(bundle, 'audit', 'entries.jsonl'), 'utf8')).trim().split('\n').map(l =>
      JSON.parse(l) as { action?: string, type?: string }
    )
    // Messages' entries name their event `type`, the trust list's and release decisions' an `action`.
    const actions = new Set(entries.map(e => e.action ?? e.type))
    for (const action of ['peer.added', 'peer.updated', 'message.sent', 'release.granted', 'peer.suspended', 'peer.resumed']) {
      expect(actions, action).toContain(action)
    }
  })

  it("after the export's checkpoint, the message view shows the leaf included, its proof checked in the browser", async () => {
    await page.goto(`${a.runtime!.apiUrl}/#/message/${stixDigest}`)
    await page.locator('#audit-position').filter({ hasText: 'included in checkpoint' }).waitFor()
    expect(await page.locator('#audit-position').textContent()).toMatch(/leaf \d+ \(message\.sent\): included in checkpoint \d+/)
  })

  it("every console page passes axe-core's WCAG 2.1 A/AA rules with no serious or critical violation, and works from the keyboard", async () => {
    const pages: Array<[string, string]> = [
      ['overview', '#health .ok'],
      ['peers', '#peers-table tbody tr'],
      ['inbox', '#messages'],
      ['outbox', '#deliveries tbody tr'],
      ['send', '#send-form'],
      ['releases', '#releases-all tbody tr'],
      ['queries', '#index-stats tbody tr'],
      ['taskforces', '#propose-form'],
      ['audit', '#checkpoints tbody tr'],
      [`message/${stixDigest}`, '#stix-objects'],
      ['report', '#report-form']
    ]
    const found: Record<string, unknown> = {}
    for (const [hash, ready] of pages) {
      await page.goto(`${a.runtime!.apiUrl}/#/${hash}`)
      await page.locator(ready).first().waitFor()
      if (hash === 'report') {
        await page.getByRole('button', { name: 'Compute report' }).click()
        await page.locator('#report-result').waitFor({ timeout: 60_000 })
      }
      const v = await seriousViolations(page)
      if (v.length > 0) found[hash] = v
    }
    expect(found).toEqual({})
    // Keyboard: a menu link opened with Enter, focus on the new page's heading (where a screen
    // reader continues), and the first Tab from the top is the skip link.
    for (const [name, hash] of [['Peers', 'peers'], ['Task forces', 'taskforces']]) {
      await page.getByRole('link', { name, exact: true }).focus()
      await page.keyboard.press('Enter')
      await page.waitForURL(new RegExp(`#/${hash}$`))
      await expect.poll(async () => await page.evaluate(() => (globalThis as unknown as InPage).document.activeElement?.id)).toBe('page-title')
      expect(await page.locator('#page-title').textContent()).toBe(name)
    }
    await page.evaluate(() => {
      const b = (globalThis as unknown as InPage).document.body
      b.tabIndex = -1
      b.focus()
      b.removeAttribute('tabindex')
    })
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => (globalThis as unknown as InPage).document.activeElement?.textContent)).toBe('Skip to content')
  })

  it('revokes a peer only once the confirmation is accepted', async () => {
    await page.goto(a.runtime!.apiUrl + '/#/peers')
    dismissNext = true
    await page.locator('.edit-peer button', { hasText: 'Revoke' }).click()
    await expect.poll(() => dialogs.filter(d => d.startsWith('Revoke ') && d.endsWith('Revocation cannot be undone.')).length).toBe(1)
    expect((await (await a.client()).peer(b.peerId)).status).toBe('suspended')
    await page.locator('.edit-peer button', { hasText: 'Revoke' }).click()
    await page.locator('.edit-peer .peer-status').filter({ hasText: 'revoked' }).waitFor()
    expect((await (await a.client()).peer(b.peerId)).status).toBe('revoked')
  })

  it("A's console, over every page visited so far, requested nothing but its own node's origin (no third party, no CDN)", () => {
    const origin = new URL(a.runtime!.apiUrl).origin
    expect(requests.length).toBeGreaterThan(0)
    expect(requests.filter(u => !u.startsWith('data:') && new URL(u).origin !== origin)).toEqual([])
  })

  /**
   * Open the self-contained auditor page from disk, pick `dir` (a folder, or a .zip archive),
   * return the page's report, the notes it shows, and every request made after load. The
   * progress bar is there while it works and full when it is done.
   */
  async function audit (dir: string): Promise<{ report: VerifyReport, notes: string[], requests: string[] }> {
    const p = await browser.newPage()
    try {
      await p.goto('file://' + join(ROOT, 'dist/web/auditor.html'))
      const requests: string[] = []
      p.on('request', r => {
        requests.push(r.url())
      })
      await p.locator(dir.endsWith('.zip') ? '#archive' : '#bundle').setInputFiles(dir)
      const bar = p.getByRole('progressbar', { name: 'Verification progress' })
      await bar.waitFor()
      await p.locator('#verdict').waitFor({ timeout: 120_000 })
      const report = await p.evaluate(() => (globalThis as unknown as { liaisonReport: VerifyReport }).liaisonReport)
      expect(await bar.evaluate(e => [(e as unknown as { value: number }).value, (e as unknown as { max: number }).max])).toEqual([1, 1])
      expect(await p.locator('#status').textContent()).toMatch(/^Done in \d+\.\d\d s\.$/)
      expect(await p.locator('#checks tbody tr').count()).toBe(5)
      if (!dir.endsWith('.zip')) expect(await seriousViolations(p)).toEqual([])
      const notes = (await p.locator('p.note').allTextContents()).map(n => n.replace(/^Note: /, ''))
      return { report, notes, requests }
    } finally {
      await p.close()
    }
  }

  const verdict = (r: VerifyReport): unknown => ({
    ok: r.ok,
    failures: r.failures,
    failureCount: r.failureCount,
    entries: r.entries,
    tree: r.tree,
    checkpoints: r.checkpoints,
    messages: r.messages,
    receipts: r.receipts,
    envelopes: r.envelopes,
    files: r.files
  })

  it("the auditor page verifies the bundle with the CLI's verdict and makes no request", async () => {
    const cli = await verifyBundle(bundle, { thorough: true })
    expect(cli.ok).toBe(true)
    const { report, notes, requests } = await audit(bundle)
    expect(requests).toEqual([])
    expect(verdict(report)).toEqual(verdict(cli))
    // Every signature: the page checks witness cosignatures too, as `audit verify --bundle --thorough`
    // does; B's, on the checkpoint the audit page had witnessed, is in the bundle.
    const witnessed = (r: VerifyReport): string | undefined => r.notes.find(n => /witness cosignatures? (verified|were not checked)/.test(n))
    expect(witnessed(cli)).toMatch(new RegExp(`^[1-9]\\d* witness cosignatures? verified on \\d+ checkpoints? \\(witnesses: ${b.peerId}\\)$`))
    expect(witnessed(report)).toBe(witnessed(cli))
    expect(notes).toContain(witnessed(cli))
    expect(report.messages.verified).toBeGreaterThan(0)
    expect(report.receipts.verified).toBeGreaterThan(0)
  })

  it('one flipped byte fails at the right place, as in the CLI', async () => {
    const tampered = join(root, 'tampered')
    await cp(bundle, tampered, { recursive: true })
    const [msg] = await (await a.client()).sent()
    const file = join(tampered, 'messages', msg.digest, 'envelope.json')
    const bytes = await readFile(file)
    const at = bytes.indexOf('"payload":"') + 20
    bytes[at] = bytes[at] === 0x41 ? 0x42 : 0x41
    await writeFile(file, bytes)
    const cli = await verifyBundle(tampered, { thorough: true })
    expect(cli.ok).toBe(false)
    const { report, requests } = await audit(tampered)
    expect(requests).toEqual([])
    expect(report.ok).toBe(false)
    expect(verdict({ ...report, source: '' })).toEqual(verdict({ ...cli, source: '' }))
    expect(report.failures).toContainEqual({
      check: 'bundle',
      where: `messages/${msg.digest}/envelope.json`,
      detail: 'differs from the SHA-256 manifest.json lists'
    })
    expect(report.failures.some(f => f.check === 'message' && f.where === `message ${msg.digest}`)).toBe(true)
  })

  it("a .zip archive of the bundle, good (the console's) and with one flipped byte: the page's verdicts are the CLI's on the same archives", async () => {
    const good = archive
    const bad = join(root, 'tampered.zip')
    await zipBundle(join(root, 'tampered'), bad)
    const [msg] = await (await a.client()).sent()
    for (const [zip, ok] of [[good, true], [bad, false]] as const) {
      const cli = await verifyBundle(zip, { thorough: true })
      expect(cli.ok).toBe(ok)
      const { report, requests } = await audit(zip)
      expect(requests).toEqual([])
      expect(verdict(report)).toEqual(verdict(cli))
      if (!ok) {
        expect(report.failures).toContainEqual({
          check: 'bundle',
          where: `messages/${msg.digest}/envelope.json`,
          detail: 'differs from the SHA-256 manifest.json lists'
        })
      }
    }
  })
})
