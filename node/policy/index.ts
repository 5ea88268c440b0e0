/**
 * The node policy and its decisions: data, not code.
 *
 * - node-policy.ts — `DIR/policy.json`, validated strictly (`loadNodePolicy`).
 * - policy-holder.ts — `PolicyHolder`, the policy in force; `reload()` re-reads the file.
 * - peer-fields.ts — the editable fields of a trust record (permissions, agreements).
 * - decide.ts — `decide()`: every check a message must pass for one peer in one direction,
 *   as a `Decision` (accept, or reject with a reason code), never an exception.
 * - tlp.ts — TLP 2.0 ordering.
 *
 * @example
 * ```ts
 * const policy = await PolicyHolder.load(paths.policy)
 * const decision = decide(policy.current, peerRecord, subject, 'out', Date.now())
 * ```
 *
 * @module
 */
export { decide, type Check, type Decision, type Direction, type PolicySubject } from './decide.ts'
export { DEFAULT_NODE_POLICY, loadNodePolicy, nodePolicySchema, validateNodePolicy, type NodePolicy } from './node-policy.ts'
export {
  agreementSchema,
  defaultPeerPermissions,
  parseAgreementFlag,
  peerFieldsSchema,
  validatePeerFields,
  type PeerFields,
  type PeerPermissions
} from './peer-fields.ts'
export { PolicyHolder } from './policy-holder.ts'
export { isTlp, tlpRank, tlpWithin } from './tlp.ts'
