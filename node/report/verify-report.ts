/**
 * `report verify`: recompute a report from the log it names and say whether it matches. The
 * entries 0 … size-1 are read again from a data directory or a full audit bundle, their
 * RFC 9162 root recomputed and compared with the report's checkpoint root and with the signed
 * checkpoint of that size; then every figure is recomputed for the same query and compared
 * cell by cell. Only `generatedAt` may differ. A signed report's signature is checked first.
 *
 * @module
 */
import { jcs } from '../audit/entry.ts'
import { NodeError } from '../errors.ts'
import { computeReport, reportQuery } from './compute.ts'
import { openSignedReport } from './sign.ts'
import type { EntrySource } from './sources.ts'
import { REPORT_FORMAT, type Report, type ReportQuery } from './types.ts'

export interface ReportVerdict {
  ok: boolean
  signed: boolean
  signer: string | null
  checkpoint: { size: number, root: string, rootMatches: boolean, signedCheckpoint: boolean }
  /** What differs, e.g. `figures.messages.rows[2]`, `coverage`. */
  differences: string[]
}

/** Read a report file: JSON (`--format json`), a signed report (DSSE envelope) or an HTML report (it embeds its JSON). */
export function readReportFile (bytes: Uint8Array): { report: Report, envelope?: Uint8Array } {
  const text = new TextDecoder().decode(bytes)
  const html = /<script type="application\/json" id="liaison-report">([\s\S]*?)<\/script>/.exec(text)
  const json = html != null ? html[1].replaceAll('\\u003c', '<') : text
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch (err) {
    throw new NodeError('REPORT_INVALID', `not a report (JSON, signed JSON or HTML): ${(err as Error).message}`, { cause: err })
  }
  const v = value as { payloadType?: unknown, format?: unknown }
  if (typeof v?.payloadType === 'string') return { report: openSignedReport(bytes).report, envelope: bytes }
  if (v?.format !== REPORT_FORMAT) throw new NodeError('REPORT_INVALID', `not a ${REPORT_FORMAT} report`)
  return { report: value as Report }
}

/**
 * The report's query, checked as `liaison report` checks its flags (a query it could not have
 * been computed for is REPORT_INVALID, not a crash; one written differently is recomputed in its
 * normal form and then differs in `query`).
 */
function queryOf (report: Report): ReportQuery {
  const q = report.query as unknown as { from?: unknown, to?: unknown, by?: unknown } | null
  const text = (v: unknown): string | null => typeof v === 'string' ? v : null
  if (q == null || typeof q !== 'object' || !Array.isArray(q.by) || !q.by.every(d => typeof d === 'string')) {
    throw new NodeError('REPORT_INVALID', 'the report names no query (from, to, by)')
  }
  try {
    return reportQuery({ from: text(q.from), to: text(q.to), by: q.by as string[] })
  } catch (err) {
    throw new NodeError('REPORT_INVALID', `the report's query cannot be recomputed: ${(err as Error).message}`, { cause: err })
  }
}

export async function verifyReport (file: Uint8Array, source: EntrySource, opts: { joinLimit?: number } = {}): Promise<ReportVerdict> {
  const { report, envelope } = readReportFile(file)
  const signer = envelope != null ? openSignedReport(envelope).signer : null
  const differences: string[] = []
  if (report.node !== source.node) differences.push('node')
  const size = report.checkpoint?.size
  if (!Number.isInteger(size) || size < 0) throw new NodeError('REPORT_INVALID', 'the report names no checkpoint size')
  if (size !== source.checkpoint.size) {
    throw new NodeError(
      'REPORT_MISMATCH',
      `the report was computed at tree size ${size}; the source's checkpoint is at ${source.checkpoint.size} (open a source at that size)`
    )
  }
  const { report: again, root } = await computeReport(source, queryOf(report), { hashLeaves: true, ...opts })
  const rootMatches = root === report.checkpoint.root && (!source.signed || root === source.checkpoint.root)
  if (!rootMatches) differences.push('checkpoint.root')
  if (report.checkpoint.origin !== again.checkpoint.origin) differences.push('checkpoint.origin')
  for (const key of ['format', 'query', 'coverage', 'peers'] as const) {
    if (jcs(report[key]) !== jcs(again[key])) differences.push(key)
  }
  const ids = new Set([...Object.keys(report.figures ?? {}), ...Object.keys(again.figures)])
  for (const id of ids) {
    const a = report.figures?.[id]
    const b = again.figures[id]
    if (a == null || b == null) {
      differences.push(`figures.${id}`)
      continue
    }
    if (jcs(a.columns) !== jcs(b.columns) || a.keys !== b.keys || a.title !== b.title) differences.push(`figures.${id}.columns`)
    if (jcs(a.approximate ?? []) !== jcs(b.approximate ?? [])) differences.push(`figures.${id}.approximate`)
    const n = Math.max(a.rows?.length ?? 0, b.rows.length)
    for (let i = 0; i < n; i++) if (jcs(a.rows?.[i] ?? null) !== jcs(b.rows[i] ?? null)) differences.push(`figures.${id}.rows[${i}]`)
  }
  return {
    ok: differences.length === 0,
    signed: envelope != null,
    signer,
    checkpoint: { size, root: report.checkpoint.root, rootMatches, signedCheckpoint: source.signed },
    differences
  }
}
