/**
 * `GET /v1/report` on the local API: the running node's report, computed from its own store up
 * to a checkpoint issued for the request (so it covers everything logged until then).
 * Parameters as the CLI's flags: `from`, `to`, `by` (repeatable or comma-separated),
 * `format` (json default, text, csv, html), `sign=true` (the DSSE envelope of the JSON report).
 * Kept as one `extra` handler so it plugs into any route table.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import type { AbstractLevel } from 'abstract-level'
import type { AuditLog } from '../audit/audit-log.ts'
import { NodeError } from '../errors.ts'
import type { Signer } from '../../protocol/types.ts'
import { computeReport, reportQuery } from './compute.ts'
import { renderReport } from './render.ts'
import { signReport } from './sign.ts'
import { levelSource } from './sources.ts'
import { REPORT_FORMATS, type ReportFormat } from './types.ts'

export const REPORT_PATH = '/v1/report'

export interface ReportRouteInit {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: AbstractLevel<any, string, any>
  audit: AuditLog
  signer: Signer
}

export function reportRoute (init: ReportRouteInit): (req: IncomingMessage, url: URL) => Promise<{ status: number, type: string, body: string } | undefined> {
  return async (req, url) => {
    if (url.pathname !== REPORT_PATH || req.method !== 'GET') return undefined
    const q = url.searchParams
    const format = (q.get('format') ?? 'json') as ReportFormat
    if (!(REPORT_FORMATS as readonly string[]).includes(format)) throw new NodeError('BAD_ARGUMENT', `format must be one of ${REPORT_FORMATS.join(', ')}`)
    const query = reportQuery({ from: q.get('from'), to: q.get('to'), by: q.getAll('by').flatMap(s => s.split(',')).filter(s => s !== '') })
    await init.audit.checkpoint()
    const source = await levelSource(init.db)
    const { report } = await computeReport(source, query)
    if (q.get('sign') === 'true') return { status: 200, type: 'application/json', body: Buffer.from(signReport(report, init.signer)).toString('utf8') }
    const { type, body } = await renderReport(report, format)
    return { status: 200, type, body }
  }
}
