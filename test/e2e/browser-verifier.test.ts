/**
 * The auditor page's signature verifier, in the browser: the protocol code bundled exactly as
 * scripts/build-web.ts bundles it for the auditor's page (node:crypto replaced by
 * web/shims/node-crypto.ts), run in Debian's chromium on every Wycheproof and speccheck case.
 * Its verdicts must be node:crypto's (test/unit/ed25519-vectors.test.ts pins those): Wycheproof's
 * valid cases exactly, speccheck case 3 only (not noble's ZIP-215 or cofactored verdicts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { chromium } from 'playwright-core'
import type { Browser, Page } from 'playwright-core'
import { bundle } from '../../scripts/build-web.ts'
import { opensslVerify } from '../../protocol/ed25519.ts'

const CHROMIUM = '/usr/bin/chromium'
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run'
]
const readJson = (path: string): unknown => JSON.parse(readFileSync(new URL(`../vectors/${path}`, import.meta.url), 'utf8'))
interface Case {
  pk: string
  msg: string
  sig: string
}

describe.skipIf(!existsSync(CHROMIUM))("the browser Ed25519 verifier has node:crypto's verdicts", () => {
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    // The very path check-bundle.ts takes: a VerifyKey from the key, then fastVerify.
    const probe = await bundle({
      contents: `import { fastVerify, fastVerifierName } from './protocol/ed25519-fast.ts'
import { verifyKeyFromPublicKey } from './protocol/keys.ts'
const hex = (s) => Uint8Array.from(s.match(/../g) ?? [], b => parseInt(b, 16))
globalThis.verifyCases = (cases) => cases.map(c => {
  let key
  try { key = verifyKeyFromPublicKey(hex(c.pk)) } catch { return false }
  return fastVerify(key, hex(c.msg), hex(c.sig))
})
globalThis.verifierName = fastVerifierName()`
    })
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
    page = await browser.newPage()
    await page.setContent('<!doctype html><title>verifier</title>')
    await page.addScriptTag({ content: probe })
  })

  afterAll(async () => {
    await browser?.close()
  })

  const run = async (cases: Case[]): Promise<boolean[]> =>
    await page.evaluate((c) => (globalThis as unknown as { verifyCases: (c: Case[]) => boolean[] }).verifyCases(c), cases)
  const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))
  const node = (c: Case): boolean => c.pk.length === 64 ? opensslVerify(hex(c.pk), hex(c.msg), hex(c.sig)) : false

  it('runs without libsodium (nothing native in a browser)', async () => {
    expect(await page.evaluate(() => (globalThis as unknown as { verifierName: string }).verifierName)).toMatch(/libsodium did not load/)
  })

  it('accepts exactly the valid Wycheproof cases, as node:crypto', async () => {
    const file = readJson('wycheproof/ed25519_test.json') as {
      testGroups: Array<{ publicKey: { pk: string }, tests: Array<{ tcId: number, msg: string, sig: string, result: string }> }>
    }
    const cases = file.testGroups.flatMap(g => g.tests.map(t => ({ pk: g.publicKey.pk, msg: t.msg, sig: t.sig, tcId: t.tcId, valid: t.result === 'valid' })))
    expect(cases).toHaveLength(151)
    const verdicts = await run(cases)
    expect(cases.filter((c, i) => verdicts[i] !== c.valid).map(c => c.tcId)).toEqual([])
    expect(cases.filter((c, i) => verdicts[i] !== node(c)).map(c => c.tcId)).toEqual([])
  })

  it('accepts only speccheck case 3, as node:crypto', async () => {
    const cases = (readJson('speccheck/cases.json') as Array<{ message: string, pub_key: string, signature: string }>).map(c => ({
      pk: c.pub_key,
      msg: c.message,
      sig: c.signature
    }))
    const verdicts = await run(cases)
    expect(verdicts.flatMap((v, i) => v ? [i] : [])).toEqual([3])
    expect(verdicts).toEqual(cases.map(node))
  })
})
