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
 * - `registerFigure`, `Normaliser.hook` — how later capabilities add their figures.
 *
 * @example
 * ```ts
 * const source = await dataDirSource(dir)
 * const { report } = await computeReport(source, reportQuery({ by: ['peer', 'month'] }))
 * await source.close()
 * const { body } = await renderReport(report, 'html')
 * ```
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
export { Normaliser, registerEntryHook } from './facts.ts'
export type { Fact, EntryHook } from './facts.ts'
export { reportOf } from './serve-report.ts'
export type { ReportRequest, ReportComponents } from './serve-report.ts'
export * from './types.ts'
