/**
 * Couriers: delivering a revocation certificate with the revoked node gone (PROTOCOL.md §9.1).
 * The kit (what the operator keeps offline), the peer's side of `/liaison/revoke/1.0.0`, and
 * `liaison keys revoke`'s delivery.
 *
 * @module
 */
export {
  KIT_TYPE,
  courierOf,
  courierSigner,
  kitPath,
  kitPeers,
  kitSchema,
  looksLikeKit,
  parseKit,
  refreshKits,
  writeNewKit,
  type KitPeer,
  type RevocationKit
} from './kit.ts'
export { serveRevokeStream, MAX_REVOCATION_FRAME, REVOCATION_FRAME_TIMEOUT_MS, type RevokeServerComponents } from './serve-revoke.ts'
export { deliverRevocation, courierNode, DEFAULT_DELIVERY_TIMEOUT_MS, type DeliverOptions, type DeliveryStatus, type PeerDelivery } from './deliver.ts'
export { KitKeeper } from './kit-keeper.ts'
