/**
 * Routes of TAXII administration (docs/taxii.md): the collections that map TAXII to the exchange
 * and the clients allowed to use them. The TAXII 2.1 protocol itself is served on its own
 * listener (node/taxii/); these are for the operator (`liaison taxii …`) on the local API.
 *
 * @module
 */
import { z } from 'zod'
import { NodeError } from '../../errors.ts'
import type { TaxiiStore } from '../../taxii/taxii-store.ts'
import { defineRoute, type Route } from '../route.ts'
import { kind, named, peerId, slug, tlp } from '../schemas.ts'

const access = z.enum(['r', 'w', 'rw']).describe('read, write, or both')
const outbound = z.strictObject({
  to: z.array(peerId).describe('recipients of the messages a POST becomes (at least one, unless taskForce)'),
  taskForce: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/).describe(
    'instead of to: every current member of this task force (PROTOCOL.md §21.5)'
  ).optional(),
  topic: slug,
  tlp: tlp.describe("the messages' TLP (objects may not be marked more restrictively)"),
  legalBasis: z.string().min(1).max(128).describe('agreement id'),
  kind
})
const inbound = z.strictObject({
  from: peerId.describe('only objects received from this peer').optional(),
  topic: slug.describe('only objects of messages on this topic').optional(),
  maxTlp: tlp.describe('only objects of messages at most this TLP').optional()
})
const collection = named(
  'TaxiiCollection',
  z.object({
    id: z.string(),
    title: z.string(),
    description: z.string().optional(),
    direction: z.enum(['outbound', 'inbound']),
    outbound: outbound.optional(),
    inbound: inbound.optional(),
    createdAt: z.string()
  })
)
const client = named('TaxiiClient', z.object({ name: z.string(), collections: z.record(z.string(), access), createdAt: z.string() }))
const clientName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/).describe('client name: 1–64 characters of [A-Za-z0-9._-]')

function store (taxii: TaxiiStore | undefined): TaxiiStore {
  if (taxii == null) throw new NodeError('NODE_NOT_RUNNING', 'TAXII administration needs a running node')
  return taxii
}

export const taxiiRoutes: Route[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/taxii/collections',
    operationId: 'taxiiCollections',
    summary: 'TAXII collections and how they map to the exchange (docs/taxii.md)',
    tags: ['taxii'],
    response: z.array(collection),
    errors: [409],
    handler: async ({ taxii }) => await store(taxii).listCollections()
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/taxii/collections',
    operationId: 'addTaxiiCollection',
    summary: 'Add a TAXII collection: outbound (recipients, topic, TLP, legal basis, kind) or inbound (sender, topic, TLP ceiling)',
    tags: ['taxii'],
    body: z.strictObject({
      title: z.string().min(1).max(200).optional(),
      description: z.string().max(2000).optional(),
      outbound: outbound.optional(),
      inbound: inbound.optional()
    }),
    response: collection,
    errors: [400, 404, 409],
    handler: async ({ taxii, body }) => await store(taxii).addCollection(body)
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/taxii/collections/{id}',
    operationId: 'removeTaxiiCollection',
    summary: 'Remove a TAXII collection',
    tags: ['taxii'],
    params: z.strictObject({ id: z.string().min(1).max(64) }),
    response: z.object({ removed: z.string() }),
    errors: [400, 404, 409],
    handler: async ({ taxii, params }) => {
      await store(taxii).removeCollection(params.id)
      return { removed: params.id }
    }
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/taxii/clients',
    operationId: 'taxiiClients',
    summary: 'TAXII clients and their access (never their secrets)',
    tags: ['taxii'],
    response: z.array(client),
    errors: [409],
    handler: async ({ taxii }) => await store(taxii).listClients()
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/taxii/clients',
    operationId: 'addTaxiiClient',
    summary: 'Add a TAXII client; the answer carries its secret, once (Basic NAME:secret, or Bearer secret)',
    tags: ['taxii'],
    body: z.strictObject({ name: clientName, collections: z.record(z.string(), access) }),
    response: z.object({ name: z.string(), secret: z.string(), collections: z.record(z.string(), access) }),
    errors: [400, 404, 409],
    handler: async ({ taxii, body }) => await store(taxii).addClient(body.name, body.collections)
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/taxii/clients/{name}',
    operationId: 'removeTaxiiClient',
    summary: 'Remove a TAXII client (its secret stops working at once)',
    tags: ['taxii'],
    params: z.strictObject({ name: clientName }),
    response: z.object({ removed: z.string() }),
    errors: [400, 404, 409],
    handler: async ({ taxii, params }) => {
      await store(taxii).removeClient(params.name)
      return { removed: params.name }
    }
  })
]
