/**
 * Charts of the benchmark report: Vega-Lite specs compiled to Vega and rendered to SVG in
 * Node (no browser, no canvas), one file per chart next to REPORT.md.
 *
 * @module
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as vega from 'vega'
import * as vegaLite from 'vega-lite'

export interface ChartSpec {
  /** File name, e.g. `ingest.svg`. */
  file: string
  /** Alt text / caption in the report. */
  title: string
  spec: vegaLite.TopLevelSpec
}

const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14 }
}

export async function renderSvg (spec: vegaLite.TopLevelSpec): Promise<string> {
  const compiled = vegaLite.compile({ config: CONFIG, ...spec } as vegaLite.TopLevelSpec).spec
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

export async function renderCharts (dir: string, charts: readonly ChartSpec[]): Promise<string[]> {
  const files: string[] = []
  for (const chart of charts) {
    await writeFile(join(dir, chart.file), await renderSvg(chart.spec))
    files.push(chart.file)
  }
  return files
}

/** Grouped bars: one group per category, one bar per series (e.g. product vs ceiling). */
export function groupedBars (
  opts: { title: string, rows: Array<{ group: string, series: string, value: number }>, yTitle: string, width?: number }
): vegaLite.TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title,
    width: opts.width ?? 360,
    height: 220,
    data: { values: opts.rows },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'group', type: 'nominal', title: null, axis: { labelAngle: 0 } },
      xOffset: { field: 'series', type: 'nominal' },
      y: { field: 'value', type: 'quantitative', title: opts.yTitle },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom' } }
    }
  } as vegaLite.TopLevelSpec
}

/** Lines over a numeric x axis (optionally logarithmic), one line per series, with points. */
export function lines (
  opts: { title: string, rows: Array<{ x: number, series: string, y: number }>, xTitle: string, yTitle: string, logX?: boolean, logY?: boolean, width?: number }
): vegaLite.TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title,
    width: opts.width ?? 380,
    height: 220,
    data: { values: opts.rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: opts.xTitle, scale: opts.logX === true ? { type: 'log' } : {} },
      y: { field: 'y', type: 'quantitative', title: opts.yTitle, scale: opts.logY === true ? { type: 'log' } : { zero: true } },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom' } }
    }
  } as vegaLite.TopLevelSpec
}

/** Empirical CDFs of latency samples, one line per series. */
export function cdf (opts: { title: string, series: Record<string, readonly number[]>, xTitle: string, maxPoints?: number }): vegaLite.TopLevelSpec {
  const rows: Array<{ x: number, series: string, y: number }> = []
  const maxPoints = opts.maxPoints ?? 400
  for (const [series, samples] of Object.entries(opts.series)) {
    const s = [...samples].sort((a, b) => a - b)
    const step = Math.max(1, Math.floor(s.length / maxPoints))
    for (let i = 0; i < s.length; i += step) rows.push({ series, x: s[i], y: (i + 1) / s.length })
    if (s.length > 0) rows.push({ series, x: s[s.length - 1], y: 1 })
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title,
    width: 380,
    height: 220,
    data: { values: rows },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: opts.xTitle, scale: { type: 'log' } },
      y: { field: 'y', type: 'quantitative', title: 'fraction of messages', axis: { format: '%' } },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom' } }
    }
  } as vegaLite.TopLevelSpec
}

/**
 * Every figure with a goal, as "how far from its goal": value / threshold for ≥ goals and
 * threshold / value for ≤ goals, so 1.0 is exactly on goal and right of the rule is better.
 */
export function goalAttainment (rows: Array<{ figure: string, attainment: number, met: boolean }>): vegaLite.TopLevelSpec {
  const values = rows.map(r => ({ figure: r.figure, attainment: r.attainment, verdict: r.met ? 'met' : 'missed' }))
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Goal attainment (1.0 = exactly on goal; right is better)',
    width: 360,
    height: { step: 20 },
    data: { values },
    layer: [
      {
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'figure', type: 'nominal', title: null, sort: null, axis: { labelLimit: 520 } },
          x: { field: 'attainment', type: 'quantitative', title: 'attainment (log scale)', scale: { type: 'log' } },
          color: {
            field: 'verdict',
            type: 'nominal',
            title: 'goal',
            scale: { domain: ['met', 'missed'], range: ['#4c9a2a', '#c0392b'] },
            legend: { orient: 'bottom' }
          }
        }
      },
      { mark: { type: 'rule', strokeDash: [4, 3] }, encoding: { x: { datum: 1 } } }
    ]
  } as vegaLite.TopLevelSpec
}
