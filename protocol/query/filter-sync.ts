/**
 * The asking node's checks of a hit-filter sync (PROTOCOL.md §19.8), pure: the parts received
 * with an answer must belong to that answer's query, peer, type and key, be numbered from 0 and
 * end with `last`, agree on `since`, `seq` and `size`, and apply to the filter the asker holds:
 * a delta only on top of exactly its `since` under the same key, a full filter never older
 * than what it holds under the same key. Anything else is FILTER_STALE and nothing is applied
 * (a replayed or reordered update, one cut short, one for another key, a rollback).
 *
 * `FilterSyncCheck` checks parts as they arrive, `checkFilterSync` a whole sync at once.
 * The size check after applying (the asker's count must equal `size`) needs the asker's
 * store and is the caller's, with the same code.
 *
 * @module
 */
import { ProtocolError } from '../errors.ts'
import type { FilterV1 } from './payloads.ts'

/** What the asker holds for one (peer, type): the key, the last applied seq, the tag count. */
export interface HeldFilter {
  readonly keyId: string
  readonly seq: number
  readonly size: number
}

/** What the parts must belong to. */
export interface FilterContext {
  readonly query: string
  readonly from: string
  readonly to: string
  readonly type: string
  readonly keyId: string
}

const stale = (why: string): ProtocolError => new ProtocolError('FILTER_STALE', `hit filter update: ${why}`)

/**
 * Checks one sync's parts as they arrive (so a full filter of any size is applied part by
 * part): `accept` each part in order, then `finish`. FILTER_STALE if they do not apply.
 */
export class FilterSyncCheck {
  readonly #ctx: FilterContext
  readonly #held: HeldFilter | undefined
  #first: FilterV1 | undefined
  #count = 0
  #ended = false

  constructor (ctx: FilterContext, held: HeldFilter | undefined) {
    this.#ctx = ctx
    this.#held = held
  }

  /** True once the part marked `last` was accepted. */
  get ended (): boolean {
    return this.#ended
  }

  accept (p: FilterV1): void {
    const ctx = this.#ctx
    if (this.#ended) throw stale('a part after the last one')
    if (p.query !== ctx.query) throw stale('it was sent with another query (replayed)')
    if (p.from !== ctx.from || p.to !== ctx.to || p.type !== ctx.type) throw stale('it is for another peer or type')
    if (p.keyId !== ctx.keyId) throw stale('it derives from another OPRF key than the answer')
    if (p.part !== this.#count) throw stale(`part ${p.part} arrived as part ${this.#count}`)
    const first = this.#first ?? p
    if (p.since !== first.since || p.seq !== first.seq || p.size !== first.size) throw stale('its parts disagree on since, seq or size')
    if (this.#first === undefined) {
      this.#first = p
      const held = this.#held
      if (p.since === null) {
        if (held !== undefined && held.keyId === ctx.keyId && held.seq > p.seq) {
          throw stale(`a full filter at seq ${p.seq} is older than the one held (seq ${held.seq})`)
        }
      } else {
        if (held === undefined) throw stale('a delta, but no filter is held for this peer and type')
        if (held.keyId !== ctx.keyId) throw stale('a delta on a filter of another OPRF key')
        if (held.seq !== p.since) throw stale(`a delta since seq ${p.since}, but the filter held is at seq ${held.seq}`)
      }
    }
    this.#count++
    this.#ended = p.last
  }

  /** After the last part: the sync's since, seq and size. */
  finish (): { since: number | null, seq: number, size: number } {
    if (!this.#ended || this.#first === undefined) throw stale('the parts stop before the last one')
    return { since: this.#first.since, seq: this.#first.seq, size: this.#first.size }
  }
}

/** Checks a whole sync at once (`FilterSyncCheck` over every part). */
export function checkFilterSync (
  parts: readonly FilterV1[],
  ctx: FilterContext,
  held: HeldFilter | undefined
): { since: number | null, seq: number, size: number } {
  const check = new FilterSyncCheck(ctx, held)
  for (const p of parts) check.accept(p)
  return check.finish()
}
