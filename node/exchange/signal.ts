/**
 * A reusable wake-up signal: `wait()` resolves at the next `notify()` (or at once if one came
 * since the last wait), or after `timeoutMs`.
 *
 * @module
 */
export class Signal {
  private waiter: (() => void) | undefined
  private notified = false

  notify (): void {
    this.notified = true
    const w = this.waiter
    this.waiter = undefined
    w?.()
  }

  wait (timeoutMs?: number): Promise<void> {
    if (this.notified) {
      this.notified = false
      return Promise.resolve()
    }
    return new Promise(resolve => {
      let timer: NodeJS.Timeout | undefined
      this.waiter = () => {
        clearTimeout(timer)
        this.notified = false
        resolve()
      }
      if (timeoutMs != null) {
        timer = setTimeout(() => {
          this.waiter = undefined
          resolve()
        }, timeoutMs)
      }
    })
  }
}
