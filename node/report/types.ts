/**
 * What a cooperation report is: the query it answers, the checkpoint it was computed from, and
 * its figures as tables. The JSON form (`liaison report --format json`) is exactly this value;
 * `report verify` recomputes every member but `generatedAt` and compares.
 *
 * @module
 */

/** The report format; a reader refuses any other. */
export const REPORT_FORMAT = 'liaison-report/1'

/** DSSE payload type of a report the node signed (`liaison report --sign`). */
export const REPORT_PAYLOAD_TYPE = 'application/vnd.liaison.report.v1+json'

/** The built-in dimensions a report can break its figures down by (`--by`, repeatable); capabilities add more (dimensions.ts `registerDimension`). */
export const DIMENSIONS = ['peer', 'topic', 'agreement', 'kind', 'tlp', 'week', 'month'] as const
/** A registered dimension's id: one of DIMENSIONS or one a capability registered. */
export type Dimension = string

/** Output formats of `liaison report`. */
export const REPORT_FORMATS = ['text', 'json', 'csv', 'html'] as const
export type ReportFormat = typeof REPORT_FORMATS[number]

/** The value of a dimension that an entry does not tell (e.g. the topic of a refused frame). */
export const UNKNOWN = '-'

export interface ReportQuery {
  /** Entries sealed at or after this time (RFC 3339), or null for the start of the log. */
  from: string | null
  /** Entries sealed at or before this time (RFC 3339), or null for the checkpoint's end. */
  to: string | null
  /** Breakdown dimensions, in the order given. */
  by: Dimension[]
}

/** A cell: a dimension value, a count, a duration in ms or a share in [0, 1]; null = no data. */
export type Cell = string | number | null

/** One figure as a table: dimension columns first (the query's `by`, then the figure's own), then measures. */
export interface FigureTable {
  title: string
  /** Column names; the first `keys` are the breakdown, the rest measures. */
  columns: string[]
  keys: number
  /** Sorted by the key columns. */
  rows: Cell[][]
  /**
   * The rows (indexes into `rows`) whose percentiles are within 1 % instead of exact (a
   * histogram that saw more than 2,048 distinct durations of a second or more,
   * node/report/histogram.ts); absent when every percentile is exact.
   */
  approximate?: number[]
}

export interface ReportCheckpoint {
  /** C2SP checkpoint origin, `liaison.local/<peer ID>`. */
  origin: string
  /** Tree size: the report covers entries 0 … size-1. */
  size: number
  /** RFC 9162 root of those entries, lowercase hex. */
  root: string
}

export interface Report {
  format: typeof REPORT_FORMAT
  /** The node whose log this is (peer ID of the checkpoint signer). */
  node: string
  checkpoint: ReportCheckpoint
  query: ReportQuery
  /** When the report was made (not verified: the only member a recomputation may differ in). */
  generatedAt: string
  /** Entries read, counted (sealed within the query's period) and correlations given up. */
  coverage: { entries: number, counted: number, firstAt: string | null, lastAt: string | null, uncorrelated: number }
  /** Names of the peers as the trust list named them in the log (peer ID → name). */
  peers: Record<string, string>
  figures: Record<string, FigureTable>
}
