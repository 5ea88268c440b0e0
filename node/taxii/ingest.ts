/**
 * A POST to an outbound collection (TAXII 2.1 §5.4): the envelope's objects (or a STIX
 * bundle's: OpenCTI's TAXII POST connector posts bundles) become signed
 * messages to the collection's recipients — one per bundle, split to the message size limit —
 * each sent exactly as `liaison send` sends (policy-checked per recipient). Nothing is sent
 * unless every object validates (STIX_INVALID) and fits the collection's TLP
 * (MARKING_CONFLICT): those are a 422 for the whole request. The status resource then reports
 * per object `success` once every recipient's signed receipt accepted its message, `failure`
 * with the reason code for a refused recipient or a rejecting receipt, `pending` meanwhile.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { ProtocolError } from '../../protocol/errors.ts'
import { checkMarkings, validateStixBundle, type StixObject } from '../../protocol/stix/index.ts'
import { auditEvents } from '../audit/events.ts'
import { NodeError } from '../errors.ts'
import type { LocalService, RecipientOutcome, SendAlongside } from '../service/index.ts'
import type { BatchOp, Store } from '../store/index.ts'
import type { StatusEntry, StatusRecord, TaxiiClient, TaxiiCollection } from './records.ts'
import { TaxiiError } from './taxii-error.ts'
import type { TaxiiStore } from './taxii-store.ts'

export interface IngestComponents {
  store: Store
  taxii: TaxiiStore
  service: LocalService
  maxMessageBytes: () => number
}

/** Room a message needs besides its body: header members, 64 recipients, key quoting. */
const HEADER_ALLOWANCE = 6 * 1024

const versionOf = (o: StixObject): string => String(o.modified ?? o.created ?? '')

/** Objects grouped into bundles whose JSON stays within `room` bytes each. */
export function splitIntoBundles (objects: readonly StixObject[], room: number): StixObject[][] {
  // The common case in one serialisation: all in one message. It is the loop's own last test
  // summed up (Σ (bytes + 1) over the objects is the JSON array's bytes − 1).
  if (objects.length > 0 && Buffer.byteLength(JSON.stringify(objects)) - 1 + 128 <= room) return [objects.slice()]
  const groups: StixObject[][] = []
  let current: StixObject[] = []
  let size = 0
  for (let i = 0; i < objects.length; i++) {
    const n = Buffer.byteLength(JSON.stringify(objects[i])) + 1
    if (n + 128 > room) {
      throw new TaxiiError(
        413,
        'Object too large',
        `$.objects[${i}] is ${n} bytes; one message carries at most ${room} bytes of objects (the message size limit less its header)`,
        'TOO_LARGE'
      )
    }
    if (current.length > 0 && size + n + 128 > room) {
      groups.push(current)
      current = []
      size = 0
    }
    current.push(objects[i])
    size += n
  }
  if (current.length > 0) groups.push(current)
  return groups
}

export async function ingest (
  c: IngestComponents,
  client: TaxiiClient,
  collection: TaxiiCollection,
  envelope: unknown,
  now = new Date()
): Promise<StatusRecord> {
  const out = collection.outbound
  if (out == null) throw new TaxiiError(403, 'Read-only collection', 'objects are added to an inbound collection only by received messages')
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
    throw new TaxiiError(422, 'Not an envelope', 'the body is not a TAXII envelope object', 'SCHEMA_INVALID')
  }
  const objects = (envelope as { objects?: unknown }).objects
  if (!Array.isArray(objects) || objects.length === 0) {
    throw new TaxiiError(422, 'Not an envelope', '$.objects must be a non-empty array of STIX objects', 'SCHEMA_INVALID')
  }
  try {
    // Frozen once valid: each message built from them below then skips re-checking them.
    validateStixBundle({ type: 'bundle', id: `bundle--${randomUUID()}`, objects }, { freeze: true })
    checkMarkings(objects as StixObject[], out.tlp)
  } catch (err) {
    if (err instanceof ProtocolError) throw new TaxiiError(422, err.code === 'STIX_INVALID' ? 'Invalid STIX' : 'Marking conflict', err.message, err.code)
    throw err
  }
  const groups = splitIntoBundles(objects as StixObject[], c.maxMessageBytes() - HEADER_ALLOWANCE)
  const status: StatusRecord = { id: randomUUID(), collection: collection.id, client: client.name, requestTimestamp: now.toISOString(), entries: [] }
  const digests: string[] = []
  const entriesOf = (group: StixObject[], digest: string | undefined, queued: string[], refused: RecipientOutcome[]): StatusEntry[] =>
    group.map(o => ({
      id: String(o.id),
      version: versionOf(o),
      ...(digest != null ? { digest } : {}),
      recipients: queued,
      failures: refused.map(r => `${r.reason ?? 'REFUSED'}: recipient ${r.peerId} refused by policy`)
    }))
  const statusOps = (): { ops: BatchOp[], events: unknown[] } => ({
    ops: [{ type: 'put', sublevel: c.taxii.statuses, key: status.id, value: status }],
    events: [
      auditEvents.taxiiRequest({ client: client.name, collection: collection.id, action: 'objects.add', objects: status.entries.map(e => e.id), digests })
    ]
  })
  // The status resource and its audit event go in the same write as the last message sent
  // (one fsync per POST); in a write of their own only when that message was refused.
  let recorded = false
  for (const [n, group] of groups.entries()) {
    const last = n === groups.length - 1
    const body = { type: 'bundle', id: `bundle--${randomUUID()}`, objects: group }
    const alongside: SendAlongside = (m) => {
      const ops: BatchOp[] = [c.taxii.sentOp(collection.id, now.getTime(), m.digest), c.taxii.outboundMarkOp(collection.id, now.getTime(), m.digest)]
      if (!last) return { ops, events: [] }
      status.entries.push(...entriesOf(group, m.digest, m.queued, m.refused))
      digests.push(m.digest)
      recorded = true
      const record = statusOps()
      return { ops: [...ops, ...record.ops], events: record.events }
    }
    let recipients: RecipientOutcome[]
    let digest: string | undefined
    try {
      const res = await c.service.send({
        to: out.to,
        ...(out.taskForce != null ? { taskForce: out.taskForce } : {}),
        kind: out.kind,
        tlp: out.tlp,
        topic: out.topic,
        legalBasis: out.legalBasis,
        body
      }, { alongside })
      recipients = res.recipients
      digest = res.digest
    } catch (err) {
      if (recorded) throw err
      if (err instanceof NodeError && err.code === 'RECIPIENT_REFUSED') recipients = err.details as RecipientOutcome[]
      else if ((err instanceof NodeError || err instanceof ProtocolError) && out.taskForce != null && out.to.length === 0) {
        recipients = [{ peerId: `task force ${out.taskForce}`, status: 'refused', reason: err.code }]
      } else if (err instanceof NodeError || err instanceof ProtocolError) recipients = out.to.map(peerId => ({ peerId, status: 'refused', reason: err.code }))
      else throw err
    }
    if (recorded) break
    if (digest != null) digests.push(digest)
    status.entries.push(
      ...entriesOf(group, digest, recipients.filter(r => r.status !== 'refused').map(r => r.peerId), recipients.filter(r => r.status === 'refused'))
    )
  }
  if (!recorded) {
    const record = statusOps()
    await c.store.commit(record.ops, record.events)
  }
  return status
}

/**
 * The TAXII status resource (§4.3.1) of a stored request, from the deliveries as they are now.
 * `queued`: the request's messages were queued a moment ago (the POST's own answer), so each
 * delivery is reported pending without reading it; the status endpoint reads them. (The read
 * was ~15 % of a POST's CPU in the TAXII bench, for an answer that is pending all but always.)
 */
export async function statusResource (store: Store, record: StatusRecord, options: { queued?: boolean } = {}): Promise<Record<string, unknown>> {
  const successes: unknown[] = []
  const failures: unknown[] = []
  const pendings: unknown[] = []
  // The objects of one message share its deliveries: one read per message and recipient.
  const deliveries = new Map<string, ReturnType<Store['getDelivery']>>()
  const delivery = (digest: string, recipient: string): ReturnType<Store['getDelivery']> => {
    const key = digest + '!' + recipient
    let d = deliveries.get(key)
    if (d == null) {
      d = store.getDelivery(digest, recipient)
      deliveries.set(key, d)
    }
    return d
  }
  for (const e of record.entries) {
    const problems = [...e.failures]
    let pending = false
    if (e.digest != null && options.queued === true) pending = e.recipients.length > 0
    else if (e.digest != null) {
      for (const r of e.recipients) {
        const d = await delivery(e.digest, r)
        if (d == null || d.status === 'pending') pending = true
        else if (d.status !== 'delivered') problems.push(`${d.reason ?? d.status.toUpperCase()}: recipient ${r} (${d.status})`)
      }
    }
    const detail = (message?: string): Record<string, unknown> => ({ id: e.id, version: e.version, ...(message != null ? { message } : {}) })
    if (problems.length > 0) failures.push(detail(problems.join('; ')))
    else if (pending) pendings.push(detail(`queued for ${e.recipients.join(', ')}`))
    else successes.push(detail(`delivered to ${e.recipients.join(', ')} in message ${e.digest ?? ''}`))
  }
  return {
    id: record.id,
    status: pendings.length > 0 ? 'pending' : 'complete',
    request_timestamp: record.requestTimestamp,
    total_count: record.entries.length,
    success_count: successes.length,
    successes,
    failure_count: failures.length,
    failures,
    pending_count: pendings.length,
    pendings
  }
}
