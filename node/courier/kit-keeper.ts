/**
 * Keeps the revocation kits' peer lists current: rewritten at start and after every trust-list
 * change (one rewrite at a time; changes that arrive meanwhile are folded into the next one).
 * A kit that cannot be rewritten is logged, never fatal: the node keeps running, and the
 * operator's offline copy is what matters when the node is gone.
 *
 * @module
 */
import type { Logger } from 'pino'
import type { TrustList } from '../trust/index.ts'
import { kitPeers, refreshKits } from './kit.ts'

export class KitKeeper {
  private readonly revocationDir: string
  private readonly trust: TrustList
  private readonly logger: Logger | undefined
  private running: Promise<void> = Promise.resolve()
  private queued = false
  private readonly onChange = (): void => {
    this.schedule()
  }

  constructor (revocationDir: string, trust: TrustList, logger?: Logger) {
    this.revocationDir = revocationDir
    this.trust = trust
    this.logger = logger
  }

  /** Refresh now and after every trust-list change. */
  start (): void {
    this.watch()
    this.schedule()
  }

  /** Refresh after every trust-list change only (the CLI on a stopped node). */
  watch (): void {
    this.trust.off('change', this.onChange)
    this.trust.on('change', this.onChange)
  }

  /** Stop listening; resolves once the last rewrite has finished. */
  async stop (): Promise<void> {
    this.trust.off('change', this.onChange)
    await this.flush()
  }

  async flush (): Promise<void> {
    while (true) {
      const current = this.running
      await current
      if (current === this.running && !this.queued) return
    }
  }

  private schedule (): void {
    if (this.queued) return
    this.queued = true
    this.running = this.running.then(async () => {
      this.queued = false
      try {
        const n = await refreshKits(this.revocationDir, kitPeers(this.trust.list()), new Date())
        this.logger?.debug({ kits: n }, 'revocation kits refreshed')
      } catch (err) {
        this.logger?.error({ err }, 'could not refresh the revocation kits (their peer lists may be stale)')
      }
    })
  }
}
