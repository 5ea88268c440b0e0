/**
 * Per-peer query policy (PROTOCOL.md §19.4 step 2), defaults deny: a peer may query only if its
 * trust-list record grants selector types (`--query-types`), and within `--query-max` selectors
 * per query and `--query-quota` selectors per rolling 24 hours. Pure: the caller passes the
 * peer's grant, the selectors it already used in the window, and the query.
 *
 * @module
 */

/** The query grant of one peer (absent: the peer may not query). */
export interface QueryGrant {
  /** Selector types the peer may ask this node about. */
  readonly types: readonly string[]
  /** Selectors per rolling 24 hours. */
  readonly quotaPerDay: number
  /** Selectors per query. */
  readonly maxPerQuery: number
}

export type QueryRefusal = 'QUERY_NOT_PERMITTED' | 'SELECTOR_TYPE_NOT_PERMITTED' | 'QUOTA_EXCEEDED'

/** The decision for a query of `count` selectors of `type`; null means allowed. */
export function decideQuery (grant: QueryGrant | undefined, type: string, count: number, usedToday: number): QueryRefusal | null {
  if (grant === undefined || grant.types.length === 0) return 'QUERY_NOT_PERMITTED'
  if (!grant.types.includes(type)) return 'SELECTOR_TYPE_NOT_PERMITTED'
  if (count > grant.maxPerQuery || usedToday + count > grant.quotaPerDay) return 'QUOTA_EXCEEDED'
  return null
}

/** Parses `--query-quota N/day` (or a bare N). */
export function parseQuotaFlag (text: string): number {
  const m = /^(\d{1,9})(?:\/day)?$/.exec(text.trim())
  if (m === null) throw new RangeError('--query-quota must be N/day, e.g. 500/day')
  return Number(m[1])
}

/**
 * A rolling 24-hour ledger of selectors evaluated per peer: `used(peer, now)` and
 * `charge(peer, count, now)`. In memory here; the node persists its entries with the audit log.
 */
export class QuotaLedger {
  readonly #entries = new Map<string, Array<{ at: number, count: number }>>()
  static readonly WINDOW_MS = 24 * 60 * 60 * 1000

  used (peer: string, nowMs: number): number {
    const list = (this.#entries.get(peer) ?? []).filter((e) => e.at > nowMs - QuotaLedger.WINDOW_MS)
    this.#entries.set(peer, list)
    return list.reduce((n, e) => n + e.count, 0)
  }

  charge (peer: string, count: number, nowMs: number): void {
    const list = this.#entries.get(peer) ?? []
    list.push({ at: nowMs, count })
    this.#entries.set(peer, list)
  }
}
