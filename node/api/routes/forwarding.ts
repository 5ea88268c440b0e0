/**
 * Routes of forwarding under the originator's control: forwards and release requests.
 *
 * @module
 */
import { z } from 'zod'
import { defineRoute, type Route } from '../route.ts'
import { legalBasis, messageRef, peerId, releaseRecord, sendResult, uuid } from '../schemas.ts'

const answerBody = z.strictObject({
  validMs: z.number().int().min(1).describe('how long a grant may be used (grant only)').optional(),
  reason: z.string().max(2000).describe('shown to the forwarder').optional()
}).optional()
const byRequest = z.strictObject({ requestId: uuid.describe('release request id') })

export const forwardingRoutes: Route[] = [
  defineRoute({
    method: 'POST',
    path: '/v1/messages/{ref}/forward',
    operationId: 'forward',
    summary: "Forward a received message, under the originator's control",
    tags: ['forwarding'],
    params: z.strictObject({ ref: messageRef }),
    body: z.strictObject({ to: z.array(peerId).min(1).max(64), legalBasis: legalBasis.optional() }),
    response: sendResult,
    errors: [400, 404, 422],
    handler: async ({ service, params, body }) => await service.forward(params.ref, body.to, body.legalBasis)
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/releases',
    operationId: 'releases',
    summary: 'Release requests asked of or by this node',
    tags: ['forwarding'],
    response: z.array(releaseRecord),
    handler: async ({ service }) => await service.releases()
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/releases',
    operationId: 'requestRelease',
    summary: 'Ask the originator to release a received message to another peer',
    tags: ['forwarding'],
    body: z.strictObject({ message: messageRef, recipient: peerId, reason: z.string().min(1).max(2000) }),
    response: releaseRecord,
    errors: [400, 404, 422],
    handler: async ({ service, body }) => await service.requestRelease(body.message, body.recipient, body.reason)
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/releases/{requestId}/grant',
    operationId: 'grantRelease',
    summary: 'Grant a release request (originator)',
    tags: ['forwarding'],
    params: byRequest,
    body: answerBody,
    response: releaseRecord,
    errors: [400, 404, 422],
    handler: async ({ service, params, body }) => await service.answerRelease(params.requestId, 'granted', body ?? {})
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/releases/{requestId}/deny',
    operationId: 'denyRelease',
    summary: 'Deny a release request (originator)',
    tags: ['forwarding'],
    params: byRequest,
    body: answerBody,
    response: releaseRecord,
    errors: [400, 404, 422],
    handler: async ({ service, params, body }) => await service.answerRelease(params.requestId, 'denied', body ?? {})
  })
]
