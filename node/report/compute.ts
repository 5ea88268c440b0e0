/**
 * Computing a report: stream the source's entries once, normalise them into facts, feed every
 * registered figure. Memory is bounded by the join limit and the number of groups, not by the
 * log. With `hashLeaves` the RFC 9162 root of the entries read is recomputed on the way
 * (`report verify`), in O(log n) memory.
 *
 * @module
 */
import { leafHash } from '../../protocol/merkle.ts'
import { MerkleAppender } from '../../protocol/merkle-tree.ts'
import { parseRfc3339Millis } from '../../protocol/time.ts'
import { DEFAULT_REPORT_JOIN_LIMIT } from '../defaults.ts'
import { NodeError } from '../errors.ts'
import { Normaliser, type RawEntry } from './facts.ts'
import { FigureAccumulator, figureDefs } from './figures.ts'
// Capabilities' figures (registered at load, so every report has the same ones).
import '../taskforce/report-figures.ts'
import type { EntrySource } from './sources.ts'
import { DIMENSIONS, REPORT_FORMAT, type Dimension, type Report, type ReportQuery } from './types.ts'

export { DEFAULT_REPORT_JOIN_LIMIT }

export interface ComputeOptions {
  joinLimit?: number
  /** Recompute the Merkle root of the entries read (returned as `root`, hex). */
  hashLeaves?: boolean
  now?: () => number
}

/** Check and normalise a query (from CLI flags or API parameters). */
export function reportQuery (input: { from?: string | null, to?: string | null, by?: readonly string[] }): ReportQuery {
  const time = (v: string | null | undefined, name: string): string | null => {
    if (v == null || v === '') return null
    const ms = /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(v + 'T00:00:00.000Z') + (name === 'to' ? 86_399_999 : 0) : Date.parse(v)
    if (Number.isNaN(ms)) throw new NodeError('BAD_ARGUMENT', `--${name} must be a date (YYYY-MM-DD) or an RFC 3339 time`)
    return new Date(ms).toISOString()
  }
  const by: Dimension[] = []
  for (const d of input.by ?? []) {
    if (!(DIMENSIONS as readonly string[]).includes(d)) throw new NodeError('BAD_ARGUMENT', `--by must be one of ${DIMENSIONS.join(', ')} (got ${JSON.stringify(d)})`)
    if (!by.includes(d as Dimension)) by.push(d as Dimension)
  }
  const q = { from: time(input.from, 'from'), to: time(input.to, 'to'), by }
  if (q.from != null && q.to != null && q.from > q.to) throw new NodeError('BAD_ARGUMENT', '--from is after --to')
  return q
}

export async function computeReport (source: EntrySource, query: ReportQuery, opts: ComputeOptions = {}): Promise<{ report: Report, root?: string }> {
  const figures = figureDefs().map(def => new FigureAccumulator(def, query.by))
  const normaliser = new Normaliser({
    self: source.node,
    fromMs: query.from == null ? -Infinity : parseRfc3339Millis(query.from),
    toMs: query.to == null ? Infinity : parseRfc3339Millis(query.to),
    joinLimit: opts.joinLimit ?? DEFAULT_REPORT_JOIN_LIMIT,
    emit: fact => { for (const f of figures) f.add(fact) }
  })
  const tree = opts.hashLeaves === true ? new MerkleAppender() : undefined
  const decoder = new TextDecoder()
  for await (const batch of source.entries()) {
    for (const bytes of batch) {
      if (tree != null) tree.append(leafHash(bytes))
      let entry: RawEntry
      try {
        entry = JSON.parse(decoder.decode(bytes)) as RawEntry
      } catch (err) {
        throw new NodeError('SCHEMA_INVALID', `audit entry ${normaliser.entries} is not JSON: ${(err as Error).message}`, { cause: err })
      }
      normaliser.add(entry)
    }
  }
  if (normaliser.entries !== source.checkpoint.size) {
    throw new NodeError('REPORT_MISMATCH', `the checkpoint covers ${source.checkpoint.size} entries; the source holds ${normaliser.entries}`)
  }
  const peers: Record<string, string> = {}
  for (const [id, name] of [...normaliser.peerNames].sort((a, b) => a[0] < b[0] ? -1 : 1)) peers[id] = name
  const report: Report = {
    format: REPORT_FORMAT,
    node: source.node,
    checkpoint: source.checkpoint,
    query,
    generatedAt: new Date(opts.now?.() ?? Date.now()).toISOString(),
    coverage: { entries: normaliser.entries, counted: normaliser.counted, firstAt: normaliser.firstAt, lastAt: normaliser.lastAt, uncorrelated: normaliser.uncorrelated },
    peers,
    figures: Object.fromEntries(figures.map(f => [f.def.id, f.table()]))
  }
  return tree != null ? { report, root: Buffer.from(tree.root()).toString('hex') } : { report }
}
