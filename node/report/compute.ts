/**
 * Computing a report: stream the source's entries once, normalise them into facts, feed every
 * registered figure. Memory is bounded by the join limit and the number of groups, not by the
 * log. With `hashLeaves` the RFC 9162 root of the entries read is recomputed on the way
 * (`report verify`), in O(log n) memory, on a worker thread beside the figures
 * (text-root-worker.ts).
 *
 * @module
 */
import { parseRfc3339Millis } from '../../protocol/time.ts'
import { DEFAULT_REPORT_JOIN_LIMIT } from '../defaults.ts'
import { NodeError } from '../errors.ts'
import { Normaliser } from './facts.ts'
import type { RawEntry } from './fact.ts'
import { TextRootWorker } from './text-root-worker.ts'
// Registers the hit/no-hit query hook and figures (the registry's first plug-in).
import './queries.ts'
import { DimensionKeyer, FigureAccumulator, figureDefs, figureDimensions } from './figures.ts'
// Capabilities' figures (registered at load, so every report has the same ones).
import '../taskforce/report-figures.ts'
import type { EntrySource } from './sources.ts'
import { dimensionDefs, isDimension } from './dimensions.ts'
import { REPORT_FORMAT, type Dimension, type Report, type ReportQuery } from './types.ts'

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
    if (!isDimension(d)) throw new NodeError('BAD_ARGUMENT', `--by must be one of ${dimensionDefs().map(x => x.id).join(', ')} (got ${JSON.stringify(d)})`)
    if (!by.includes(d)) by.push(d)
  }
  const q = { from: time(input.from, 'from'), to: time(input.to, 'to'), by }
  if (q.from != null && q.to != null && q.from > q.to) throw new NodeError('BAD_ARGUMENT', '--from is after --to')
  return q
}

export async function computeReport (source: EntrySource, query: ReportQuery, opts: ComputeOptions = {}): Promise<{ report: Report, root?: string }> {
  const keyers = new Map<string, DimensionKeyer>()
  const figures = figureDefs().map(def => {
    const dims = figureDimensions(def, query.by)
    const sig = dims.join('\u0000')
    let keyer = keyers.get(sig)
    if (keyer == null) keyers.set(sig, keyer = new DimensionKeyer(dims))
    return new FigureAccumulator(def, query.by, keyer)
  })
  // Each fact type is offered only to the figures that count it.
  const routes = new Map<string, FigureAccumulator[]>()
  let root: string | undefined
  const normaliser = new Normaliser({
    self: source.node,
    fromMs: query.from == null ? -Infinity : parseRfc3339Millis(query.from),
    toMs: query.to == null ? Infinity : parseRfc3339Millis(query.to),
    joinLimit: opts.joinLimit ?? DEFAULT_REPORT_JOIN_LIMIT,
    emit: fact => {
      let to = routes.get(fact.type)
      if (to == null) routes.set(fact.type, to = figures.filter(f => f.def.facts == null || f.def.facts.includes(fact.type)))
      for (const f of to) f.add(fact)
    }
  })
  const add = (text: string): void => {
    let entry: RawEntry
    try {
      entry = JSON.parse(text) as RawEntry
    } catch (err) {
      throw new NodeError('SCHEMA_INVALID', `audit entry ${normaliser.entries} is not JSON: ${(err as Error).message}`, { cause: err })
    }
    normaliser.add(entry)
  }
  const hashing = opts.hashLeaves === true ? new TextRootWorker() : undefined
  try {
    for await (const batch of source.texts()) {
      // The leaf hashes from a copy of the same texts the figures are computed from (text-root.ts).
      if (hashing != null) await hashing.add(batch)
      // Each entry's text is dropped once parsed, so it dies young instead of being promoted
      // with the rest of its batch (V8 would size its old space to all that garbage).
      for (let i = 0; i < batch.length; i++) {
        const text = batch[i]
        batch[i] = ''
        add(text)
      }
    }
    if (hashing != null) root = await hashing.rootHex()
  } finally {
    await hashing?.close()
  }
  normaliser.finish()
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
    coverage: {
      entries: normaliser.entries,
      counted: normaliser.counted,
      firstAt: normaliser.firstAt,
      lastAt: normaliser.lastAt,
      uncorrelated: normaliser.uncorrelated
    },
    peers,
    figures: Object.fromEntries(figures.map(f => [f.def.id, f.table()]))
  }
  return root != null ? { report, root } : { report }
}
