/**
 * The TAXII server's records in the node's store (its own sublevels), and the operator's
 * administration of collections and clients. Every change is committed with its
 * `taxii.request` audit event in the same write.
 *
 * Collections and clients are read on every TAXII request and every indexer pass, and change
 * only through this object (the node's one TaxiiStore; the CLI reaches a running node through
 * its API): they are read from the store once and kept in memory, dropped after each commit
 * that changes them, so a read never sees a change before it is durable and never misses one
 * after. (Reading them each time cost ~4 LevelDB reads and two iterators per POST and pass.)
 *
 * @module
 */
import type { AbstractSublevel } from 'abstract-level'
import type { Level } from 'level'
import type { BatchOp, Store } from '../store/index.ts'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { isPeerId } from '../../protocol/peer-id.ts'
import { isUuidV7 } from '../../protocol/uuid.ts'
import { MESSAGE_KINDS, TLP_LEVELS, type MessageKind, type Tlp } from '../../protocol/types.ts'
import { auditEvents } from '../audit/events.ts'
import { NodeError } from '../errors.ts'
import { pad } from '../store/index.ts'
import type { Access, InboundFilter, OutboundMapping, StatusRecord, TaxiiClient, TaxiiCollection } from './records.ts'

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/
const SEP = '!'

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex')

export interface CollectionInput {
  title?: string
  description?: string
  outbound?: OutboundMapping
  inbound?: InboundFilter
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Sub<V> = AbstractSublevel<Level<string, unknown>, any, string, V>

export class TaxiiStore {
  private readonly store: Store
  readonly collections: Sub<TaxiiCollection>
  readonly clients: Sub<TaxiiClient>
  readonly statuses: Sub<StatusRecord>
  /** collectionId!pad(storedAt)!digest → '' : messages an outbound collection sent. */
  readonly sent: Sub<string>
  /** collectionId!objectId → deleted at (ms): objects deleted locally from a collection. */
  readonly deleted: Sub<number>
  /** The object index of every collection (object-index.ts; written by the indexer only). */
  readonly index: Sub<string>
  /** collectionId → the index's state: built, or building with the backfill's cursor. */
  readonly indexStates: Sub<{ state: 'building' | 'built', cursor?: string }>
  /** pad(storedAt)!digest!collectionId → '': sent messages the indexer has yet to add. */
  readonly outboundMarks: Sub<string>
  /** In memory (see the module comment): collections by id, in creation order. */
  #collections: Promise<Map<string, TaxiiCollection>> | undefined
  /** In memory: clients by their secret's SHA-256. */
  #clientsBySecret: Promise<Map<string, TaxiiClient>> | undefined

  constructor (store: Store) {
    this.store = store
    const json = { valueEncoding: 'json' }
    const sub = <V>(name: string): Sub<V> => store.db.sublevel<string, V>(name, json)
    this.collections = sub('taxii-col')
    this.clients = sub('taxii-cli')
    this.statuses = sub('taxii-st')
    this.sent = sub('taxii-out')
    this.deleted = sub('taxii-del')
    const utf8 = { valueEncoding: 'utf8' }
    this.index = store.db.sublevel<string, string>('taxii-ix', utf8)
    this.indexStates = sub('taxii-ixs')
    this.outboundMarks = store.db.sublevel<string, string>('taxii-ixo', utf8)
  }

  async #collectionMap (): Promise<Map<string, TaxiiCollection>> {
    this.#collections ??= (async () => {
      const out: TaxiiCollection[] = []
      for await (const [, value] of this.collections.iterator()) out.push(value)
      out.sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      return new Map(out.map(c => [c.id, c]))
    })()
    this.#collections.catch(() => {
      this.#collections = undefined
    })
    return await this.#collections
  }

  async listCollections (): Promise<TaxiiCollection[]> {
    return [...(await this.#collectionMap()).values()]
  }

  async getCollection (id: string): Promise<TaxiiCollection | undefined> {
    return (await this.#collectionMap()).get(id)
  }

  async addCollection (input: CollectionInput, now = new Date()): Promise<TaxiiCollection> {
    if ((input.outbound == null) === (input.inbound == null)) throw new NodeError('BAD_ARGUMENT', 'a collection is either --outbound or --inbound')
    if (input.outbound != null) checkOutbound(input.outbound)
    if (input.inbound != null) checkInbound(input.inbound)
    const id = randomUUID()
    const collection: TaxiiCollection = {
      id,
      title: input.title ?? (input.outbound != null ? `outbound ${input.outbound.topic}` : `inbound ${input.inbound?.topic ?? 'all'}`),
      ...(input.description != null ? { description: input.description } : {}),
      direction: input.outbound != null ? 'outbound' : 'inbound',
      ...(input.outbound != null ? { outbound: input.outbound } : {}),
      ...(input.inbound != null ? { inbound: input.inbound } : {}),
      createdAt: now.toISOString()
    }
    await this.store.commit([{ type: 'put', sublevel: this.collections, key: id, value: collection }], [
      auditEvents.taxiiRequest({ client: 'operator', collection: id, action: 'collection.add', objects: [], digests: [] })
    ]).finally(() => {
      this.#collections = undefined
    })
    return collection
  }

  async removeCollection (id: string): Promise<void> {
    if (await this.collections.get(id) == null) throw new NodeError('NOT_FOUND', `no TAXII collection ${id}`)
    await this.store.commit([{ type: 'del', sublevel: this.collections, key: id }], [
      auditEvents.taxiiRequest({ client: 'operator', collection: id, action: 'collection.remove', objects: [], digests: [] })
    ]).finally(() => {
      this.#collections = undefined
    })
  }

  async listClients (): Promise<Array<Omit<TaxiiClient, 'secretSha256'>>> {
    const out: Array<Omit<TaxiiClient, 'secretSha256'>> = []
    for await (const [, value] of this.clients.iterator()) {
      out.push({ name: value.name, collections: value.collections, createdAt: value.createdAt })
    }
    return out
  }

  /** A new client with a fresh secret, returned once (only its SHA-256 is stored). */
  async addClient (
    name: string,
    collections: Record<string, Access>,
    now = new Date()
  ): Promise<{ name: string, secret: string, collections: Record<string, Access> }> {
    if (!NAME.test(name)) throw new NodeError('BAD_ARGUMENT', 'client name: 1-64 characters of [A-Za-z0-9._-], starting with a letter or digit')
    if (await this.clients.get(name) != null) throw new NodeError('BAD_ARGUMENT', `a TAXII client ${name} exists; remove it first`)
    for (const id of Object.keys(collections)) {
      if (await this.collections.get(id) == null) throw new NodeError('NOT_FOUND', `no TAXII collection ${id}`)
    }
    const secret = randomBytes(32).toString('base64url')
    const record: TaxiiClient = { name, secretSha256: sha256Hex(secret), collections, createdAt: now.toISOString() }
    await this.store.commit([{ type: 'put', sublevel: this.clients, key: name, value: record }], [
      auditEvents.taxiiRequest({
        client: 'operator',
        collection: Object.keys(collections).join(',') || '-',
        action: 'client.add',
        objects: [name],
        digests: []
      })
    ]).finally(() => {
      this.#clientsBySecret = undefined
    })
    return { name, secret, collections }
  }

  async removeClient (name: string): Promise<void> {
    const record = await this.clients.get(name)
    if (record == null) throw new NodeError('NOT_FOUND', `no TAXII client ${name}`)
    const event = auditEvents.taxiiRequest({ client: 'operator', collection: '-', action: 'client.remove', objects: [name], digests: [] })
    await this.store.commit([{ type: 'del', sublevel: this.clients, key: name }], [event]).finally(() => {
      this.#clientsBySecret = undefined
    })
  }

  /** The client a secret belongs to (Bearer), checked against the name when one is given (Basic). */
  async authenticate (secret: string, name?: string): Promise<TaxiiClient | undefined> {
    this.#clientsBySecret ??= (async () => {
      const out = new Map<string, TaxiiClient>()
      for await (const [, value] of this.clients.iterator()) out.set(value.secretSha256, value)
      return out
    })()
    this.#clientsBySecret.catch(() => {
      this.#clientsBySecret = undefined
    })
    const client = (await this.#clientsBySecret).get(sha256Hex(secret))
    return client == null || (name != null && client.name !== name) ? undefined : client
  }

  async sentDigests (collection: string): Promise<Array<{ at: number, digest: string }>> {
    const out: Array<{ at: number, digest: string }> = []
    for await (const key of this.sent.keys({ gt: collection + SEP, lt: collection + SEP + '\xff' })) {
      const [, at, digest] = key.split(SEP)
      out.push({ at: Number(at), digest })
    }
    return out
  }

  sentOp (collection: string, at: number, digest: string): BatchOp {
    return { type: 'put', sublevel: this.sent, key: collection + SEP + pad(at) + SEP + digest, value: '' }
  }

  /** The mark that tells the indexer an outbound collection sent a message (with its status). */
  outboundMarkOp (collection: string, storedAt: number, digest: string): BatchOp {
    return { type: 'put', sublevel: this.outboundMarks, key: pad(storedAt) + SEP + digest + SEP + collection, value: '' }
  }

  deleteOp (collection: string, objectId: string, at: number): BatchOp {
    return { type: 'put', sublevel: this.deleted, key: collection + SEP + objectId, value: at }
  }
}

function checkOutbound (o: OutboundMapping): void {
  if (o.taskForce != null) {
    if (!isUuidV7(o.taskForce)) throw new NodeError('BAD_ARGUMENT', `--task-force: ${o.taskForce} is not a task force id`)
    if (Array.isArray(o.to) && o.to.length > 0) throw new NodeError('BAD_ARGUMENT', 'give --to or --task-force, not both')
  } else if (!Array.isArray(o.to) || o.to.length === 0) throw new NodeError('BAD_ARGUMENT', '--to: at least one recipient peer ID (or --task-force ID)')
  for (const p of o.to) if (!isPeerId(p)) throw new NodeError('BAD_PEER_ID', `--to: ${p} is not a peer ID`)
  if (typeof o.topic !== 'string' || !SLUG.test(o.topic)) throw new NodeError('BAD_ARGUMENT', '--topic: a lowercase slug')
  if (!(TLP_LEVELS as readonly string[]).includes(o.tlp)) throw new NodeError('BAD_ARGUMENT', `--tlp: one of ${TLP_LEVELS.join(', ')}`)
  if (typeof o.legalBasis !== 'string' || o.legalBasis === '') throw new NodeError('BAD_ARGUMENT', '--legal-basis is required')
  if (!(MESSAGE_KINDS as readonly string[]).includes(o.kind)) throw new NodeError('BAD_ARGUMENT', `--kind: one of ${MESSAGE_KINDS.join(', ')}`)
}

function checkInbound (i: InboundFilter): void {
  if (i.from != null && !isPeerId(i.from)) throw new NodeError('BAD_PEER_ID', `--from: ${i.from} is not a peer ID`)
  if (i.topic != null && !SLUG.test(i.topic)) throw new NodeError('BAD_ARGUMENT', '--topic: a lowercase slug')
  if (i.maxTlp != null && !(TLP_LEVELS as readonly string[]).includes(i.maxTlp)) {
    throw new NodeError('BAD_ARGUMENT', `--max-tlp: one of ${TLP_LEVELS.join(', ')}`)
  }
}

export type { Access, MessageKind, Tlp }
