/**
 * `npm run screenshots`: pictures of every console page and the auditor's page for the docs
 * (docs/screenshots/*.png), taken in Debian's chromium from two real nodes in a temp directory
 * that exchange one AMBER report. Everything it starts is stopped, the temp directory removed.
 *
 *     node scripts/screenshots.ts [--out docs/screenshots]
 *
 * @module
 */
import { mkdir, readFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'
import { ApiClient } from '../node/api/client.ts'
import { buildWeb } from './build-web.ts'
import { NodeProcess, cli, freePort, tempDir } from './node-driver.ts'

const ROOT = resolve(new URL('..', import.meta.url).pathname)
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
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
  for (const [x, y] of [[a, b], [b, a]]) {
    const r = await cli(['peers', 'add', '--data-dir', x.node.dir, '--peer-id', y.peerId, '--name', y.node.name, '--address', y.address, '--agreement', 'EU-2024-17:2020-01-01:2099-12-31', '--max-tlp-out', 'AMBER', '--max-tlp-in', 'AMBER', '--topics-out', 'fraud', '--topics-in', 'fraud'])
    if (r.code !== 0) throw new Error(r.stderr)
  }
  nodes.push(a.node, b.node)
  const [ra] = await Promise.all([a.node.start(), b.node.start()])
  const token = (await readFile(join(a.node.dir, 'api-token'), 'utf8')).trim()
  const ca = new ApiClient(ra.apiUrl, token)
  const sent = await ca.send({ to: [b.peerId], kind: 'report', tlp: 'AMBER', topic: 'fraud', legalBasis: 'EU-2024-17', body: { case: 'K-21', summary: 'Mule accounts used in invoice fraud', accounts: 3 } }, { wait: true })
  const page = await browser.newPage({ viewport: { width: 1366, height: 860 } })
  await page.goto(ra.apiUrl + '/')
  await page.screenshot({ path: join(out, 'login.png') })
  await page.getByLabel('API token').fill(token)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.locator('#health').waitFor()
  const shots: Array<[string, string]> = [['overview', '#/overview'], ['peers', '#/peers'], ['inbox', '#/inbox'], ['outbox', '#/outbox'], ['send', '#/send'], ['releases', '#/releases'], ['audit', '#/audit'], ['message', `#/message/${sent.digest}`]]
  for (const [name, hash] of shots) {
    await page.goto(`${ra.apiUrl}/${hash}`)
    await page.waitForLoadState('networkidle')
    await page.waitForTimeout(300)
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: false })
  }
  await page.goto(`${ra.apiUrl}/#/audit`)
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
  await Promise.all(nodes.map(async n => { await n.stop() }))
  await rm(root, { recursive: true, force: true })
}
