/**
 * Hit/no-hit queries (PROTOCOL.md §19): payloads, hit tags, the pure VOPRF query steps and the
 * OPRF key notice (§19.9).
 *
 * @example
 * ```ts
 * const pending = blindSelectors('phone', ['+4915123456789'])            // A
 * const ans = evaluateQuery(keysB, blindedForWire(pending))               // B
 * const [r] = finaliseAnswer('phone', peerA, keysB.publicKey, pending, ans, filterFromB) // A
 * ```
 *
 * @module
 */
export {
  QUERY_PAYLOAD_TYPES,
  MAX_QUERY_SELECTORS,
  MAX_FILTER_TAGS,
  MAX_FILTER_PARTS,
  QuerySchema,
  AnswerSchema,
  FilterSchema,
  decodeQuery,
  decodeAnswer,
  decodeFilter,
  type QueryV1,
  type AnswerV1,
  type FilterV1
} from './payloads.ts'
export { hitTag, oprfKeyId, TAG_BYTES } from './tags.ts'
export { blindSelectors, blindedForWire, evaluateQuery, finaliseAnswer, finaliseTags, indexOutput, type PendingSelector, type SelectorResult } from './flow.ts'
export { checkFilterSync, FilterSyncCheck, type HeldFilter, type FilterContext } from './filter-sync.ts'
export { KEY_NOTICE_PAYLOAD_TYPE, KeyNoticeSchema, decodeKeyNotice, keyNoticeProblem, type KeyNoticeV1 } from './key-notice.ts'
