/**
 * What an operator can ask of a node — send, inbox, outbox, message, peers, health — as one
 * interface. The running node serves it over the local API; the CLI calls it through the API
 * when the node runs, or directly on the store when it does not.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { signEnvelope, encodeEnvelope } from '../protocol/envelope.ts'
import { envelopeDigest } from '../protocol/digest.ts'
import { encodeMessage, validateMessage } from '../protocol/message.ts'
import { uuidV7 } from '../protocol/uuid.ts'
import { ProtocolError, type ReasonCode } from '../protocol/errors.ts'
import { PAYLOAD_TYPES, type MessageKind, type MessageV1, type Signer, type Tlp } from '../protocol/types.ts'
import { DEFAULT_MESSAGE_TTL_MS } from './defaults.ts'
import { NodeError } from './errors.ts'
import type { Store, InboxQuery } from './store/store.ts'
import type { DeliveryRecord, MessageMeta, PeerRecord } from './store/records.ts'
import type { TrustList, PeerInput } from './trust-list.ts'
import type { Outbox } from './exchange/outbox.ts'
import { enqueueOutbound } from './exchange/enqueue.ts'

export interface SendInput {
  to: string[]
  kind: MessageKind
  tlp: Tlp
  topic: string
  legalBasis: string
  handling?: string[]
  inReplyTo?: string
  /** Absolute expiry (RFC 3339) or lifetime in ms; default DEFAULT_MESSAGE_TTL_MS. */
  expires?: string
  ttlMs?: number
  body: Record<string, unknown>
}

export interface RecipientOutcome {
  peerId: string
  status: 'queued' | 'refused' | 'delivered' | 'rejected' | 'expired' | 'cancelled' | 'pending'
  reason?: string
}

export interface SendResult {
  id: string
  digest: string
  recipients: RecipientOutcome[]
}

export interface MessageView {
  meta: MessageMeta
  /** Base64 of the envelope bytes exactly as signed or received (when asked and not purged). */
  envelope?: string
  receipts: Array<{ by: string, envelope: string }>
  deliveries?: DeliveryRecord[]
}

export interface Health {
  status: 'ready' | 'not-ready'
  peerId: string
  name: string
  running: boolean
  connectedPeers?: number
}

export interface LiaisonService {
  send (input: SendInput, opts?: { wait?: boolean, timeoutMs?: number }): Promise<SendResult>
  inbox (query?: InboxQuery): Promise<MessageMeta[]>
  sent (query?: InboxQuery): Promise<MessageMeta[]>
  outbox (): Promise<DeliveryRecord[]>
  message (ref: string, opts?: { envelope?: boolean }): Promise<MessageView>
  peers (): Promise<PeerRecord[]>
  addPeer (input: PeerInput): Promise<PeerRecord>
  removePeer (peerId: string): Promise<void>
  health (): Promise<Health>
}

export interface LocalServiceComponents {
  store: Store
  trust: TrustList
  signer: Signer
  name: string
  /** Present when the node runs; absent when the CLI works on a stopped node's store. */
  outbox?: Outbox
  connectedPeers?: () => number
  now?: () => Date
}

const FINAL = new Set(['delivered', 'rejected', 'expired', 'cancelled'])

export class LocalService implements LiaisonService {
  private readonly c: LocalServiceComponents
  private readonly now: () => Date

  constructor (components: LocalServiceComponents) {
    this.c = components
    this.now = components.now ?? (() => new Date())
  }

  async send (input: SendInput, opts: { wait?: boolean, timeoutMs?: number } = {}): Promise<SendResult> {
    if (opts.wait === true && this.c.outbox == null) throw new NodeError('NODE_NOT_RUNNING', '--wait needs a running node (start it with `liaison start`)')
    if (!Array.isArray(input.to) || input.to.length === 0) throw new NodeError('BAD_ARGUMENT', 'to: at least one recipient is required')
    const now = this.now()
    const outcomes: RecipientOutcome[] = []
    const allowed: string[] = []
    for (const peerId of [...new Set(input.to)]) {
      const reason = this.outboundRefusal(peerId)
      if (reason == null) allowed.push(peerId)
      else outcomes.push({ peerId, status: 'refused', reason })
    }
    if (allowed.length === 0) {
      throw new NodeError('RECIPIENT_REFUSED', `every recipient was refused: ${outcomes.map(o => `${o.peerId} (${o.reason})`).join(', ')}`, { details: outcomes })
    }
    const expires = input.expires ?? new Date(now.getTime() + (input.ttlMs ?? DEFAULT_MESSAGE_TTL_MS)).toISOString()
    const draft: Record<string, unknown> = {
      v: 1,
      id: uuidV7(now.getTime(), randomBytes(10)),
      kind: input.kind,
      from: this.c.signer.peerId,
      to: allowed,
      created: now.toISOString(),
      expires,
      tlp: input.tlp,
      handling: input.handling ?? [],
      topic: input.topic,
      legalBasis: input.legalBasis,
      body: input.body
    }
    if (input.inReplyTo != null) draft.inReplyTo = input.inReplyTo
    let msg: MessageV1
    try {
      msg = validateMessage(draft)
    } catch (err) {
      if (err instanceof ProtocolError) throw new NodeError(err.code, err.message, { cause: err })
      throw err
    }
    const envelope = signEnvelope(PAYLOAD_TYPES.message, encodeMessage(msg), this.c.signer)
    const bytes = encodeEnvelope(envelope)
    const digest = envelopeDigest(envelope)
    const meta = metaOf(msg, digest, 'out', now.getTime())
    const waiting = opts.wait === true ? this.waitFor(digest, allowed, opts.timeoutMs) : undefined
    if (this.c.outbox != null) await this.c.outbox.enqueue(meta, bytes, allowed)
    else await enqueueOutbound(this.c.store, meta, bytes, allowed, now.getTime())
    if (waiting != null) {
      const finals = await waiting
      for (const r of finals) outcomes.push({ peerId: r.recipient, status: r.status, ...(r.reason != null ? { reason: r.reason } : {}) })
    } else {
      for (const peerId of allowed) outcomes.push({ peerId, status: 'queued' })
    }
    return { id: msg.id, digest, recipients: outcomes }
  }

  /** Why a recipient is refused before anything is signed (undefined: allowed). */
  outboundRefusal (peerId: string): ReasonCode | undefined {
    const peer = this.c.trust.get(peerId)
    if (peer == null) return 'UNKNOWN_PEER'
    if (peer.status === 'suspended') return 'PEER_SUSPENDED'
    if (peer.status === 'revoked') return 'PEER_REVOKED'
    return undefined
  }

  private waitFor (digest: string, recipients: string[], timeoutMs = 60_000): Promise<DeliveryRecord[]> {
    const outbox = this.c.outbox as Outbox
    return new Promise((resolve, reject) => {
      const done = new Map<string, DeliveryRecord>()
      const timer = setTimeout(() => {
        outbox.off('delivery', listener)
        reject(new NodeError('TIMEOUT', `no final receipt from ${recipients.filter(r => !done.has(r)).join(', ')} within ${timeoutMs} ms; the message stays queued`))
      }, timeoutMs)
      const listener = (record: DeliveryRecord): void => {
        if (record.digest !== digest || !FINAL.has(record.status)) return
        done.set(record.recipient, record)
        if (done.size === recipients.length) {
          clearTimeout(timer)
          outbox.off('delivery', listener)
          resolve(recipients.map(r => done.get(r) as DeliveryRecord))
        }
      }
      outbox.on('delivery', listener)
    })
  }

  async inbox (query: InboxQuery = {}): Promise<MessageMeta[]> {
    return await this.c.store.listMessages('in', query)
  }

  async sent (query: InboxQuery = {}): Promise<MessageMeta[]> {
    return await this.c.store.listMessages('out', query)
  }

  async outbox (): Promise<DeliveryRecord[]> {
    return await this.c.store.listDeliveries()
  }

  async message (ref: string, opts: { envelope?: boolean } = {}): Promise<MessageView> {
    const { store } = this.c
    const digest = await store.resolveRef(ref)
    const meta = digest == null ? undefined : await store.getMeta(digest)
    if (digest == null || meta == null) throw new NodeError('NOT_FOUND', `no message ${ref}`)
    const view: MessageView = {
      meta,
      receipts: (await store.receiptsFor(digest)).map(r => ({ by: r.by, envelope: Buffer.from(r.envelope).toString('base64') }))
    }
    if (opts.envelope === true) {
      const bytes = await store.getEnvelope(digest)
      if (bytes != null) view.envelope = Buffer.from(bytes).toString('base64')
    }
    if (meta.direction === 'out') {
      const deliveries = await Promise.all(meta.to.map(async r => await store.getDelivery(digest, r)))
      view.deliveries = deliveries.filter((d): d is DeliveryRecord => d != null)
    }
    return view
  }

  async peers (): Promise<PeerRecord[]> {
    return this.c.trust.list()
  }

  async addPeer (input: PeerInput): Promise<PeerRecord> {
    return await this.c.trust.add(input, this.now())
  }

  async removePeer (peerId: string): Promise<void> {
    await this.c.trust.remove(peerId)
  }

  async health (): Promise<Health> {
    const running = this.c.outbox != null
    return {
      status: 'ready',
      peerId: this.c.signer.peerId,
      name: this.c.name,
      running,
      ...(this.c.connectedPeers != null ? { connectedPeers: this.c.connectedPeers() } : {})
    }
  }
}

export function metaOf (msg: MessageV1, digest: string, direction: 'in' | 'out', storedAt: number): MessageMeta {
  const meta: MessageMeta = {
    digest,
    id: msg.id,
    direction,
    from: msg.from,
    to: msg.to,
    kind: msg.kind,
    tlp: msg.tlp,
    topic: msg.topic,
    legalBasis: msg.legalBasis,
    handling: msg.handling,
    created: msg.created,
    expires: msg.expires,
    storedAt
  }
  if (msg.inReplyTo != null) meta.inReplyTo = msg.inReplyTo
  return meta
}
