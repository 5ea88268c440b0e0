/**
 * The operator's service: everything an operator can ask of a node, as one interface.
 *
 * - liaison-service.ts — `LiaisonService` and the values it answers with (types only, so the
 *   parts that answer for it — forwarding, the API routes — can name them without the
 *   implementation).
 * - local-service.ts — `LocalService`, the service answered from this node's own store, trust
 *   list and outbox. The running node serves it over the local API (node/api/); the CLI uses
 *   it directly on a stopped node's data directory, and `ApiClient` (node/api/client.ts)
 *   otherwise.
 *
 * @example
 * ```ts
 * const service = new LocalService({ dir, store, trust, signer, name, policy, addresses: () => [] })
 * const { id, recipients } = await service.send({ to: [peerId], kind: 'report', tlp: 'AMBER', topic: 'fraud', legalBasis: 'MOU-1', body })
 * ```
 *
 * @module
 */
export type {
  AddPeerResult,
  Health,
  KeyStatus,
  LiaisonService,
  MessageView,
  PeerStatusChange,
  PolicyCheckInput,
  RecipientOutcome,
  SendAlongside,
  SendInput,
  SendResult
} from './liaison-service.ts'
export { describeDialFailure, LocalService, UNCHECKED_CARD_ACTION, type LocalServiceComponents } from './local-service.ts'
