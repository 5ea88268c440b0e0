/**
 * Cooperation reports computed from the audit log (issue 19): figures per partner, topic,
 * agreement, kind, TLP, week or month — messages exchanged, accepted and rejected by reason,
 * delivery times, requests for information and their answers, release requests and decisions,
 * forwards, feedback, trust events — naming the checkpoint they were computed from, so that
 * `report verify` can recompute them from a data directory or an audit bundle.
 *
 * - `computeReport(source, query)` — stream a source's entries once (bounded memory).
 * - `dataDirSource`, `bundleSource`, `levelSource` — where entries come from.
 * - `renderReport(report, format)` — text, json, csv, html (self-contained, SVG charts).
 * - `signReport` / `openSignedReport` — DSSE envelope of payload type REPORT_PAYLOAD_TYPE.
 * - `verifyReport(file, source)` — recompute and compare.
 * - `registerFigure`, `Normaliser.hook`, `registerDimension` — how later capabilities add their
 *   figures and breakdowns (below).
 *
 * @example
 * ```ts
 * const source = await dataDirSource(dir)
 * const { report } = await computeReport(source, reportQuery({ by: ['peer', 'month'] }))
 * await source.close()
 * const { body } = await renderReport(report, 'html')
 * ```
 *
 * ## Extending the report (a capability's own module, loaded before reports are computed)
 *
 * - **A breakdown** (`--by taskforce`): `registerDimension({ id: 'taskforce', description,
 *   fromEntry: e => e.taskForce })` reads the value from each message's `message.sent` /
 *   `message.received` entry; every fact about that message (receipts, answers, releases,
 *   forwards, ratings) then carries it, and every figure that does not restrict its
 *   `dimensions` breaks down by it. `ofFact: f => …` instead computes it from any fact. Nothing
 *   in compute.ts changes; `reportQuery` accepts the new id, `report verify` recomputes it.
 *   When another entry, not the message's own, names the value (a task force is named by
 *   `taskforce.message`), the capability writes that entry just BEFORE the message's entry in the
 *   same write and its hook calls `n.tell(digest, { taskForce })`: `fromEntry` then reads the
 *   told fields as if the message's entry carried them (node/taskforce/report-figures.ts). Told
 *   after the message's entry, it is ignored, so a message is never split between two values.
 * - **An entry type**: `Normaliser.hook(type, (entry, atMs, n) => …)` (static: every report
 *   from then on) is called for each entry of that type, after the built-in handling if any; it
 *   emits facts with `n.emit` (a `type: 'ext'` fact with its own `name` and `values`, or one of
 *   the built-in fact types), attributes with `n.inRange(atMs)` and `n.dims(entry)`, and joins
 *   with `n.joinMap(name)` (bounded, counted in `coverage.uncorrelated`).
 * - **A figure**: `registerFigure({ id, title, keys, measures, keyOf, state, add, values })`;
 *   every format and `report verify` pick it up; explain it in docs/report.md.
 *
 * queries.ts is the worked example (hit/no-hit queries: hook + three figures).
 *
 * @module
 */
export { computeReport, reportQuery, DEFAULT_REPORT_JOIN_LIMIT } from './compute.ts'
export type { ComputeOptions } from './compute.ts'
export { bundleSource, dataDirSource, levelSource } from './sources.ts'
export type { EntrySource } from './sources.ts'
export { renderReport } from './render.ts'
export { signReport, openSignedReport } from './sign.ts'
export { verifyReport, readReportFile } from './verify-report.ts'
export type { ReportVerdict } from './verify-report.ts'
export { registerFigure, figureDefs } from './figures.ts'
export type { FigureDef } from './figures.ts'
export { Normaliser } from './facts.ts'
export type { EntryHook } from './facts.ts'
export type { Fact, MessageDims, RawEntry } from './fact.ts'
export { registerDimension, dimensionDefs } from './dimensions.ts'
export type { DimensionDef } from './dimensions.ts'
export { reportOf, verifyReportOf } from './serve-report.ts'
export type { ReportRequest, ReportComponents } from './serve-report.ts'
export * from './types.ts'
