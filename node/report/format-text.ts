/**
 * Plain-text and CSV renderings of a report. Text: a header naming node, period and checkpoint,
 * then each figure as an aligned table. CSV (RFC 4180): one long table,
 * `figure,<breakdown and key columns…>,measure,value` — one line per cell, every figure in one file.
 *
 * @module
 */
import type { Cell, FigureTable, Report } from './types.ts'

export function cellText (c: Cell, column = ''): string {
  if (c === null) return '-'
  if (typeof c === 'number' && (column.endsWith('_share') || column.endsWith('_rate'))) return `${(c * 100).toFixed(1)} %`
  return String(c)
}

export function reportHeader (r: Report): string[] {
  return [
    `Cooperation report of node ${r.node}`,
    `period: ${r.query.from ?? 'start of log'} … ${r.query.to ?? 'checkpoint'}   breakdown: ${r.query.by.length > 0 ? r.query.by.join(', ') : 'none'}`,
    `computed from checkpoint ${r.checkpoint.origin} size ${r.checkpoint.size} root ${r.checkpoint.root}`,
    `entries read ${r.coverage.entries}, sealed in the period ${r.coverage.counted}, joins given up ${r.coverage.uncorrelated}; generated ${r.generatedAt}`
  ]
}

function table (t: FigureTable, peers: Record<string, string>): string[] {
  const cells = t.rows.map(row =>
    row.map((c, i) => {
      const s = cellText(c, t.columns[i])
      return t.columns[i] === 'peer' && typeof c === 'string' && peers[c] != null ? `${peers[c]} (${c.slice(0, 12)}…)` : s
    })
  )
  const widths = t.columns.map((c, i) => Math.max(c.length, ...cells.map(r => r[i].length)))
  const line = (r: string[]): string => r.map((s, i) => i < t.keys ? s.padEnd(widths[i]) : s.padStart(widths[i])).join('  ').trimEnd()
  const out = [t.title, line(t.columns), line(widths.map(w => '-'.repeat(w)))]
  if (cells.length === 0) out.push('(none)')
  for (const r of cells) out.push(line(r))
  return out
}

export function formatText (r: Report): string {
  const out = reportHeader(r)
  for (const t of Object.values(r.figures)) out.push('', ...table(t, r.peers))
  return out.join('\n') + '\n'
}

const csvField = (s: string): string => /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s

export function formatCsv (r: Report): string {
  const keyCols: string[] = []
  for (const t of Object.values(r.figures)) for (const c of t.columns.slice(0, t.keys)) if (!keyCols.includes(c)) keyCols.push(c)
  const lines = [['figure', ...keyCols, 'measure', 'value'].join(',')]
  for (const [id, t] of Object.entries(r.figures)) {
    for (const row of t.rows) {
      const keys = keyCols.map(c => {
        const i = t.columns.indexOf(c)
        return i >= 0 && i < t.keys ? csvField(row[i] === null ? '' : String(row[i])) : ''
      })
      for (let i = t.keys; i < t.columns.length; i++) lines.push([id, ...keys, t.columns[i], row[i] === null ? '' : String(row[i])].join(','))
    }
  }
  return lines.join('\r\n') + '\r\n'
}
