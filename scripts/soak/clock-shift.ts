/**
 * Preload that runs a process on a shifted wall clock, for clock-skew fault tests:
 *
 *   LIAISON_CLOCK_SHIFT_MS=600000 node --import ./scripts/soak/clock-shift.ts node/cli/liaison.ts start …
 *
 * `Date.now()` and `new Date()` (no arguments) return the real time plus the offset; dates
 * built from explicit values are untouched. Monotonic clocks (performance.now, timers) are not
 * shifted — only what the node reads as "the time of day".
 *
 * @module
 */
const shift = Number(process.env.LIAISON_CLOCK_SHIFT_MS ?? '0')
if (!Number.isFinite(shift)) throw new TypeError(`LIAISON_CLOCK_SHIFT_MS must be a number, got ${process.env.LIAISON_CLOCK_SHIFT_MS}`)

if (shift !== 0) {
  const RealDate = Date
  const realNow = RealDate.now.bind(RealDate)
  class ShiftedDate extends RealDate {
    constructor (...args: unknown[]) {
      if (args.length === 0) super(realNow() + shift)
      else super(...(args as [string | number | Date]))
    }

    static override now (): number {
      return realNow() + shift
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor
}

export const CLOCK_SHIFT_MS: number = shift
export const CLOCK_SHIFT_MODULE: string = new URL('./clock-shift.ts', import.meta.url).pathname
