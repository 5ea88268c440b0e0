/**
 * CPU time of benchmark processes, read from /proc/PID/stat (user + system, every thread:
 * the event loop, verification workers, LevelDB's and libuv's threads), so a figure can say how
 * much work a message costs, not only how fast it went.
 *
 * @module
 */
import { readFileSync } from 'node:fs'

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100

/** CPU seconds the process has used so far, or NaN where /proc is not available. */
export function cpuSeconds (pid: number | undefined): number {
  if (pid === undefined) return NaN
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may contain spaces) — utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
  } catch {
    return NaN
  }
}

/** Runs `fn` and returns its result with the CPU seconds each process used meanwhile. */
export async function withCpu<T> (pids: Array<number | undefined>, fn: () => Promise<T>): Promise<{ result: T, cpu: number[] }> {
  const before = pids.map(cpuSeconds)
  const result = await fn()
  return { result, cpu: pids.map((pid, i) => cpuSeconds(pid) - before[i]) }
}

/**
 * Waits until the processes together have used less than `share` of one core over a whole
 * `windowMs` (background work such as LevelDB compactions of earlier writes has finished), or
 * until `timeoutMs`. Returns how long it waited; where /proc is not available, returns at once.
 */
export async function untilIdle (pids: Array<number | undefined>, share = 0.05, windowMs = 1000, timeoutMs = 30_000): Promise<number> {
  const started = performance.now()
  const total = (): number => pids.reduce<number>((n, pid) => n + cpuSeconds(pid), 0)
  let before = total()
  if (Number.isNaN(before)) return 0
  while (performance.now() - started < timeoutMs) {
    await new Promise(resolve => setTimeout(resolve, windowMs))
    const now = total()
    if ((now - before) / (windowMs / 1000) < share) break
    before = now
  }
  return performance.now() - started
}
