/**
 * A small RFC 4180 CSV reader for `liaison index add --file`: a header row, quoted fields with
 * doubled quotes, CRLF or LF line ends. Rows are returned as objects keyed by header.
 *
 * @module
 */
import { NodeError } from '../errors.ts'

/** Parses CSV text; BAD_ARGUMENT for an unterminated quote or a row of the wrong width. */
export function parseCsv (text: string): { header: string[], rows: Array<{ line: number, cells: Record<string, string> }> } {
  const records: Array<{ line: number, fields: string[] }> = []
  let field = ''
  let fields: string[] = []
  let quoted = false
  let line = 1
  let start = 1
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text
  for (let i = 0; i < body.length; i++) {
    const c = body[i]
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') { field += '"'; i++ } else if (c === '"') quoted = false
      else { if (c === '\n') line++; field += c }
      continue
    }
    if (c === '"' && field === '') quoted = true
    else if (c === ',') { fields.push(field); field = '' } else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i++
      fields.push(field)
      if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields })
      fields = []; field = ''; line++; start = line
    } else field += c
  }
  if (quoted) throw new NodeError('BAD_ARGUMENT', `CSV: unterminated quoted field starting on line ${start}`)
  if (field !== '' || fields.length > 0) { fields.push(field); records.push({ line: start, fields }) }
  if (records.length === 0) throw new NodeError('BAD_ARGUMENT', 'CSV: the file is empty (a header row is required)')
  const header = records[0].fields.map((h) => h.trim())
  return {
    header,
    rows: records.slice(1).map((r) => {
      if (r.fields.length !== header.length) throw new NodeError('BAD_ARGUMENT', `CSV line ${r.line}: ${r.fields.length} fields, the header has ${header.length}`)
      return { line: r.line, cells: Object.fromEntries(header.map((h, i) => [h, r.fields[i]])) }
    })
  }
}
