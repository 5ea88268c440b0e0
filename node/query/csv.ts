/**
 * A small RFC 4180 CSV reader for `liaison index add --file`: a header row, quoted fields with
 * doubled quotes, CRLF or LF line ends, a UTF-8 byte order mark ignored. Rows are objects keyed
 * by header. `openCsv` streams a file (a few chunks in memory however large the file: an index
 * of 1,000,000 selectors is read in bounded memory); `parseCsv` reads a string with the same
 * parser.
 *
 * @module
 */
import { createReadStream } from 'node:fs'
import { NodeError } from '../errors.ts'

interface CsvRecord {
  line: number
  fields: string[]
}
/** One data row: its first line number in the file and its cells by header. */
export interface CsvRow {
  line: number
  cells: Record<string, string>
}

/** The incremental parser: `feed` text as it arrives, `end` at the end; each returns complete records. */
class CsvParser {
  #field = ''
  #fields: string[] = []
  #quoted = false
  /** The last character fed was a quote inside a quoted field (a doubled quote or the close). */
  #quotePending = false
  #crPending = false
  #first = true
  #line = 1
  #start = 1

  feed (chunk: string): CsvRecord[] {
    const out: CsvRecord[] = []
    let text = chunk
    if (this.#first && text.length > 0) {
      this.#first = false
      if (text.startsWith('\uFEFF')) text = text.slice(1)
    }
    for (let i = 0; i < text.length; i++) {
      const c = text[i]
      if (this.#crPending) {
        this.#crPending = false
        if (c === '\n') continue
      }
      if (this.#quotePending) {
        this.#quotePending = false
        if (c === '"') {
          this.#field += '"'
          continue
        }
        this.#quoted = false
      }
      if (this.#quoted) {
        if (c === '"') this.#quotePending = true
        else {
          if (c === '\n') this.#line++
          this.#field += c
        }
        continue
      }
      if (c === '"' && this.#field === '') this.#quoted = true
      else if (c === ',') {
        this.#fields.push(this.#field)
        this.#field = ''
      } else if (c === '\n' || c === '\r') {
        if (c === '\r') this.#crPending = true
        this.#endRecord(out)
        this.#line++
        this.#start = this.#line
      } else this.#field += c
    }
    return out
  }

  end (): CsvRecord[] {
    if (this.#quotePending) {
      this.#quotePending = false
      this.#quoted = false
    }
    if (this.#quoted) throw new NodeError('BAD_ARGUMENT', `CSV: unterminated quoted field starting on line ${this.#start}`)
    const out: CsvRecord[] = []
    if (this.#field !== '' || this.#fields.length > 0) this.#endRecord(out)
    return out
  }

  #endRecord (out: CsvRecord[]): void {
    this.#fields.push(this.#field)
    if (!(this.#fields.length === 1 && this.#fields[0] === '')) out.push({ line: this.#start, fields: this.#fields })
    this.#fields = []
    this.#field = ''
  }
}

function rowOf (header: string[], r: CsvRecord): CsvRow {
  if (r.fields.length !== header.length) throw new NodeError('BAD_ARGUMENT', `CSV line ${r.line}: ${r.fields.length} fields, the header has ${header.length}`)
  return { line: r.line, cells: Object.fromEntries(header.map((h, i) => [h, r.fields[i]])) }
}

const EMPTY = (): NodeError => new NodeError('BAD_ARGUMENT', 'CSV: the file is empty (a header row is required)')

/** Parses CSV text; BAD_ARGUMENT for an unterminated quote or a row of the wrong width. */
export function parseCsv (text: string): { header: string[], rows: CsvRow[] } {
  const parser = new CsvParser()
  const records = [...parser.feed(text), ...parser.end()]
  if (records.length === 0) throw EMPTY()
  const header = records[0].fields.map((h) => h.trim())
  return { header, rows: records.slice(1).map((r) => rowOf(header, r)) }
}

/**
 * Opens a CSV file as a stream: the header (read first), then the rows as an async iterable
 * that reads the rest of the file chunk by chunk. The same errors as `parseCsv`, raised when
 * the offending row is reached (rows before it have been yielded).
 */
export async function openCsv (path: string): Promise<{ header: string[], rows: AsyncIterable<CsvRow> }> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 })
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<string>
  const parser = new CsvParser()
  let pending: CsvRecord[] = []
  let done = false
  const fill = async (): Promise<void> => {
    const next = await chunks.next()
    if (next.done === true) {
      done = true
      pending.push(...parser.end())
    } else pending.push(...parser.feed(next.value))
  }
  try {
    while (pending.length === 0 && !done) await fill()
  } catch (err) {
    stream.destroy()
    throw err
  }
  if (pending.length === 0) throw EMPTY()
  const header = pending.shift()!.fields.map((h) => h.trim())
  async function* rows (): AsyncGenerator<CsvRow> {
    try {
      for (;;) {
        for (const r of pending) yield rowOf(header, r)
        pending = []
        if (done) return
        await fill()
      }
    } finally {
      stream.destroy()
    }
  }
  return { header, rows: rows() }
}
