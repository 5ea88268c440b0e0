/**
 * Automated accessibility checks in the browser tests: axe-core (the engine behind Lighthouse's
 * and most CI accessibility checks) evaluated into the page through playwright (the DevTools
 * protocol, so the page's Content-Security-Policy needs no exception), then run on the whole
 * document against WCAG 2.1 A and AA rules: labels, names, keyboard reachability, contrast.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

export interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: string[]
}

/** The serious and critical WCAG 2.1 A/AA violations on `page` as it is now. */
export async function seriousViolations (page: Page): Promise<AxeViolation[]> {
  if (!await page.evaluate(() => 'axe' in globalThis)) await page.evaluate(AXE)
  const violations = await page.evaluate(async () => {
    // Runs in the page: its globals, typed here by hand (the tests compile without the DOM lib).
    const { axe, document } = globalThis as unknown as {
      document: unknown,
      axe: {
        run: (
          ctx: unknown,
          opts: unknown
        ) => Promise<{ violations: Array<{ id: string, impact: string | null, help: string, nodes: Array<{ target: unknown[] }> }> }>
      }
    }
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })
    return r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')) }))
  })
  return violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
}
