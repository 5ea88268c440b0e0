/**
 * No import circles (issue 18 §2), type-only imports included: the same cruise `npm run check`
 * runs (dependency-cruiser with .dependency-cruiser.cjs), here so that CI, which runs the tests,
 * fails on a circle too. In process rather than through the CLI: ~3 s on an idle machine.
 */
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { cruise, type ICruiseResult } from 'dependency-cruiser'

const ROOTS = ['protocol', 'node', 'scripts', 'web', 'config', 'test']

describe('import graph', () => {
  it('has no circle, counting type-only imports', async () => {
    const config = createRequire(import.meta.url)('../../.dependency-cruiser.cjs')
    const result = await cruise(ROOTS, { ...config.options, ruleSet: { forbidden: config.forbidden }, validate: true })
    const output = result.output as ICruiseResult
    const circles = output.summary.violations
      .filter(v => v.rule.name === 'no-circular')
      .map(v => [v.from, ...(v.cycle ?? []).map(c => c.name)].join(' → '))
    expect(circles).toEqual([])
    // The cruise saw the tree (a wrong root or config would find nothing and pass).
    expect(output.summary.totalCruised).toBeGreaterThan(400)
  }, 120_000)
})
