/**
 * Routes of messages: send, inbox, sent, outbox, one message.
 *
 * @module
 */
import { z } from 'zod'
import { defineRoute, type Route } from '../route.ts'
import { DEFAULT_WAIT_TIMEOUT_MS } from '../../defaults.ts'
import { boolParam, deliveryRecord, instantParam, messageMeta, messageRef, messageView, peerId, positiveIntParam, sendInput, sendResult } from '../schemas.ts'

const listQuery = z.strictObject({
  since: instantParam.describe('only messages stored at or after this time (RFC 3339)').optional(),
  from: peerId.describe('only messages from this peer').optional(),
  limit: positiveIntParam.describe('at most this many').optional()
})

export const messageRoutes: Route[] = [
  defineRoute({
    method: 'POST',
    path: '/v1/messages',
    operationId: 'send',
    summary: 'Sign and send a message',
    description:
      'Policy is checked per recipient before signing; refused recipients are reported and not queued. 200 means the message is durably queued (or, with ' +
      'wait=true, that every recipient answered).',
    tags: ['messages'],
    query: z.strictObject({
      wait: boolParam.describe("answer only once every recipient's receipt is recorded").optional(),
      timeoutMs: positiveIntParam.describe(`how long to wait (default ${DEFAULT_WAIT_TIMEOUT_MS})`).optional()
    }),
    body: sendInput,
    response: sendResult,
    errors: [400, 409, 413, 422, 504],
    handler: async ({ service, query, body }) =>
      await service.send(body, { wait: query.wait === true, ...(query.timeoutMs != null ? { timeoutMs: query.timeoutMs } : {}) })
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/inbox',
    operationId: 'inbox',
    summary: 'Received messages, oldest first',
    tags: ['messages'],
    query: listQuery,
    response: z.array(messageMeta),
    errors: [400],
    handler: async ({ service, query }) => await service.inbox(query)
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/sent',
    operationId: 'sent',
    summary: 'Sent messages, oldest first',
    tags: ['messages'],
    query: listQuery,
    response: z.array(messageMeta),
    errors: [400],
    handler: async ({ service, query }) => await service.sent(query)
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/outbox',
    operationId: 'outbox',
    summary: 'Delivery state per message and recipient',
    tags: ['messages'],
    response: z.array(deliveryRecord),
    handler: async ({ service }) => await service.outbox()
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/messages/{ref}',
    operationId: 'message',
    summary: 'One message, its receipts and delivery state',
    tags: ['messages'],
    params: z.strictObject({ ref: messageRef }),
    query: z.strictObject({ envelope: boolParam.describe('include the envelope bytes (base64)').optional() }),
    response: messageView,
    errors: [400, 404],
    handler: async ({ service, params, query }) => await service.message(params.ref, { envelope: query.envelope === true })
  })
]
