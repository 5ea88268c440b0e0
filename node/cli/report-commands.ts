/**
 * `liaison report …`: the cooperation report (node/report).
 *
 *   report [--from DATE] [--to DATE] [--by peer|topic|agreement|kind|tlp|week|month|taskforce]…
 *          [--format text|json|csv|html] [--out FILE] [--sign] [--bundle DIR] [--data-dir DIR]
 *   report verify REPORT [--data-dir DIR | --bundle DIR] [--json]
 *
 * `verify` on a running node's data directory asks that node (POST /v1/report/verify): its store
 * is locked while it runs. The output says who recomputed it (`via`: api, data-dir, bundle).
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
import type { ReportFormat, ReportVerdict } from '../report/index.ts'
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
  // Read at the size the report names: the log has usually grown since it was computed.
  const { readReportFile } = await import('../report/verify-report.ts')
  const read = readReportFile(bytes)
  const size = read.report.checkpoint?.size
  let verdict: ReportVerdict
  let via: 'api' | 'data-dir' | 'bundle'
  // A running node holds its store (LevelDB's lock): it recomputes the report itself, through its API.
  const runtime = bundle == null ? await readRuntime(p.dataDir) : undefined
  if (runtime != null) {
    const client = new ApiClient(runtime.apiUrl, await readApiToken(p.dataDir))
    // An HTML report is sent as the JSON it embeds (its charts are not verified, and would only weigh on the request).
    const text = read.envelope != null || !isHtml(bytes) ? bytes.toString('utf8') : JSON.stringify(read.report)
    verdict = await client.verifyReport(text)
    via = 'api'
  } else {
    const source = bundle != null ? await bundleSource(bundle, size) : await dataDirSource(p.dataDir, Number.isInteger(size) ? size : undefined)
    try {
      verdict = await verifyReport(bytes, source)
    } finally {
      await source.close()
    }
    via = bundle != null ? 'bundle' : 'data-dir'
  }
  if (p.values.json === true) print({ ...verdict, via })
  else {
    process.stdout.write(
      [
        `report: ${verdict.ok ? 'matches' : 'DOES NOT MATCH'} the log`,
        `recomputed by: ${
          via === 'api'
            ? `the node running on ${p.dataDir} (pid ${runtime?.pid ?? '?'}), through its local API`
            : via === 'bundle'
            ? `this command, from the bundle ${bundle ?? ''}`
            : `this command, from a snapshot of ${p.dataDir}`
        }`,
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

function isHtml (bytes: Uint8Array): boolean {
  return /^\s*<(!doctype|html)/i.test(new TextDecoder().decode(bytes.subarray(0, 256)))
}
