/**
 * What both sides audit for a query (PROTOCOL.md §19.4): the query digest, peer, direction,
 * type, count, legal basis, purpose, outcome and number of hits — never a selector, blinded or
 * not, nor an OPRF output or tag (a tag would let anyone holding the filter confirm a guess).
 *
 * @module
 */

/** One query audit record. */
export interface QueryAuditRecord {
  readonly event: 'query.sent' | 'query.answered' | 'query.refused' | 'query.result'
  readonly queryId: string
  readonly queryDigest: string
  readonly peer: string
  readonly type: string
  readonly count: number
  readonly legalBasis: string
  readonly purpose: string
  /** Asking side only, after finalising. */
  readonly hits?: number
  readonly refused?: string
  readonly keyId: string
}

const ALLOWED = new Set(['event', 'queryId', 'queryDigest', 'peer', 'type', 'count', 'legalBasis', 'purpose', 'hits', 'refused', 'keyId'])

/** Builds the record; throws TypeError on any other field (a guard against adding a selector). */
export function queryAuditRecord (fields: QueryAuditRecord): QueryAuditRecord {
  for (const key of Object.keys(fields)) if (!ALLOWED.has(key)) throw new TypeError(`a query audit record has no field ${key}`)
  return { ...fields }
}
