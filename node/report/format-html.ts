/**
 * The HTML report: one self-contained file (inline CSS, charts as inline SVG rendered here by
 * Vega-Lite → Vega in Node, no script, no font, no image fetched), readable on screen and
 * printed to PDF (each figure avoids page breaks). The report's JSON is embedded
 * (`<script type="application/json" id="liaison-report">`, data only) so `report verify`
 * accepts the HTML file itself.
 *
 * Charts: messages over time per partner, rejections by reason code, the delivery-time
 * distribution; every figure's table beside them.
 *
 * @module
 */
import * as vega from 'vega'
import * as vegaLite from 'vega-lite'
import { DELIVERY_BUCKETS_MS } from './figures.ts'
import { cellText, reportHeader } from './format-text.ts'
import type { FigureTable, Report } from './types.ts'

const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14 }
}

async function svg (spec: vegaLite.TopLevelSpec): Promise<string> {
  const compiled = vegaLite.compile({ config: CONFIG, ...spec } as vegaLite.TopLevelSpec).spec
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

const esc = (s: string): string => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')

function peerLabel (r: Report, id: string): string {
  return r.peers[id] != null ? r.peers[id] : id.length > 16 ? id.slice(0, 14) + '…' : id
}

function rowsOf (t: FigureTable | undefined): Array<Record<string, unknown>> {
  if (t == null) return []
  return t.rows.map(row => Object.fromEntries(t.columns.map((c, i) => [c, row[i]])))
}

/** The chart specs of a report (exported for tests and docs). */
export function chartSpecs (r: Report): Array<{ id: string, title: string, spec: vegaLite.TopLevelSpec }> {
  const timeline = rowsOf(r.figures.timeline)
  const period = r.figures.timeline?.columns[0] ?? 'week'
  const series = timeline.flatMap(row => [
    { period: row[period], partner: peerLabel(r, String(row.peer)), direction: 'sent', messages: row.sent },
    { period: row[period], partner: peerLabel(r, String(row.peer)), direction: 'received', messages: row.received }
  ])
  const reasons = new Map<string, number>()
  for (const row of rowsOf(r.figures.rejections)) {
    const key = `${String(row.reason)}|${String(row.direction)}`
    reasons.set(key, (reasons.get(key) ?? 0) + Number(row.rejected))
  }
  const rejections = [...reasons].map(([k, n]) => ({
    reason: k.split('|')[0],
    direction: k.split('|')[1] === 'out' ? 'by partners' : 'by this node',
    rejected: n
  }))
  // Every bucket, empty ones too, so the distribution's shape shows.
  const counts = new Map(rowsOf(r.figures.delivery_distribution).map(row => [row.up_to_ms as number | null, Number(row.receipts)]))
  const dist = [...DELIVERY_BUCKETS_MS, null].map(b => ({
    bucket: b === null ? `> ${fmtMs(DELIVERY_BUCKETS_MS.at(-1) as number)}` : `≤ ${fmtMs(b)}`,
    receipts: counts.get(b) ?? 0
  }))
  const $schema = 'https://vega.github.io/schema/vega-lite/v6.json'
  return [
    {
      id: 'timeline',
      title: `Messages per ${period} and partner`,
      spec: {
        $schema,
        width: 480,
        height: 220,
        title: `Messages per ${period} and partner`,
        data: { values: series },
        mark: 'bar',
        encoding: {
          x: { field: 'period', type: 'ordinal', title: period },
          xOffset: { field: 'direction' },
          y: { field: 'messages', type: 'quantitative', aggregate: 'sum', title: 'messages' },
          color: { field: 'partner', type: 'nominal' },
          opacity: { field: 'direction', type: 'ordinal', sort: ['sent', 'received'], scale: { domain: ['sent', 'received'], range: [1, 0.5] } }
        }
      } as vegaLite.TopLevelSpec
    },
    {
      id: 'rejections',
      title: 'Rejections by reason code',
      spec: {
        $schema,
        width: 420,
        height: Math.max(60, 22 * new Set(rejections.map(x => x.reason)).size),
        title: 'Rejections by reason code',
        data: { values: rejections },
        mark: 'bar',
        encoding: {
          y: { field: 'reason', type: 'nominal', title: null, sort: '-x' },
          x: { field: 'rejected', type: 'quantitative', aggregate: 'sum', title: 'rejections' },
          color: { field: 'direction', type: 'nominal', title: 'refused' }
        }
      } as vegaLite.TopLevelSpec
    },
    {
      id: 'delivery',
      title: 'Delivery time distribution',
      spec: {
        $schema,
        width: 480,
        height: 200,
        title: 'Delivery time, sent to receipt',
        data: { values: dist },
        mark: 'bar',
        encoding: {
          x: { field: 'bucket', type: 'ordinal', sort: null, title: 'delivery time' },
          y: { field: 'receipts', type: 'quantitative', title: 'receipts' }
        }
      } as vegaLite.TopLevelSpec
    }
  ]
}

function fmtMs (ms: number): string {
  if (ms < 1000) return `${ms} ms`
  if (ms < 60_000) return `${ms / 1000} s`
  if (ms < 3_600_000) return `${ms / 60_000} min`
  if (ms < 86_400_000) return `${ms / 3_600_000} h`
  return `${ms / 86_400_000} d`
}

function tableHtml (t: FigureTable, r: Report): string {
  const head = t.columns.map((c, i) => `<th class="${i < t.keys ? 'k' : 'm'}">${esc(c)}</th>`).join('')
  const body = t.rows.length === 0
    ? `<tr><td colspan="${t.columns.length}" class="none">none</td></tr>`
    : t.rows.map(row =>
      '<tr>' + row.map((c, i) => {
        const text = t.columns[i] === 'peer' && typeof c === 'string' ? peerLabel(r, c) : cellText(c, t.columns[i])
        const title = t.columns[i] === 'peer' && typeof c === 'string' ? ` title="${esc(c)}"` : ''
        return `<td class="${i < t.keys ? 'k' : 'm'}"${title}>${esc(text)}</td>`
      }).join('') + '</tr>'
    ).join('\n')
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`
}

const CSS = `
body{font:14px/1.4 Helvetica,Arial,sans-serif;color:#111;margin:2em auto;max-width:1200px;padding:0 1em}
h1{font-size:20px;margin:0 0 .3em}header p{margin:.1em 0;color:#333;font-size:12px;word-break:break-all}
section{break-inside:avoid;page-break-inside:avoid;margin:1.6em 0;display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}
section h2{font-size:16px;width:100%;margin:0}
table{border-collapse:collapse;font-size:12px}th,td{border-bottom:1px solid #ccc;padding:2px 8px}
th{background:#f0f0f0;text-align:left}td.m,th.m{text-align:right;font-variant-numeric:tabular-nums}td.none{color:#777}
figure{margin:0}svg{max-width:100%;height:auto}
@media print{body{margin:0;max-width:none;font-size:11px}section{margin:1em 0}}
@page{size:A4 landscape;margin:12mm}`

/**
 * Each chart of a report as a self-contained SVG document (the console's report page shows
 * them as `<img>` from data: URLs, where an SVG can neither run script nor fetch anything).
 */
export async function chartSvgs (r: Report): Promise<Array<{ id: string, title: string, svg: string }>> {
  const out: Array<{ id: string, title: string, svg: string }> = []
  for (const c of chartSpecs(r)) out.push({ id: c.id, title: c.title, svg: await svg(c.spec) })
  return out
}

export async function formatHtml (r: Report): Promise<string> {
  const charts = chartSpecs(r)
  const svgs = new Map<string, string>()
  for (const c of charts) svgs.set(c.id, await svg(c.spec))
  const chartFor: Record<string, string> = { timeline: 'timeline', rejections: 'rejections', delivery_distribution: 'delivery' }
  const sections = Object.entries(r.figures).map(([id, t]) => {
    const chart = chartFor[id] != null
      ? `<figure class="chart" data-chart="${chartFor[id]}" aria-label="${esc(charts.find(c => c.id === chartFor[id])?.title ?? '')}">${
        svgs.get(chartFor[id]) ?? ''
      }</figure>`
      : ''
    return `<section id="${esc(id)}"><h2>${esc(t.title)}</h2>${chart}${tableHtml(t, r)}</section>`
  }).join('\n')
  const json = JSON.stringify(r).replaceAll('<', '\\u003c')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Liaison cooperation report — ${esc(r.node)}</title><style>${CSS}</style></head>
<body><header><h1>Cooperation report</h1>${reportHeader(r).map(l => `<p>${esc(l)}</p>`).join('')}</header>
${sections}
<script type="application/json" id="liaison-report">${json}</script>
</body></html>
`
}
