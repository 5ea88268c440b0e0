/**
 * The house rules `npm run check` enforces, also under `npm test`, because CI runs only the
 * tests: the tree is formatted as dprint formats it (dprint.json), and no line of a tracked
 * TypeScript file is longer than dprint's line width. dprint cannot break a long string or
 * comment, so the second check is not implied by the first; eslint's `max-len` (eslint.config.js)
 * says the same, counted the same way (code points, as ESLint counts them).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const DPRINT = join(ROOT, 'node_modules', '.bin', 'dprint')
const LINE_WIDTH: number = JSON.parse(readFileSync(join(ROOT, 'dprint.json'), 'utf8')).lineWidth

describe('house rules', () => {
  // Warm, dprint checks the tree in about a second; on a fresh clone it first compiles its wasm plugin into its cache (~6 s of CPU).
  it('the tree is formatted (fix with npx dprint fmt)', { timeout: 120_000 }, () => {
    const r = spawnSync(DPRINT, ['check', '--list-different'], { cwd: ROOT, encoding: 'utf8' })
    const unformatted = r.stdout.split('\n').filter(line => line !== '').map(path => relative(ROOT, path))
    expect(unformatted, 'files dprint would reformat').toEqual([])
    expect(r.status, `dprint check failed: ${r.error?.message ?? r.stderr}`).toBe(0)
  })

  it(`no line of a tracked .ts/.tsx file is longer than ${LINE_WIDTH} characters`, () => {
    const files = execFileSync('git', ['ls-files', '-z', '--', '*.ts', '*.tsx', '*.mts', '*.cts'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0').filter(f => f !== '')
    expect(files.length).toBeGreaterThan(100)
    const long: string[] = []
    for (const file of files) {
      let text: string
      try {
        text = readFileSync(join(ROOT, file), 'utf8')
      } catch {
        continue // tracked but deleted in the work tree
      }
      text.split(/\r?\n/).forEach((line, i) => {
        const length = Array.from(line).length
        if (length > LINE_WIDTH) long.push(`${file}:${i + 1} (${length})`)
      })
    }
    expect(long, `lines over ${LINE_WIDTH} characters`).toEqual([])
  })

  it('eslint max-len is the same limit', async () => {
    const { default: config } = await import(pathToFileURL(join(ROOT, 'eslint.config.js')).href) as { default: Array<{ rules?: Record<string, unknown> }> }
    const rules = config.map(c => c.rules?.['max-len']).filter(r => r != null)
    expect(rules).toEqual([['error', { code: LINE_WIDTH }]])
  })
})
