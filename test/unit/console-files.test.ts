/**
 * The console's static files as the API listener serves them (api/console-routes.ts consoleFiles):
 * `/` is the console with the strict policy, the auditor's page at /auditor.html with its own
 * hash-pinned policy from csp.json (issue 21: the page is also served, not only opened from disk),
 * nothing outside the folder, no method but GET and HEAD, and a clear 503 when the console is not built.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IncomingMessage } from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CONSOLE_CSP, consoleFiles } from '../../node/api/console-routes.ts'

const AUDITOR_CSP = "default-src 'none'; script-src 'sha256-abc='; style-src 'sha256-def='; img-src data:; form-action 'none'; base-uri 'none'"
const req = (method: string): IncomingMessage => ({ method }) as IncomingMessage
const at = (path: string): URL => new URL(path, 'http://127.0.0.1:1')

describe('console files', () => {
  let dir: string
  let empty: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'liaison-console-'))
    empty = await mkdtemp(join(tmpdir(), 'liaison-console-empty-'))
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>console</title>')
    await writeFile(join(dir, 'auditor.html'), '<!doctype html><title>auditor</title>')
    await writeFile(join(dir, 'console.js'), 'void 0')
    await writeFile(join(dir, 'csp.json'), JSON.stringify({ 'auditor.html': AUDITOR_CSP }))
    await writeFile(join(tmpdir(), 'liaison-console-outside.html'), 'outside')
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
    await rm(empty, { recursive: true, force: true })
    await rm(join(tmpdir(), 'liaison-console-outside.html'), { force: true })
  })

  it('serves / as the console under the strict policy, no referrer, no caching', async () => {
    const r = await consoleFiles(dir)(req('GET'), at('/'))
    expect(r?.status).toBe(200)
    expect(String(r?.body)).toContain('console')
    expect(r?.headers['content-security-policy']).toBe(CONSOLE_CSP)
    expect(CONSOLE_CSP).toMatch(/^default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';/)
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'")
    expect(r?.headers).toMatchObject({ 'referrer-policy': 'no-referrer', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
    expect((await consoleFiles(dir)(req('GET'), at('/console.js')))?.headers['content-type']).toBe('text/javascript; charset=utf-8')
  })

  it("serves the auditor's page with its own policy from csp.json", async () => {
    const r = await consoleFiles(dir)(req('GET'), at('/auditor.html'))
    expect(r?.status).toBe(200)
    expect(String(r?.body)).toContain('auditor')
    expect(r?.headers['content-security-policy']).toBe(AUDITOR_CSP)
  })

  it('serves nothing outside its folder, nothing but html/js/css, and only to GET and HEAD', async () => {
    const files = consoleFiles(dir)
    expect(await files(req('GET'), at('/../liaison-console-outside.html'))).toBeUndefined()
    expect(await files(req('GET'), at('/%2e%2e/liaison-console-outside.html'))).toBeUndefined()
    expect(await files(req('GET'), at('/csp.json'))).toBeUndefined()
    expect(await files(req('GET'), at('/missing.js'))).toBeUndefined()
    expect(await files(req('POST'), at('/'))).toBeUndefined()
    expect((await files(req('HEAD'), at('/')))?.status).toBe(200)
  })

  it('says the console is not built when it is not', async () => {
    const r = await consoleFiles(empty)(req('GET'), at('/'))
    expect(r?.status).toBe(503)
    expect(String(r?.body)).toContain('npm run build')
  })
})
