/**
 * From audit entries to report facts. The normaliser reads every entry of the log in order,
 * keeps what later entries need to be joined to (a sent message for its recipients' receipts,
 * a request for information for its answer, a release request for its decision, a message for
 * its forwards) in bounded maps, and emits facts: one countable thing each, already attributed
 * to a counterpart peer, the message's dimensions and a time.
 *
 * Attribution rule: an outcome belongs to what it concerns. A receipt, an answer or a release
 * decision is counted under the message or request it answers — its period, its dimensions —
 * and only if that message or request was sealed within the report's period, whenever the
 * outcome itself arrived (up to the checkpoint). So per row, sent = accepted + rejected +
 * still pending, and an answered share never exceeds 1.
 *
 * @module
 */
import { BoundedMap } from './bounded-map.ts'
import { UNKNOWN } from './types.ts'

/** What dimensions an entry tells about a message (UNKNOWN where it does not). */
export interface MessageDims {
  topic: string
  agreement: string
  kind: string
  tlp: string
}

export type Direction = 'out' | 'in'

interface Base {
  /** Epoch ms the fact is attributed to (its period). */
  at: number
  /** The counterpart: recipient, sender, requester, originator, witness. */
  peer: string
  dims: MessageDims
}

export type Fact =
  | (Base & { type: 'message', direction: Direction })
  | (Base & { type: 'outcome', direction: Direction, status: 'accepted' | 'rejected', reason: string | null, delayMs: number | null })
  | (Base & { type: 'rfi', direction: Direction })
  | (Base & { type: 'answer', direction: Direction, delayMs: number })
  | (Base & { type: 'release', direction: Direction, phase: 'requested' | 'granted' | 'denied', delayMs: number | null })
  | (Base & { type: 'forward', direction: Direction })
  | (Base & { type: 'trust', action: 'suspended' | 'resumed' | 'revoked' | 'key-rotated' | 'witness-alert' })
  | (Base & { type: 'feedback', direction: Direction, rating: string })
  | (Base & { type: 'taskforce', direction: Direction, taskForce: string, version: number | null, action: string | null })

/** An entry as JSON.parse gives it (only the members the normaliser reads are typed). */
export type RawEntry = Record<string, unknown> & { type: string, at: string }

export const NO_DIMS: MessageDims = Object.freeze({ topic: UNKNOWN, agreement: UNKNOWN, kind: UNKNOWN, tlp: UNKNOWN })

const MESSAGE_TYPE = 'application/vnd.liaison.message.v1+json'
const FORWARD_TYPE = 'application/vnd.liaison.forward.v1+json'

interface Known {
  at: number
  counted: boolean
  dims: MessageDims
  direction: Direction
  payloadType: string
  id: string
  /** The counterparts: its recipients (outbound) or its sender (inbound). */
  peers: string[]
  /** Outbound: recipients whose receipt is still awaited. */
  waiting: string[]
}

interface Asked {
  at: number
  counted: boolean
  dims: MessageDims
  direction: Direction
}

export interface NormaliserInit {
  /** The node's peer ID (the checkpoint signer). */
  self: string
  /** Entries sealed in [fromMs, toMs] are counted. */
  fromMs: number
  toMs: number
  /** Most messages / requests remembered for joins (oldest forgotten first). */
  joinLimit: number
  emit: (fact: Fact) => void
}

/** One plug-in point for entry types added later (e.g. hit/no-hit queries): see figures.ts. */
export type EntryHook = (entry: RawEntry, atMs: number, n: Normaliser) => void

/** Hooks every Normaliser starts with, registered by capabilities at load (node/taskforce/report-figures.ts). */
const ENTRY_HOOKS = new Map<string, EntryHook>()

export function registerEntryHook (type: string, fn: EntryHook): void {
  if (ENTRY_HOOKS.has(type)) throw new Error(`an entry hook for ${type} is already registered`)
  ENTRY_HOOKS.set(type, fn)
}

export class Normaliser {
  private readonly init: NormaliserInit
  private readonly selves = new Set<string>()
  private readonly messages: BoundedMap<string, Known>
  private readonly asked: BoundedMap<string, Asked>
  private readonly releases: BoundedMap<string, Asked>
  private readonly dimsCache = new Map<string, MessageDims>()
  private readonly hooks = new Map<string, EntryHook>()
  readonly peerNames = new Map<string, string>()
  entries = 0
  counted = 0
  firstAt: string | null = null
  lastAt: string | null = null

  constructor (init: NormaliserInit) {
    this.init = init
    this.selves.add(init.self)
    this.messages = new BoundedMap(init.joinLimit)
    this.asked = new BoundedMap(init.joinLimit)
    this.releases = new BoundedMap(init.joinLimit)
    for (const [type, fn] of ENTRY_HOOKS) this.hooks.set(type, fn)
  }

  /** Let a later capability handle its own entry type (its facts reach the figures through `emit`). */
  hook (type: string, fn: EntryHook): void {
    this.hooks.set(type, fn)
  }

  get uncorrelated (): number {
    return this.messages.evicted + this.asked.evicted + this.releases.evicted
  }

  inRange (atMs: number): boolean {
    return atMs >= this.init.fromMs && atMs <= this.init.toMs
  }

  emit (fact: Fact): void {
    this.init.emit(fact)
  }

  isSelf (peer: unknown): boolean {
    return typeof peer === 'string' && this.selves.has(peer)
  }

  /** Dimensions of a stored message by digest, if it is still remembered. */
  dimsOf (digest: unknown): MessageDims {
    return typeof digest === 'string' ? this.messages.get(digest)?.dims ?? NO_DIMS : NO_DIMS
  }

  private dims (e: RawEntry): MessageDims {
    const topic = str(e.topic)
    const agreement = str(e.legalBasis)
    const kind = str(e.kind)
    const tlp = str(e.tlp)
    const key = `${topic}\u0000${agreement}\u0000${kind}\u0000${tlp}`
    let d = this.dimsCache.get(key)
    if (d == null) {
      d = Object.freeze({ topic, agreement, kind, tlp })
      if (this.dimsCache.size < 100_000) this.dimsCache.set(key, d)
    }
    return d
  }

  /** Feed the next entry of the log. */
  add (e: RawEntry): void {
    const atMs = Date.parse(e.at)
    this.entries++
    if (this.firstAt == null) this.firstAt = e.at
    this.lastAt = e.at
    const counted = this.inRange(atMs)
    if (counted) this.counted++
    switch (e.type) {
      case 'message.sent': return this.sent(e, atMs, counted)
      case 'message.received': return this.received(e, atMs, counted)
      case 'message.rejected':
        if (!counted) return
        this.emit({ type: 'message', direction: 'in', at: atMs, peer: str(e.from), dims: NO_DIMS })
        this.emit({ type: 'outcome', direction: 'in', at: atMs, peer: str(e.from), dims: NO_DIMS, status: 'rejected', reason: str(e.reason), delayMs: null })
        return
      case 'receipt.stored': return this.receipt(e, atMs)
      case 'message.replied': return this.replied(e, atMs)
      case 'release.requested': return this.releaseRequested(e, atMs, counted)
      case 'release.granted':
      case 'release.denied': return this.releaseDecided(e, atMs)
      case 'message.forwarded': {
        if (!counted) return
        const dims = this.dimsOf(e.digest)
        for (const to of arr(e.to)) this.emit({ type: 'forward', direction: 'out', at: atMs, peer: to, dims })
        return
      }
      case 'peer.added':
      case 'peer.updated': return this.peer(e, atMs, counted)
      case 'key.rotated': {
        if (e.subject === 'self') {
          this.selves.add(str(e.newPeerId))
          this.selves.add(str(e.oldPeerId))
        }
        if (counted) this.emit({ type: 'trust', action: 'key-rotated', at: atMs, peer: e.subject === 'self' ? this.init.self : str(e.newPeerId), dims: NO_DIMS })
        return
      }
      case 'message.rated': {
        // Attributed to the rated message: `given` (in) rates one we received, `received` (out) one we sent.
        const rated = this.messages.get(str(e.digest))
        if (rated == null || !rated.counted) return
        const given = this.isSelf(e.rater)
        this.emit({ type: 'feedback', direction: given ? 'in' : 'out', at: rated.at, peer: given ? str(e.originator) : str(e.rater), dims: rated.dims, rating: str(e.rating) })
        return
      }
      case 'witness.alert':
        if (counted) this.emit({ type: 'trust', action: 'witness-alert', at: atMs, peer: str(e.witness), dims: NO_DIMS })
        return
      default: {
        const hook = this.hooks.get(e.type)
        if (hook != null) hook(e, atMs, this)
      }
    }
  }

  private sent (e: RawEntry, atMs: number, counted: boolean): void {
    const payloadType = str(e.payloadType)
    const dims = this.dims(e)
    const to = arr(e.to)
    this.selves.add(str(e.from))
    this.messages.set(str(e.digest), { at: atMs, counted, dims, direction: 'out', payloadType, id: str(e.id), peers: to, waiting: to.slice() })
    if (!counted) return
    if (payloadType === MESSAGE_TYPE) {
      for (const peer of to) {
        this.emit({ type: 'message', direction: 'out', at: atMs, peer, dims })
        if (e.kind === 'rfi') this.emit({ type: 'rfi', direction: 'out', at: atMs, peer, dims })
      }
      if (e.kind === 'rfi') for (const peer of to) this.asked.set(`${str(e.id)}|${peer}`, { at: atMs, counted, dims, direction: 'out' })
    }
  }

  private received (e: RawEntry, atMs: number, counted: boolean): void {
    const payloadType = str(e.payloadType)
    const dims = this.dims(e)
    const from = str(e.from)
    this.messages.set(str(e.digest), { at: atMs, counted, dims, direction: 'in', payloadType, id: str(e.id), peers: [from], waiting: [] })
    if (payloadType === MESSAGE_TYPE && e.kind === 'rfi') this.asked.set(`${str(e.id)}|${from}`, { at: atMs, counted, dims, direction: 'in' })
    if (!counted) return
    if (payloadType === MESSAGE_TYPE) {
      this.emit({ type: 'message', direction: 'in', at: atMs, peer: from, dims })
      this.emit({ type: 'outcome', direction: 'in', at: atMs, peer: from, dims, status: 'accepted', reason: null, delayMs: null })
      if (e.kind === 'rfi') this.emit({ type: 'rfi', direction: 'in', at: atMs, peer: from, dims })
    } else if (payloadType === FORWARD_TYPE) {
      this.emit({ type: 'forward', direction: 'in', at: atMs, peer: from, dims })
    }
  }

  private receipt (e: RawEntry, atMs: number): void {
    const by = str(e.by)
    if (this.isSelf(by)) return
    const digest = str(e.for)
    const known = this.messages.get(digest)
    if (known == null || known.direction !== 'out') return
    const i = known.waiting.indexOf(by)
    if (i < 0) return
    known.waiting.splice(i, 1)
    if (!known.counted || known.payloadType !== MESSAGE_TYPE) return
    const status = e.status === 'rejected' ? 'rejected' : 'accepted'
    this.emit({ type: 'outcome', direction: 'out', at: known.at, peer: by, dims: known.dims, status, reason: status === 'rejected' ? str(e.reason) : null, delayMs: atMs - known.at })
  }

  /** A message that answers another (`message.replied`, logged with it): answers a request for information. */
  private replied (e: RawEntry, atMs: number): void {
    const reply = this.messages.get(str(e.digest))
    if (reply == null) return
    for (const peer of reply.peers) {
      const key = `${str(e.inReplyTo)}|${peer}`
      const asked = this.asked.get(key)
      if (asked == null || asked.direction === reply.direction) continue
      this.asked.delete(key)
      if (asked.counted) this.emit({ type: 'answer', direction: asked.direction, at: asked.at, peer, dims: asked.dims, delayMs: atMs - asked.at })
    }
  }

  private releaseRequested (e: RawEntry, atMs: number, counted: boolean): void {
    const direction: Direction = this.isSelf(e.originator) ? 'in' : 'out'
    const peer = direction === 'in' ? str(e.requester) : str(e.originator)
    const dims = this.dimsOf(e.digest)
    this.releases.set(`${str(e.digest)}|${str(e.requester)}`, { at: atMs, counted, dims, direction })
    if (counted) this.emit({ type: 'release', direction, phase: 'requested', at: atMs, peer, dims, delayMs: null })
  }

  private releaseDecided (e: RawEntry, atMs: number): void {
    const key = `${str(e.digest)}|${str(e.requester)}`
    const req = this.releases.get(key)
    if (req == null) return
    this.releases.delete(key)
    if (!req.counted) return
    const peer = req.direction === 'in' ? str(e.requester) : str(e.originator)
    this.emit({ type: 'release', direction: req.direction, phase: e.type === 'release.granted' ? 'granted' : 'denied', at: req.at, peer, dims: req.dims, delayMs: atMs - req.at })
  }

  private peer (e: RawEntry, atMs: number, counted: boolean): void {
    const after = e.after as { name?: unknown } | null
    const peerId = str(e.peerId)
    if (after != null && typeof after.name === 'string' && after.name !== '') this.peerNames.set(peerId, after.name)
    if (!counted || e.type !== 'peer.updated') return
    const action = e.action === 'peer.suspended' ? 'suspended' : e.action === 'peer.revoked' ? 'revoked' : e.action === 'peer.resumed' ? 'resumed' : null
    if (action != null) this.emit({ type: 'trust', action, at: atMs, peer: peerId, dims: NO_DIMS })
  }
}

function str (v: unknown): string {
  return typeof v === 'string' && v !== '' ? v : UNKNOWN
}

function arr (v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
}
