/**
 * Routes of the audit log: its checkpoints, proofs and a live export (the console's audit page),
 * and its witnessing by peers.
 *
 * @module
 */
import { z } from 'zod'
import { NodeError } from '../../errors.ts'
import type { AuditView } from '../console-routes.ts'
import { defineRoute, type Route } from '../route.ts'
import { boolParam, digest, noBody, witnessOutcome, witnesses } from '../schemas.ts'

function view (v: AuditView | undefined): AuditView {
  if (v == null) throw new NodeError('NODE_NOT_RUNNING', 'the audit view needs a running node')
  return v
}

export const auditRoutes: Route[] = [
  defineRoute({
    method: 'POST',
    path: '/v1/witness',
    operationId: 'witness',
    summary: "Ask every active peer to cosign this node's latest checkpoint now",
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
    summary: "Peers' checkpoints this node witnessed, and inconsistency alerts",
    tags: ['audit'],
    response: witnesses,
    handler: async ({ service }) => await service.witnesses()
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/audit',
    operationId: 'audit',
    summary: "This node's audit log: size, root, every checkpoint, and what it witnessed",
    tags: ['audit'],
    response: z.looseObject({
      size: z.number().int(),
      root: z.string(),
      nodeKeys: z.array(z.string()),
      checkpoints: z.array(z.object({ size: z.number().int(), time: z.number().int(), root: z.string(), signer: z.string(), cosignatures: z.number().int() }))
    }),
    errors: [409],
    handler: async ({ auditView }) => await view(auditView).overview()
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/audit/prove/{digest}',
    operationId: 'auditProve',
    summary: 'Where a message is in the audit log, with inclusion proofs (as `liaison audit prove`)',
    tags: ['audit'],
    params: z.strictObject({ digest }),
    response: z.looseObject({}),
    errors: [400, 404, 409],
    handler: async ({ auditView, params }) => await view(auditView).prove(params.digest)
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/audit/export',
    operationId: 'auditExport',
    summary: 'Sign a checkpoint now and export a full audit bundle up to it into DIR/exports/ (the node keeps running)',
    tags: ['audit'],
    query: z.strictObject({
      archive: boolParam.describe('write the bundle as one .zip archive (DIR/exports/bundle-<time>.zip) instead of a folder').optional()
    }),
    body: noBody,
    response: z.object({ out: z.string(), counts: z.unknown(), checkpoint: z.unknown() }),
    errors: [400, 404, 409],
    handler: async ({ auditView, query }) => await view(auditView).export({ archive: query.archive === true })
  })
]
