/**
 * `npm run screenshots`: pictures of every console page and the auditor's page for the docs
 * (docs/screenshots/*.png), taken in Debian's chromium from two real nodes in a temp directory
 * that exchange an AMBER report and a STIX bundle, and a hit/no-hit query of A to B's index
 * followed up (B's console shows the follow-up waiting), and a task force A proposes (B's console
 * shows it awaiting B's signature); A's console checks the card of a third agency (not started)
 * before adding it, and asks B to witness its checkpoint before the bundle is exported.
 * Everything it starts is stopped, the temp directory removed.
 *
 *     node scripts/screenshots.ts [--out docs/screenshots]
 *
 * @module
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'
import { ApiClient } from '../node/api/client.ts'
import { buildWeb } from './build-web.ts'
import { NodeProcess, cli, freePort, tempDir } from './node-driver.ts'

const ROOT = resolve(new URL('..', import.meta.url).pathname)
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run'
]
const { values } = parseArgs({ options: { out: { type: 'string', default: join(ROOT, 'docs', 'screenshots') } } })
const out = resolve(values.out as string)

async function makeNode (root: string, name: string): Promise<{ node: NodeProcess, peerId: string, address: string }> {
  const dir = join(root, name.toLowerCase().replace(/\W+/g, '-'))
  const port = await freePort()
  const res = await cli(['init', '--data-dir', dir, '--name', name, '--listen', `/ip4/127.0.0.1/tcp/${port}`])
  if (res.code !== 0) throw new Error(res.stderr)
  const peerId = res.stdout.trim()
  return { node: new NodeProcess(name, dir), peerId, address: `/ip4/127.0.0.1/tcp/${port}/p2p/${peerId}` }
}

await buildWeb(ROOT)
await mkdir(out, { recursive: true })
const root = await tempDir('liaison-screenshots-')
const nodes: NodeProcess[] = []
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS })
try {
  const a = await makeNode(root, 'Agency A')
  const b = await makeNode(root, 'Agency B')
  // Agency C only hands A its card (the peers page checks it before adding it).
  const c = await makeNode(root, 'Agency C')
  const cardC = await cli(['card', 'export', '--data-dir', c.node.dir])
  if (cardC.code !== 0) throw new Error(cardC.stderr)
  for (const [x, y] of [[a, b], [b, a]]) {
    const r = await cli([
      'peers',
      'add',
      '--data-dir',
      x.node.dir,
      '--peer-id',
      y.peerId,
      '--name',
      y.node.name,
      '--address',
      y.address,
      '--agreement',
      'EU-2024-17:2020-01-01:2099-12-31',
      '--max-tlp-out',
      'AMBER',
      '--max-tlp-in',
      'AMBER',
      '--topics-out',
      'fraud,malware,query-follow-up',
      '--topics-in',
      'fraud,malware,query-follow-up'
    ])
    if (r.code !== 0) throw new Error(r.stderr)
  }
  // B lets A ask about e-mail addresses, and indexes a few.
  const grant = await cli([
    'peers',
    'update',
    a.peerId,
    '--data-dir',
    b.node.dir,
    '--query-types',
    'email,phone',
    '--query-quota',
    '100/day',
    '--query-max',
    '20'
  ])
  if (grant.code !== 0) throw new Error(grant.stderr)
  await writeFile(join(root, 'emails.csv'), 'selector,ref\nlead@example.org,CASE-7/E-1\nmule@example.net,CASE-7/E-2\ncourier@example.com,CASE-9/E-1\n')
  const indexed = await cli(['index', 'add', '--data-dir', b.node.dir, '--type', 'email', '--file', join(root, 'emails.csv')])
  if (indexed.code !== 0) throw new Error(indexed.stderr)
  nodes.push(a.node, b.node)
  const [ra, rb] = await Promise.all([a.node.start(), b.node.start()])
  const token = (await readFile(join(a.node.dir, 'api-token'), 'utf8')).trim()
  const ca = new ApiClient(ra.apiUrl, token)
  const sent = await ca.send({
    to: [b.peerId],
    kind: 'report',
    tlp: 'AMBER',
    topic: 'fraud',
    legalBasis: 'EU-2024-17',
    body: { case: 'K-21', summary: 'Mule accounts used in invoice fraud', accounts: 3 }
  }, { wait: true })
  const stix = JSON.parse(await readFile(join(ROOT, 'test/fixtures/stix-message.json'), 'utf8')) as { body: { objects: unknown[] } }
  const identity = {
    type: 'identity',
    spec_version: '2.1',
    id: 'identity--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061',
    created: '2026-01-15T09:00:00.000Z',
    modified: '2026-01-16T09:00:00.000Z',
    name: 'Agency A fraud desk',
    identity_class: 'organization'
  }
  const stixSent = await ca.send({
    to: [b.peerId],
    kind: 'report',
    tlp: 'AMBER',
    topic: 'malware',
    legalBasis: 'EU-2024-17',
    body: { ...stix.body, objects: [...stix.body.objects, identity] }
  }, { wait: true })
  const page = await browser.newPage({ viewport: { width: 1366, height: 860 } })
  await page.goto(ra.apiUrl + '/')
  await page.screenshot({ path: join(out, 'login.png') })
  await page.getByLabel('API token').fill(token)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.locator('#health').waitFor()
  const shots: Array<[string, string]> = [
    ['overview', '#/overview'],
    ['peers', '#/peers'],
    ['inbox', '#/inbox'],
    ['outbox', '#/outbox'],
    ['send', '#/send'],
    ['releases', '#/releases'],
    ['message', `#/message/${sent.digest}`],
    ['message-stix', `#/message/${stixSent.digest}`]
  ]
  for (const [name, hash] of shots) {
    await page.goto(`${ra.apiUrl}/${hash}`)
    await page.waitForLoadState('networkidle')
    await page.waitForTimeout(300)
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: name.startsWith('message') })
  }
  await page.goto(`${ra.apiUrl}/#/peers`)
  await page.locator('#card').fill(cardC.stdout)
  await page.getByRole('button', { name: 'Check the card' }).click()
  await page.locator('#card-preview').waitFor()
  await page.locator('#add-peer').scrollIntoViewIfNeeded()
  await page.screenshot({ path: join(out, 'peers-card.png'), fullPage: true })
  // Hit/no-hit: A asks B about three addresses, one a hit, and follows it up.
  await page.goto(`${ra.apiUrl}/#/queries`)
  await page.locator('#index-stats tbody tr').first().waitFor()
  await page.getByLabel('Peer', { exact: true }).selectOption(b.peerId)
  await page.getByLabel('Selector type').selectOption('email')
  await page.getByLabel('Selectors, one per line').fill('Lead@Example.org\nnobody@example.com\nunknown@example.net')
  await page.getByLabel('Legal basis (agreement ID)').fill('EU-2024-17')
  await page.getByLabel('Purpose', { exact: true }).fill('case K-21: mule network')
  await page.getByRole('button', { name: 'Run query' }).click()
  await page.locator('#query-results tbody tr').first().waitFor({ timeout: 60_000 })
  await page.getByLabel('Reason for asking for the record').fill('confirmed lead in case K-21, request subscriber data')
  page.once('dialog', d => {
    void d.accept()
  })
  await page.getByRole('button', { name: 'Send follow-up' }).click()
  await page.locator('#queries [role=status]').filter({ hasText: /^Follow-up / }).waitFor({ timeout: 60_000 })
  await page.screenshot({ path: join(out, 'queries.png'), fullPage: true })
  // The evaluation report with its charts.
  await page.goto(`${ra.apiUrl}/#/report`)
  await page.getByLabel('peer', { exact: true }).check()
  await page.getByRole('button', { name: 'Compute report' }).click()
  await page.locator('#report-result').waitFor({ timeout: 120_000 })
  await page.waitForTimeout(300)
  await page.screenshot({ path: join(out, 'report.png'), fullPage: true })
  // B's console: the follow-up waiting for a decision.
  const tokenB = (await readFile(join(b.node.dir, 'api-token'), 'utf8')).trim()
  const pb = await browser.newPage({ viewport: { width: 1366, height: 860 } })
  await pb.goto(rb.apiUrl + '/')
  await pb.getByLabel('API token').fill(tokenB)
  await pb.getByRole('button', { name: 'Log in' }).click()
  await pb.locator('#health').waitFor()
  await pb.goto(`${rb.apiUrl}/#/queries`)
  await pb.locator('#pending-follow-ups tbody tr').filter({ hasText: 'CASE-7/E-1' }).waitFor({ timeout: 60_000 })
  await pb.getByRole('heading', { name: 'Follow-ups waiting for your decision' }).scrollIntoViewIfNeeded()
  await pb.screenshot({ path: join(out, 'queries-pending.png'), fullPage: false })
  // A task force A proposes: B's console lists it awaiting B's signature, and shows its charter.
  const proposed = await ca.call<{ id: string }>('POST', '/v1/taskforces', {
    name: 'JIT Rhine',
    purpose: 'Joint investigation of the invoice-fraud ring of case K-21',
    legalBasis: 'EU-2024-17',
    members: [b.peerId],
    topics: ['fraud', 'malware'],
    maxTlp: 'AMBER',
    handling: ['no-judicial-use-without-consent'],
    validUntil: new Date(Date.now() + 180 * 86_400_000).toISOString(),
    quorum: 2
  })
  await pb.goto(`${rb.apiUrl}/#/taskforces`)
  await pb.locator('#taskforces-table tbody tr').filter({ hasText: 'awaited' }).waitFor({ timeout: 60_000 })
  await pb.screenshot({ path: join(out, 'taskforces.png'), fullPage: false })
  await pb.goto(`${rb.apiUrl}/#/taskforce/${proposed.id}`)
  await pb.locator('#tf-awaiting').waitFor({ timeout: 60_000 })
  await pb.screenshot({ path: join(out, 'taskforce.png'), fullPage: true })
  await page.goto(`${ra.apiUrl}/#/audit`)
  await page.locator('#checkpoints tbody tr').first().waitFor()
  await page.getByRole('button', { name: 'Ask the peers to witness the latest checkpoint' }).click()
  await page.locator('#witness-outcomes tbody tr').first().waitFor({ timeout: 60_000 })
  await page.screenshot({ path: join(out, 'audit.png'), fullPage: false })
  await page.locator('#export-bundle').click()
  const status = page.locator('[role=status]').filter({ hasText: 'Exported to' })
  await status.waitFor({ timeout: 60_000 })
  const bundle = /Exported to (.+?): \d+ messages/.exec(await status.textContent() ?? '')?.[1] as string
  const auditor = await browser.newPage({ viewport: { width: 1366, height: 860 } })
  await auditor.goto('file://' + join(ROOT, 'dist/web/auditor.html'))
  await auditor.locator('#bundle').setInputFiles(bundle)
  await auditor.locator('#verdict').waitFor({ timeout: 120_000 })
  await auditor.screenshot({ path: join(out, 'auditor.png'), fullPage: true })
  process.stdout.write(`screenshots in ${out}\n`)
} finally {
  await browser.close()
  await Promise.all(nodes.map(async n => {
    await n.stop()
  }))
  await rm(root, { recursive: true, force: true })
}
