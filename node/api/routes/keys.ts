/**
 * Routes of identity key rotation.
 *
 * @module
 */
import { z } from 'zod'
import { defineRoute, type Route } from '../route.ts'
import { deliveryRecord, digest, instant, keyStatus, noBody, ownRotation, peerId, peerRecord, uuid } from '../schemas.ts'

export const keyRoutes: Route[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/keys',
    operationId: 'keyStatus',
    summary: "Key rotation status: this node's, and those its peers announced",
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
    params: z.strictObject({ peerId: peerId.describe("the peer's old peer ID") }),
    body: noBody,
    response: peerRecord,
    errors: [400, 404, 422],
    handler: async ({ service, params }) => await service.approveRotation(params.peerId)
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/revocations',
    operationId: 'applyRevocation',
    summary: "Act on a peer's revocation certificate: its key and its record are revoked at once",
    description:
      'The certificate is signed in advance by the key it revokes (PROTOCOL.md §9); a revocation kit (§9.1) is accepted too. Applying one twice changes ' +
      'nothing (`applied: false`).',
    tags: ['keys'],
    body: z.strictObject({ certificate: z.string().min(1).max(65_536).describe('the certificate envelope, or a revocation kit (JSON text)') }),
    response: z.object({
      revocation: z.object({ v: z.literal(1), id: uuid, peerId, created: instant }),
      digest,
      record: peerRecord,
      cancelled: z.array(deliveryRecord),
      applied: z.boolean()
    }),
    errors: [400, 404, 422],
    handler: async ({ service, body }) => await service.applyRevocation(body.certificate)
  })
]
