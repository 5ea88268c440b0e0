/**
 * Joint task forces without a chair (PROTOCOL.md §21): the charter its members sign, the
 * governance rules that decide which version is valid and in effect on each member's node, the
 * notice that carries charters between members, and history verification from the signatures
 * alone. Pure: bytes and times in, values out.
 *
 * @example
 * ```ts
 * const env = signCharter(encodeCharter(charter), signerA)           // A proposes
 * const signed = openCharter(encodeEnvelope(addSignature(openCharter(bytes), signerB)))
 * const { valid } = buildChain([signed])
 * effectOn(valid, signerB.peerId, Date.now()).state                  // 'in-effect' once the quorum signed
 * ```
 *
 * @module
 */
export {
  MAX_CHARTER_BYTES,
  MAX_CHARTER_VERSIONS,
  MAX_TASKFORCE_MEMBERS,
  MAX_TASKFORCE_TOPICS,
  CHARTER_STATUSES,
  encodeCharter,
  memberIds,
  parseCharter,
  validateCharter,
  type CharterMember,
  type CharterStatus,
  type CharterV1
} from './charter.ts'
export {
  MAX_CHARTER_ENVELOPE_BYTES,
  addSignature,
  checkCharterEnvelope,
  encodeCharterEnvelope,
  mergeSignatures,
  openCharter,
  signCharter,
  type SignedCharter
} from './signatures.ts'
export {
  allowedSigners,
  buildChain,
  effectOn,
  messageProblem,
  quorumMet,
  successorKind,
  type Chain,
  type ChainLink,
  type CharterSubject,
  type Effect,
  type TaskForceState,
  type VersionKind
} from './chain.ts'
export { MAX_NOTICE_BYTES, NOTICE_ACTIONS, encodeNotice, parseNotice, validateNotice, type NoticeAction, type TaskForceNoticeV1 } from './notice.ts'
export { openHistory, verifyHistory } from './history.ts'
