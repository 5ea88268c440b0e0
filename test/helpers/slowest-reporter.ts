/**
 * A vitest reporter that prints, after the default reporter's summary, the slowest test files
 * of the run with their share of the total — so a CI log's tail (all one sees of a remote run)
 * says where the suite's time goes, and trimming the default suite starts from numbers.
 */
import type { Reporter, TestModule } from 'vitest/node'

const SHOWN = 25

export default class SlowestReporter implements Reporter {
  onTestRunEnd (modules: ReadonlyArray<TestModule>): void {
    const rows = modules.map(m => ({ file: m.relativeModuleId, project: m.project.name, ms: m.diagnostic().duration }))
    const total = rows.reduce((sum, r) => sum + r.ms, 0)
    if (rows.length < 2 || total === 0) return
    rows.sort((a, b) => b.ms - a.ms)
    const out = [`\nslowest test files (of ${rows.length}; tests and hooks, ${(total / 1000).toFixed(0)} s in all):`]
    for (const r of rows.slice(0, SHOWN)) {
      out.push(`  ${(r.ms / 1000).toFixed(1).padStart(7)} s  ${((100 * r.ms) / total).toFixed(1).padStart(5)} %  ${r.project.padEnd(5)} ${r.file}`)
    }
    process.stdout.write(out.join('\n') + '\n')
  }
}
