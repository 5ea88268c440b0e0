/**
 * Build the web console and the auditor's page (web/) with esbuild into dist/web/:
 *
 *   dist/web/console/index.html, console.js, console.css   served by the node at /
 *   dist/web/console/auditor.html                          the auditor's page, also served
 *   dist/web/auditor.html                                  the same page, ONE self-contained
 *                                                          file an auditor opens from disk
 *   dist/web/console/csp.json                              per-file Content-Security-Policy
 *
 * Everything is bundled (Preact, the protocol layer, @noble/*); nothing is fetched at run time.
 * The auditor's page bundles node/audit/bundle/check-bundle.ts, the code behind `liaison audit
 * verify --bundle`, with node:crypto and node:module replaced by web/shims/ and Buffer from the
 * `buffer` package. Its inline script and style are allowed by hash, nothing else is: its CSP
 * is `default-src 'none'`, so it cannot make a request.
 *
 *     node scripts/build-web.ts
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'

const ROOT = resolve(new URL('..', import.meta.url).pathname)

function cspHash (text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`
}

/**
 * Bundle `entry` (a path under `root`, or `{ contents }`: code resolved from `root`) for the
 * browser, with the node:crypto and node:module shims and Buffer. Tests bundle probes with it.
 */
export async function bundle (entry: string | { contents: string }, root = ROOT, minify = true): Promise<string> {
  const result = await build({
    ...(typeof entry === 'string' ? { entryPoints: [join(root, entry)] } : { stdin: { contents: entry.contents, resolveDir: root, loader: 'ts' } }),
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify,
    legalComments: 'inline',
    alias: { 'node:crypto': join(root, 'web/shims/node-crypto.ts'), 'node:module': join(root, 'web/shims/node-module.ts') },
    inject: [join(root, 'web/shims/buffer.ts')],
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'error'
  })
  return result.outputFiles[0].text
}

export interface WebBuild {
  files: string[]
  ms: number
}

export async function buildWeb (root = ROOT, out = join(root, 'dist', 'web')): Promise<WebBuild> {
  const started = performance.now()
  const consoleOut = join(out, 'console')
  mkdirSync(consoleOut, { recursive: true })
  const files: string[] = []
  const put = (path: string, text: string): void => {
    writeFileSync(path, text)
    files.push(path)
  }

  // The auditor's page: one file, script and style inline, allowed by hash only.
  // `</script` cannot occur in the inlined bundle (escaped) or the page would end early.
  const js = (await bundle('web/auditor/main.ts', root, true)).replace(/<\/script/gi, '<\\/script')
  const css = readFileSync(join(root, 'web/auditor/auditor.css'), 'utf8')
  const csp = `default-src 'none'; script-src ${cspHash(js)}; style-src ${cspHash(css)}; img-src data:; form-action 'none'; base-uri 'none'`
  const page = readFileSync(join(root, 'web/auditor/auditor.html'), 'utf8')
    .replace('__CSP__', () => csp).replace('__CSS__', () => css).replace('__JS__', () => js)
  put(join(out, 'auditor.html'), page)
  put(join(consoleOut, 'auditor.html'), page)

  put(join(consoleOut, 'console.js'), await bundle('web/console/main.ts', root, true))
  put(join(consoleOut, 'console.css'), readFileSync(join(root, 'web/console/console.css'), 'utf8'))
  put(join(consoleOut, 'index.html'), readFileSync(join(root, 'web/console/index.html'), 'utf8'))
  // The served auditor page gets the same policy as a header (a header CSP for the console would
  // otherwise forbid its inline script).
  put(join(consoleOut, 'csp.json'), JSON.stringify({ 'auditor.html': csp }) + '\n')
  return { files, ms: performance.now() - started }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const r = await buildWeb()
  process.stdout.write(`built dist/web/: ${r.files.length} files in ${(r.ms / 1000).toFixed(1)} s\n`)
}
