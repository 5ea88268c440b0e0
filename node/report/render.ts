/**
 * One entry point for every output format of a report.
 *
 * @module
 */
import { formatCsv, formatText } from './format-text.ts'
import type { Report, ReportFormat } from './types.ts'

export async function renderReport (report: Report, format: ReportFormat): Promise<{ type: string, body: string }> {
  switch (format) {
    case 'json':
      return { type: 'application/json', body: JSON.stringify(report, null, 2) + '\n' }
    case 'text':
      return { type: 'text/plain; charset=utf-8', body: formatText(report) }
    case 'csv':
      return { type: 'text/csv; charset=utf-8', body: formatCsv(report) }
    case 'html': {
      // Vega is loaded only for HTML.
      const { formatHtml } = await import('./format-html.ts')
      return { type: 'text/html; charset=utf-8', body: await formatHtml(report) }
    }
  }
}
