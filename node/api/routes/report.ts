/**
 * Routes of the evaluation: the cooperation report (node/report/, docs/report.md) and feedback
 * on a received message (node/feedback/).
 *
 * @module
 */
import { z } from 'zod'
import { FEEDBACK_RATINGS } from '../../../protocol/feedback.ts'
import { REPORT_FORMATS, type Report } from '../../report/types.ts'
import { RawBody, defineRoute, type Route } from '../route.ts'
import { boolParam, digest, messageRef, named, peerId, uuid } from '../schemas.ts'

const REPORT_TYPES: Record<string, string> = { text: 'text/plain; charset=utf-8', csv: 'text/csv; charset=utf-8', html: 'text/html; charset=utf-8' }

/** The report's period and breakdown, as query parameters. */
const period = {
  from: z.string().describe('start of the period (RFC 3339 date or date-time)').optional(),
  to: z.string().describe('end of the period (RFC 3339 date or date-time)').optional(),
  by: z.union([z.string(), z.array(z.string())]).describe(
    'breakdown dimensions, repeatable or comma-separated: peer, topic, agreement, kind, tlp, week, month, taskforce'
  ).optional()
}

function periodOf (query: { from?: string, to?: string, by?: string | string[] }): { from?: string, to?: string, by: string[] } {
  const by = query.by == null ? [] : (Array.isArray(query.by) ? query.by : [query.by]).flatMap(s => s.split(',')).filter(s => s !== '')
  return { ...(query.from != null ? { from: query.from } : {}), ...(query.to != null ? { to: query.to } : {}), by }
}

/**
 * The charts of a report, rendered again only when the report changed (anything but its
 * `generatedAt`: same node, checkpoint, query and figures give the same charts); rendering
 * costs about 0.1–0.2 s, and an operator recomputing an unchanged report should not pay it.
 */
let lastCharts: { key: string, charts: Array<{ id: string, title: string, svg: string }> } | undefined
async function chartsOf (report: Report): Promise<Array<{ id: string, title: string, svg: string }>> {
  const key = JSON.stringify({ ...report, generatedAt: null })
  if (lastCharts?.key === key) return lastCharts.charts
  // Loaded on first use: vega is large and a node that never charts never loads it.
  const { chartSvgs } = await import('../../report/format-html.ts')
  const charts = await chartSvgs(report)
  lastCharts = { key, charts }
  return charts
}

const reportVerdict = named(
  'ReportVerdict',
  z.object({
    ok: z.boolean().describe('every figure, the query, the coverage and the checkpoint root match'),
    signed: z.boolean(),
    signer: peerId.nullable().describe('the signer of a signed report'),
    checkpoint: z.object({
      size: z.number().int(),
      root: z.string().describe('the root the report names (hex)'),
      rootMatches: z.boolean().describe('recomputed from the entries, and equal to the signed checkpoint of that size'),
      signedCheckpoint: z.boolean()
    }),
    differences: z.array(z.string()).describe('what differs, e.g. figures.messages.rows[2], checkpoint.root')
  })
)

export const reportRoutes: Route[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/report',
    operationId: 'report',
    summary: 'The cooperation report, computed from the audit log',
    description:
      'Issues a checkpoint, then computes the report over every entry up to it (docs/report.md explains each figure). `format=json` (default) answers the ' +
      'report object; text, csv and html answer that rendering; `sign=true` answers the DSSE envelope of the JSON report, signed by the node.',
    tags: ['report'],
    query: z.strictObject({
      ...period,
      format: z.enum(REPORT_FORMATS).describe('json (default), text, csv or html').optional(),
      sign: boolParam.describe('answer the DSSE envelope of the JSON report, signed by the node').optional()
    }),
    response: z.looseObject({}).describe('the report (docs/report.md), or with sign=true its DSSE envelope'),
    produces: Object.values(REPORT_TYPES),
    errors: [400, 409],
    handler: async ({ service, query }) => {
      const format = query.format ?? 'json'
      const { type, body } = await service.report({ ...periodOf(query), format, sign: query.sign === true })
      return type === 'application/json' ? JSON.parse(body) as unknown : new RawBody(type, body)
    }
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/report/charts',
    operationId: 'reportCharts',
    summary: 'The cooperation report (JSON) with its charts as SVG, for the console',
    description:
      'The report as GET /v1/report answers it, and the charts of the HTML report, each a self-contained SVG document (no script, no external reference) ' +
      'that the console shows as an image.',
    tags: ['report'],
    query: z.strictObject(period),
    response: z.object({
      report: z.looseObject({}).describe('the report (docs/report.md)'),
      charts: z.array(z.object({ id: z.string(), title: z.string(), svg: z.string().describe('image/svg+xml') }))
    }),
    errors: [400, 409],
    handler: async ({ service, query }) => {
      const { body } = await service.report({ ...periodOf(query), format: 'json', sign: false })
      const report = JSON.parse(body) as Report
      return { report, charts: await chartsOf(report) }
    }
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/report/verify',
    operationId: 'reportVerify',
    summary: "Recompute a cooperation report from this node's audit log and say whether it matches",
    description:
      '`liaison report verify` on a running node (its data directory is locked by the node). The body carries the report file as text — the JSON report, ' +
      'its DSSE envelope (the signature is checked first) or the HTML report (its embedded JSON) — which is recomputed from the entries 0 … size-1 of the ' +
      'checkpoint it names and compared cell by cell. Read-only. A mismatch is an answer (`ok: false`, `differences`), not an error.',
    tags: ['report'],
    body: z.strictObject({ report: z.string().min(1).describe("the report file's text (JSON, DSSE envelope or HTML)") }),
    response: reportVerdict,
    errors: [400, 404, 413, 422],
    handler: async ({ service, body }) => await service.verifyReport(body.report)
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/messages/{ref}/feedback',
    operationId: 'feedback',
    summary: 'Rate a received message to its originator',
    description: 'Sends the originator a signed feedback message (its own payload type, policy-checked like any message).',
    tags: ['report'],
    params: z.strictObject({ ref: messageRef }),
    body: z.strictObject({
      rating: z.enum(FEEDBACK_RATINGS),
      note: z.string().min(1).max(1000).optional()
    }),
    response: z.object({ id: uuid, digest, messageId: uuid, originator: peerId, rating: z.enum(FEEDBACK_RATINGS), status: z.literal('queued') }),
    errors: [400, 404, 409, 422],
    handler: async ({ service, params, body }) => await service.feedback(params.ref, body.rating, body.note)
  })
]
