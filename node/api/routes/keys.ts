/**
 * Routes of identity key rotation.
 *
 * @module
 */
import { z } from 'zod'
import { defineRoute, type Route } from '../route.ts'
import { keyStatus, noBody, ownRotation, peerId, peerRecord } from '../schemas.ts'

export const keyRoutes: Route[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/keys',
    operationId: 'keyStatus',
    summary: 'Key rotation status: this node\'s, and those its peers announced',
    tags: ['keys'],
    response: keyStatus,
    handler: async ({ service }) => await service.keyStatus()
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/keys/rotate',
    operationId: 'rotateKey',
    summary: 'Start a key rotation: a new key, announced to every active peer',
    description: 'The node switches to the new key at its next start once every peer has answered (`liaison keys finish` forces it on a stopped node).',
    tags: ['keys'],
    body: noBody,
    response: ownRotation,
    errors: [400, 422],
    handler: async ({ service }) => await service.rotateKey()
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/peers/{peerId}/approve-rotation',
    operationId: 'approveRotation',
    summary: 'Apply the key rotation a peer announced (peerId: its old ID)',
    tags: ['keys'],
    params: z.strictObject({ peerId: peerId.describe('the peer\'s old peer ID') }),
    body: noBody,
    response: peerRecord,
    errors: [400, 404, 422],
    handler: async ({ service, params }) => await service.approveRotation(params.peerId)
  })
]
