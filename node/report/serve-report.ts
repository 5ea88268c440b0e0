/**
 * The running node's report, as the local API serves it (`GET /v1/report`, routes/report.ts):
 * computed from its own store up to a checkpoint issued for the request, so it covers
 * everything logged until then; rendered in the format asked for, or signed (the DSSE
 * envelope of the JSON report).
 *
 * @module
 */
import type { AbstractLevel } from 'abstract-level'
import type { AuditLog } from '../audit/audit-log.ts'
import type { Signer } from '../../protocol/types.ts'
import { computeReport, reportQuery } from './compute.ts'
import { renderReport } from './render.ts'
import { signReport } from './sign.ts'
import { levelSource } from './sources.ts'
import type { ReportFormat } from './types.ts'
import { readReportFile, verifyReport, type ReportVerdict } from './verify-report.ts'

export interface ReportRequest {
  from?: string
  to?: string
  by: string[]
  format: ReportFormat
  sign: boolean
}

export interface ReportComponents {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: AbstractLevel<any, string, any>
  audit: AuditLog
  signer: Signer
}

export async function reportOf (c: ReportComponents, input: ReportRequest): Promise<{ type: string, body: string }> {
  const query = reportQuery({ from: input.from, to: input.to, by: input.by })
  await c.audit.checkpoint()
  const { report } = await computeReport(await levelSource(c.db), query)
  if (input.sign) return { type: 'application/json', body: Buffer.from(signReport(report, c.signer)).toString('utf8') }
  return await renderReport(report, input.format)
}

/**
 * `report verify` on the running node (`POST /v1/report/verify`): the report file (JSON, signed
 * or HTML) recomputed from the node's own store at the checkpoint it names — the CLI cannot open
 * a data directory whose node holds it (LevelDB's lock), so it asks the node. Read-only: entries
 * 0 … size-1 never change, however much the log grew since.
 */
export async function verifyReportOf (c: Pick<ReportComponents, 'db'>, file: Uint8Array): Promise<ReportVerdict> {
  const size = readReportFile(file).report.checkpoint?.size
  const source = await levelSource(c.db, async () => {}, Number.isInteger(size) && size >= 0 ? size : undefined)
  try {
    return await verifyReport(file, source)
  } finally {
    await source.close()
  }
}
