/**
 * The node's TAXII 2.1 server: STIX 2.1 in and out of the signed exchange for the tools
 * agencies already run (MISP, OpenCTI). Outbound collections turn POSTed objects into signed,
 * policy-checked messages; inbound collections serve the objects of received messages with
 * their provenance. See docs/taxii.md.
 *
 * ```ts
 * const taxii = new TaxiiServer({ store, taxii: new TaxiiStore(store), service, self, logger, maxMessageBytes }, init)
 * await taxii.start(); console.log(taxii.url)   // http://127.0.0.1:PORT/taxii2/
 * ```
 *
 * @module
 */
export { TaxiiServer, API_ROOT, type TaxiiInit, type TaxiiComponents } from './server.ts'
export { TaxiiStore, type CollectionInput } from './taxii-store.ts'
export { PROVENANCE_PROPERTY } from './collection-view.ts'
export { TAXII_MEDIA_TYPE, STIX_MEDIA_TYPE } from './media.ts'
export type { Access, TaxiiClient, TaxiiCollection, OutboundMapping, InboundFilter } from './records.ts'
