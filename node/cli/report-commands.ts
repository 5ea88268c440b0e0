/**
 * `liaison report …`: the cooperation report (node/report).
 *
 *   report [--from DATE] [--to DATE] [--by peer|topic|agreement|kind|tlp|week|month|taskforce]…
 *          [--format text|json|csv|html] [--out FILE] [--sign] [--bundle DIR] [--data-dir DIR]
 *   report verify REPORT [--data-dir DIR | --bundle DIR] [--json]
 *
 * On a running node the report comes through the local API (GET /v1/report); on a stopped one
 * it is computed from a private snapshot of the store; with --bundle from a full audit bundle.
 * `--sign` writes the DSSE envelope of the JSON report, signed with the node key.
 * `verify` exits 0 only if the recomputed report matches (error REPORT_MISMATCH otherwise).
 *
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises'
import { loadIdentity, readApiToken } from '../config/index.ts'
import { NodeError } from '../errors.ts'
import { bundleSource, computeReport, dataDirSource, renderReport, reportQuery, signReport, verifyReport } from '../report/index.ts'
import type { EntrySource, ReportFormat } from '../report/index.ts'
import { REPORT_FORMATS } from '../report/types.ts'
import { list, print, str } from './args.ts'
import type { Invocation } from './spec.ts'
import { readRuntime } from './context.ts'
import { ApiClient } from '../api/client.ts'

export async function reportCommand (p: Invocation): Promise<number> {
  if (p.sub === 'verify') return await verifyCommand(p)
  const given = p.values.format as string
  if (p.json && given !== 'text' && given !== 'json') throw new NodeError('BAD_ARGUMENT', `--json and --format ${given} ask for two formats; give one`)
  const format = (p.json ? 'json' : given) as ReportFormat
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) throw new NodeError('INTERNAL', `--format ${format} passed the parser`)
  const query = reportQuery({ from: str(p, 'from'), to: str(p, 'to'), by: list(p, 'by') })
  const sign = p.values.sign === true
  const bundle = str(p, 'bundle')
  let body: string
  const runtime = bundle == null ? await readRuntime(p.dataDir) : undefined
  if (runtime != null) {
    const client = new ApiClient(runtime.apiUrl, await readApiToken(p.dataDir))
    body = (await client.report({
      ...(query.from != null ? { from: query.from } : {}),
      ...(query.to != null ? { to: query.to } : {}),
      by: [...query.by],
      format,
      sign
    })).body
  } else {
    if (sign && bundle != null) throw new NodeError('BAD_ARGUMENT', '--sign needs the node key: use it with --data-dir, not --bundle')
    const source = bundle != null ? await bundleSource(bundle) : await dataDirSource(p.dataDir)
    try {
      const { report } = await computeReport(source, query)
      body = sign ? Buffer.from(signReport(report, (await loadIdentity(p.dataDir)).signer)).toString('utf8') : (await renderReport(report, format)).body
    } finally {
      await source.close()
    }
  }
  const out = str(p, 'out')
  if (out != null) await writeFile(out, body)
  else process.stdout.write(body)
  return 0
}

async function verifyCommand (p: Invocation): Promise<number> {
  const file = p.positionals[0]
  const bytes = await readFile(file)
  const bundle = str(p, 'bundle')
  let source: EntrySource
  // Read at the size the report names: the log has usually grown since it was computed.
  const { readReportFile } = await import('../report/verify-report.ts')
  const size = readReportFile(bytes).report.checkpoint?.size
  if (bundle != null) source = await bundleSource(bundle, size)
  else source = await dataDirSource(p.dataDir, Number.isInteger(size) ? size : undefined)
  let verdict
  try {
    verdict = await verifyReport(bytes, source)
  } finally {
    await source.close()
  }
  if (p.values.json === true) print(verdict)
  else {
    process.stdout.write(
      [
        `report: ${verdict.ok ? 'matches' : 'DOES NOT MATCH'} the log`,
        `checkpoint: size ${verdict.checkpoint.size} root ${verdict.checkpoint.root} ${
          verdict.checkpoint.rootMatches ? 'recomputed from the entries' : 'DIFFERS from the entries'
        }${verdict.checkpoint.signedCheckpoint ? ', signed by the node' : ''}`,
        `signature: ${verdict.signed ? `valid, by ${verdict.signer ?? '?'}` : 'none (unsigned report)'}`,
        ...verdict.differences.map(d => `differs: ${d}`)
      ].join('\n') + '\n'
    )
  }
  if (!verdict.ok) {
    throw new NodeError(
      'REPORT_MISMATCH',
      `the report differs from the log in ${verdict.differences.length} place(s): ${verdict.differences.slice(0, 5).join(', ')}`
    )
  }
  return 0
}
