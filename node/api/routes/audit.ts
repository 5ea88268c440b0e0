/**
 * Routes of the audit log's witnessing by peers.
 *
 * @module
 */
import { z } from 'zod'
import { defineRoute, type Route } from '../route.ts'
import { noBody, witnessOutcome, witnesses } from '../schemas.ts'

export const auditRoutes: Route[] = [
  defineRoute({
    method: 'POST',
    path: '/v1/witness',
    operationId: 'witness',
    summary: 'Ask every active peer to cosign this node\'s latest checkpoint now',
    tags: ['audit'],
    body: noBody,
    response: z.array(witnessOutcome),
    errors: [400, 409],
    handler: async ({ service }) => await service.witness()
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/witnesses',
    operationId: 'witnesses',
    summary: 'Peers\' checkpoints this node witnessed, and inconsistency alerts',
    tags: ['audit'],
    response: witnesses,
    handler: async ({ service }) => await service.witnesses()
  })
]
