/**
 * The lifecycle contract of every part of a running node that holds a resource (a listener, a
 * timer, worker threads, a handle on the store): `start()` and `stop()`, as js-libp2p's
 * `Startable`. The node keeps one list of its started parts (`StartedParts`) and stops them in
 * reverse, on shutdown and when a later part fails to start, instead of a hand-kept list of
 * pairs that has to be edited in two places and can drift.
 *
 * @example
 * ```ts
 * const parts = new StartedParts()
 * await parts.start('witness', witness)    // witness.start(), then remembered
 * parts.started('libp2p', libp2p)          // started when it was made: only its stop is kept
 * await parts.stop()                       // …libp2p.stop(), witness.stop(): last in, first out
 * ```
 *
 * @module
 */

export interface Startable {
  start: () => void | Promise<void>
  stop: () => void | Promise<void>
}

/** What a part needs to be stopped; a part started when it was made (libp2p, a worker pool) gives only this. */
export interface Stoppable {
  stop: () => void | Promise<void>
}

export class StartedParts {
  private readonly parts: Array<{ name: string, part: Stoppable }> = []

  /** Start `part`, then remember it (a part whose start throws is not stopped later). */
  async start (name: string, part: Startable): Promise<void> {
    await part.start()
    this.parts.push({ name, part })
  }

  /** Remember a part that started when it was made. */
  started (name: string, part: Stoppable): void {
    this.parts.push({ name, part })
  }

  /** The parts' names, in start order. */
  get names (): string[] {
    return this.parts.map(p => p.name)
  }

  /**
   * Stop every part, last started first. The first failure stops the walk and is thrown (a
   * later part — the store below all of them — may depend on an earlier one having stopped).
   */
  async stop (): Promise<void> {
    while (this.parts.length > 0) await this.parts.pop()?.part.stop()
  }

  /** Stop every part, last started first, going on past failures: the rollback of a start that failed. */
  async stopAll (): Promise<void> {
    while (this.parts.length > 0) {
      try {
        await this.parts.pop()?.part.stop()
      } catch {
        // Rolling back a failed start: the start's own error is the one that matters.
      }
    }
  }
}
