/**
 * One audit verification in a child process, so that it can run under `node --cpu-prof` (which
 * profiles the main thread and every worker thread) without profiling the benchmark itself.
 *
 *     node --cpu-prof --cpu-prof-dir=DIR scripts/bench/verify-child.ts VERIFIER_MODULE DATA_DIR WORKERS
 *
 * Prints `{ ok, envelopes, ms, failures }` (the first few failures) as JSON.
 *
 * @module
 */
import { pathToFileURL } from 'node:url'

const [modulePath, dataDir, workers] = process.argv.slice(2)
const mod = await import(pathToFileURL(modulePath).href) as {
  verifyDataDir: (dir: string, opts: { workers: number }) => Promise<{ ok: boolean, envelopes: number, failures?: unknown[] }>
}
const started = performance.now()
const report = await mod.verifyDataDir(dataDir, { workers: Number(workers) })
process.stdout.write(
  JSON.stringify({ ok: report.ok, envelopes: report.envelopes, ms: performance.now() - started, failures: report.failures?.slice(0, 5) ?? [] }) + '\n'
)
