/**
 * Exponential backoff with jitter: attempt n waits between half and all of
 * min(cap, base · factor^n), so peers that went away together do not come back in lockstep.
 *
 * @module
 */
export interface BackoffInit {
  baseMs: number
  capMs: number
  factor?: number
}

export function backoffDelay (attempt: number, init: BackoffInit, random: () => number = Math.random): number {
  const ceiling = Math.min(init.capMs, init.baseMs * (init.factor ?? 2) ** Math.max(0, attempt))
  return Math.round(ceiling / 2 + random() * ceiling / 2)
}

/** Sleep that ends early when `signal` aborts (resolves false then). */
export function sleep (ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise(resolve => {
    if (signal?.aborted === true) {
      resolve(false)
      return
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    const onAbort = (): void => {
      clearTimeout(timer)
      resolve(false)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
