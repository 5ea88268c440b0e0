/**
 * Routes of the trust list and trust cards.
 *
 * @module
 */
import { z } from 'zod'
import { defineRoute, type Route } from '../route.ts'
import { addPeerResult, cardExport, cardInspection, peerFields, peerId, peerInput, peerRecord, peerStatusChange } from '../schemas.ts'

const cardText = z.string().min(1).max(64 * 1024).describe('the card envelope (JSON text)')
const byPeer = z.strictObject({ peerId: peerId.describe('peer ID on the trust list') })

export const trustRoutes: Route[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/peers',
    operationId: 'peers',
    summary: 'The trust list',
    tags: ['trust'],
    response: z.array(peerRecord),
    handler: async ({ service }) => await service.peers()
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/peers',
    operationId: 'addPeer',
    summary: 'Add a peer by peer ID',
    tags: ['trust'],
    body: peerInput,
    response: peerRecord,
    errors: [400, 409],
    handler: async ({ service, body }) => await service.addPeer(body)
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/peers/from-card',
    operationId: 'addPeerFromCard',
    summary: 'Add a peer from its self-signed trust card',
    tags: ['trust'],
    body: z.strictObject({
      card: cardText,
      fields: peerFields.optional(),
      fingerprint: z.string().min(1).max(128).describe("refuse unless the card's key has this fingerprint").optional()
    }),
    response: addPeerResult,
    errors: [400, 409, 422],
    handler: async ({ service, body }) => await service.addPeerFromCard(body.card, body.fields ?? {}, body.fingerprint)
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/cards/inspect',
    operationId: 'inspectCard',
    summary: 'What a trust card says, before adding it: name, peer ID, fingerprint, keys',
    description: "Checks the card's self-signature and describes it; the trust list is not changed. A card that does not verify is refused with the " +
      'code adding it would give.',
    tags: ['trust'],
    body: z.strictObject({ card: cardText }),
    response: cardInspection,
    errors: [400, 422],
    handler: async ({ service, body }) => await service.inspectCard(body.card)
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/peers/{peerId}',
    operationId: 'peer',
    summary: 'One peer',
    tags: ['trust'],
    params: byPeer,
    response: peerRecord,
    errors: [400, 404],
    handler: async ({ service, params }) => await service.peer(params.peerId)
  }),
  defineRoute({
    method: 'PATCH',
    path: '/v1/peers/{peerId}',
    operationId: 'updatePeer',
    summary: "Change a peer's permissions, addresses or name",
    tags: ['trust'],
    params: byPeer,
    body: peerFields,
    response: peerRecord,
    errors: [400, 404],
    handler: async ({ service, params, body }) => await service.updatePeer(params.peerId, body)
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/peers/{peerId}',
    operationId: 'removePeer',
    summary: 'Remove a peer from the trust list',
    tags: ['trust'],
    params: byPeer,
    response: z.object({ removed: peerId }),
    errors: [400, 404],
    handler: async ({ service, params }) => {
      await service.removePeer(params.peerId)
      return { removed: params.peerId }
    }
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/peers/{peerId}/status',
    operationId: 'setPeerStatus',
    summary: 'Suspend, resume or revoke a peer',
    description: "Suspension closes the peer's connections at once; revocation is permanent and cancels everything queued for it.",
    tags: ['trust'],
    params: byPeer,
    body: z.strictObject({ status: z.enum(['active', 'suspended', 'revoked']) }),
    response: peerStatusChange,
    errors: [400, 404, 422],
    handler: async ({ service, params, body }) => await service.setPeerStatus(params.peerId, body.status)
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/card',
    operationId: 'card',
    summary: "This node's self-signed trust card",
    tags: ['trust'],
    response: cardExport,
    handler: async ({ service }) => await service.card()
  })
]
