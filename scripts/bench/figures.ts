/**
 * Benchmark figures and their verdicts: one reported number with its ceiling, goal and the
 * per-run samples it came from, so anyone can recompute every verdict from results.json.
 *
 * A figure's `value` is the median of its per-run samples (or, for worst-case figures such as
 * RSS per node, their maximum) and `spread` their min–max; its
 * `ceiling` is the median of the ceiling measured in the same runs, and `ratio` is exactly
 * `value / ceiling`. A goal is data: `{ op, ratio?, value? }` — every threshold it names must
 * hold (`ratio` compares the ratio, `value` the value), so "≥ 0.6 × ceiling and ≥ 5,000 msg/s"
 * is `{ op: '>=', ratio: 0.6, value: 5000 }`. A figure without a goal is informational
 * (`met: null`); a figure that could not be measured has `value: null, met: false`.
 *
 * @module
 */
import { median, spreadOf, type Spread } from './stats.ts'

export type GoalOp = '>=' | '>' | '<=' | '<'

export interface Goal {
  op: GoalOp
  /** Threshold on value / ceiling. */
  ratio?: number
  /** Threshold on the value itself, in the figure's unit. */
  value?: number
}

export interface Figure {
  /** Stable identifier, e.g. `ingest.1k`. */
  id: string
  name: string
  /** What exactly was measured, in a sentence. */
  measured: string
  value: number | null
  unit: string
  ceiling: number | null
  ceilingName: string | null
  ratio: number | null
  goal: Goal | null
  met: boolean | null
  runs: number
  spread: Spread | null
  /** The per-run values the median was taken of. */
  samples: number[]
  ceilingSamples?: number[]
  note?: string
}

export interface FigureInput {
  id: string
  name: string
  measured: string
  unit: string
  /** One value per run. */
  samples: readonly number[]
  /** One ceiling per run (measured in the same runs). */
  ceilingSamples?: readonly number[]
  ceilingName?: string
  goal?: Goal
  /** How the value is taken from the samples: median (default), or max for worst-case figures. */
  aggregate?: 'median' | 'max'
  note?: string
}

export function compare (actual: number, op: GoalOp, threshold: number): boolean {
  switch (op) {
    case '>=':
      return actual >= threshold
    case '>':
      return actual > threshold
    case '<=':
      return actual <= threshold
    case '<':
      return actual < threshold
  }
}

/**
 * Whether value and ratio meet the goal. Every threshold the goal names must hold; a ratio
 * threshold with no ratio (no ceiling) or a missing value is not met.
 */
export function verdict (goal: Goal | null, value: number | null, ratio: number | null): boolean | null {
  if (goal == null) return null
  if (goal.ratio == null && goal.value == null) throw new TypeError('goal names neither ratio nor value')
  if (value == null) return false
  if (goal.ratio != null && (ratio == null || !compare(ratio, goal.op, goal.ratio))) return false
  if (goal.value != null && !compare(value, goal.op, goal.value)) return false
  return true
}

export function makeFigure (input: FigureInput): Figure {
  if (input.samples.length === 0) throw new RangeError(`${input.id}: no samples`)
  const value = input.aggregate === 'max' ? spreadOf(input.samples).max : median(input.samples)
  const hasCeiling = input.ceilingSamples != null && input.ceilingSamples.length > 0
  const ceiling = hasCeiling ? median(input.ceilingSamples as number[]) : null
  if (input.goal?.ratio != null && ceiling == null) throw new TypeError(`${input.id}: a ratio goal needs a ceiling`)
  const ratio = ceiling != null && ceiling !== 0 ? value / ceiling : null
  const goal = input.goal ?? null
  const figure: Figure = {
    id: input.id,
    name: input.name,
    measured: input.measured,
    value,
    unit: input.unit,
    ceiling,
    ceilingName: hasCeiling ? (input.ceilingName ?? 'ceiling') : null,
    ratio,
    goal,
    met: verdict(goal, value, ratio),
    runs: input.samples.length,
    spread: spreadOf(input.samples),
    samples: [...input.samples]
  }
  if (hasCeiling) figure.ceilingSamples = [...(input.ceilingSamples as number[])]
  if (input.note != null) figure.note = input.note
  return figure
}

/** A figure that could not be measured in this run: no value, its goal (if any) not met, and why. */
export function unavailableFigure (input: Omit<FigureInput, 'samples' | 'ceilingSamples'> & { note: string }): Figure {
  return {
    id: input.id,
    name: input.name,
    measured: input.measured,
    value: null,
    unit: input.unit,
    ceiling: null,
    ceilingName: input.ceilingName ?? null,
    ratio: null,
    goal: input.goal ?? null,
    met: input.goal == null ? null : false,
    runs: 0,
    spread: null,
    samples: [],
    note: input.note
  }
}

/** The goal in words, e.g. "≥ 0.6 × ceiling and ≥ 5000 msg/s". */
export function describeGoal (goal: Goal | null, unit: string): string {
  if (goal == null) return '—'
  const op = { '>=': '≥', '>': '>', '<=': '≤', '<': '<' }[goal.op]
  const parts: string[] = []
  if (goal.ratio != null) parts.push(`${op} ${goal.ratio} × ceiling`)
  if (goal.value != null) parts.push(`${op} ${goal.value} ${unit}`)
  return parts.join(' and ')
}

/** Recompute a figure's verdict from its published numbers (what a reader of results.json does). */
export function recheck (figure: Pick<Figure, 'value' | 'ceiling' | 'ratio' | 'goal' | 'met'>): boolean {
  const ratio = figure.value != null && figure.ceiling != null && figure.ceiling !== 0 ? figure.value / figure.ceiling : null
  const sameRatio = ratio == null ? figure.ratio == null : figure.ratio != null && Math.abs(ratio - figure.ratio) <= 1e-12 * Math.abs(ratio)
  return sameRatio && verdict(figure.goal, figure.value, ratio) === figure.met
}
