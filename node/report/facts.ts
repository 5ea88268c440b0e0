/**
 * From audit entries to report facts. The normaliser reads every entry of the log in order,
 * keeps what later entries need to be joined to in bounded maps, and emits facts: one countable
 * thing each, already attributed to a counterpart peer, the message's dimensions and a time.
 *
 * Attribution rule: an outcome belongs to what it concerns. A receipt, an answer or a release
 * decision is counted under the message or request it answers — its period, its dimensions —
 * and only if that message or request was sealed within the report's period, whenever the
 * outcome itself arrived (up to the checkpoint). So per row, sent = accepted + rejected +
 * still pending, and an answered share never exceeds 1.
 *
 * What is kept, each in a BoundedMap of at most `joinLimit` entries, oldest forgotten first:
 *
 * - `awaiting`: outbound deliveries (message × recipient) whose receipt has not been logged
 *   yet — deleted as the last recipient's receipt arrives, so in a healthy log it holds only
 *   what is in flight. Those left at the end are still in the outbox (or expired there).
 * - `messages`: every message's dimensions and time by digest, for the entries that refer back
 *   to a message later (`message.rated`, `message.forwarded`, `release.requested`,
 *   `message.replied`). Nothing completes a message (it can be rated any time), so this one
 *   only ever forgets by age.
 * - `told`: what an entry told about a message before the message's own entry (`tell`, e.g.
 *   its task force), deleted when that entry comes — in the same write, so it holds at most a
 *   message or two.
 * - `asked`, `releases`: requests for information and release requests awaiting their answer
 *   or decision, deleted when it comes; and what entry hooks open (`joinMap`, e.g. queries).
 *
 * `uncorrelated` counts the joins given up: a receipt, answer or decision whose request had
 * been forgotten (the deliveries still awaited when forgotten are counted as `untracked` in the
 * outbox figure), and a later entry naming a message no longer remembered.
 *
 * @module
 */
import { BoundedMap } from './bounded-map.ts'
import { messageDimensions } from './dimensions.ts'
import { MessageIndex, type MessageRecord } from './message-index.ts'
import { UNKNOWN } from './types.ts'
import { NO_DIMS, type Direction, type Fact, type MessageDims, type RawEntry } from './fact.ts'

const MESSAGE_TYPE = 'application/vnd.liaison.message.v1+json'
const FORWARD_TYPE = 'application/vnd.liaison.forward.v1+json'

interface Awaiting {
  msg: MessageRecord
  /** Recipients whose receipt is still awaited. */
  waiting: string[]
  expiresMs: number
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
  /** Most entries each join map remembers (oldest forgotten first). */
  joinLimit: number
  emit: (fact: Fact) => void
}

/**
 * A plug-in point for entry types added later (hit/no-hit queries use it, reports.ts): called
 * for every entry of its type, after the built-in handling if the type has one. It emits facts
 * through `n.emit`, keeps joins in `n.joinMap(name)` and attributes with `n.inRange`, `n.dims`.
 */
export type EntryHook = (entry: RawEntry, atMs: number, n: Normaliser) => void

const GLOBAL_HOOKS = new Map<string, EntryHook[]>()

const PAYLOAD_NAMES = new Map<string, string>()

/** `application/vnd.liaison.release-request.v1+json` → `release-request`. */
function payloadName (type: string): string {
  let name = PAYLOAD_NAMES.get(type)
  if (name == null) {
    name = /^application\/vnd\.liaison\.([a-z0-9-]+)\.v\d+\+json$/.exec(type)?.[1] ?? type
    if (PAYLOAD_NAMES.size < 1000) PAYLOAD_NAMES.set(type, name)
  }
  return name
}

export class Normaliser {
  private readonly init: NormaliserInit
  private readonly selves = new Set<string>()
  private readonly messages: MessageIndex
  private readonly awaiting: BoundedMap<string, Awaiting>
  private readonly asked: BoundedMap<string, Asked>
  private readonly releases: BoundedMap<string, Asked>
  private readonly joins = new Map<string, BoundedMap<string, unknown>>()
  private readonly dimsCache = new Map<string, MessageDims>()
  private readonly told: BoundedMap<string, Record<string, unknown>>
  private readonly hooks = new Map<string, EntryHook[]>()
  private missed = 0
  private lastMs = 0
  readonly peerNames = new Map<string, string>()
  entries = 0
  counted = 0
  firstAt: string | null = null
  lastAt: string | null = null

  constructor (init: NormaliserInit) {
    this.init = init
    this.selves.add(init.self)
    this.messages = new MessageIndex(init.joinLimit)
    this.awaiting = new BoundedMap(init.joinLimit, a => {
      this.leftOver(a, 'untracked')
    })
    this.asked = new BoundedMap(init.joinLimit)
    this.releases = new BoundedMap(init.joinLimit)
    this.told = new BoundedMap(init.joinLimit)
    for (const [type, fns] of GLOBAL_HOOKS) this.hooks.set(type, [...fns])
  }

  /**
   * Register an entry hook for every report computed from now on (a capability's module calls
   * it once at load, beside its `registerFigure`).
   */
  static hook (type: string, fn: EntryHook): void {
    GLOBAL_HOOKS.set(type, [...(GLOBAL_HOOKS.get(type) ?? []), fn])
  }

  /** Let a later capability handle its own entry type in this computation only. */
  hook (type: string, fn: EntryHook): void {
    this.hooks.set(type, [...(this.hooks.get(type) ?? []), fn])
  }

  /** A join map of this computation for a hook (bounded by the join limit; what it forgets is counted in `uncorrelated`). */
  joinMap<V> (name: string): BoundedMap<string, V> {
    let m = this.joins.get(name)
    if (m == null) {
      m = new BoundedMap(this.init.joinLimit)
      this.joins.set(name, m)
    }
    return m as BoundedMap<string, V>
  }

  /** Joins given up (see the module header). */
  get uncorrelated (): number {
    let n = this.missed + this.awaiting.evicted + this.asked.evicted + this.releases.evicted
    for (const m of this.joins.values()) n += m.evicted
    return n
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

  /** Count a join given up by a hook (e.g. an outcome whose request is no longer remembered). */
  missedJoin (): void {
    this.missed++
  }

  /** Dimensions of a logged message by digest (NO_DIMS, and a join given up, if it is no longer remembered). */
  dimsOf (digest: unknown): MessageDims {
    const known = typeof digest === 'string' ? this.messages.get(digest) : undefined
    if (known != null) return known.dims
    this.missed++
    return NO_DIMS
  }

  /** The message dimensions an entry tells (every registered `fromEntry`), shared between entries that tell the same. */
  dims (e: RawEntry): MessageDims {
    const defs = messageDimensions()
    let key = ''
    for (const d of defs) key += str(d.fromEntry?.(e)) + '\u0000'
    let dims = this.dimsCache.get(key)
    if (dims == null) {
      const o: Record<string, string> = {}
      for (const d of defs) {
        const v = str(d.fromEntry?.(e))
        if (v !== UNKNOWN) o[d.id] = v
      }
      dims = Object.freeze(o)
      if (this.dimsCache.size < 100_000) this.dimsCache.set(key, dims)
    }
    return dims
  }

  /**
   * Fields another entry tells about a message, read by the message dimensions (`fromEntry`) as
   * if the message's own `message.sent` / `message.received` entry carried them — for an entry
   * written just BEFORE the message's entry in the same write (a `taskforce.message` names the
   * task force, node/taskforce/report-figures.ts), so every fact about the message, from its own
   * entry on, carries the value. Taken when the message's entry comes; told after it (or for a
   * message never logged) it changes nothing, so a message is never counted under two values.
   */
  tell (digest: unknown, fields: Record<string, unknown>): void {
    if (typeof digest !== 'string' || digest === '' || this.messages.get(digest) != null) return
    this.told.set(digest, { ...this.told.get(digest), ...fields })
  }

  /** A message entry with what was told about its digest (the entry itself when nothing was). */
  private withTold (e: RawEntry): RawEntry {
    if (this.told.size === 0 || typeof e.digest !== 'string') return e
    const fields = this.told.get(e.digest)
    if (fields == null) return e
    this.told.delete(e.digest)
    return { ...fields, ...e }
  }

  /** Feed the next entry of the log. */
  add (e: RawEntry): void {
    const atMs = Date.parse(e.at)
    this.entries++
    if (this.firstAt == null) this.firstAt = e.at
    this.lastAt = e.at
    this.lastMs = atMs
    const counted = this.inRange(atMs)
    if (counted) this.counted++
    this.builtIn(e, atMs, counted)
    const hooks = this.hooks.get(e.type)
    if (hooks != null) { for (const fn of hooks) fn(e, atMs, this) }
  }

  /** After the last entry: the deliveries still awaited are in the outbox, or expired there. */
  finish (): void {
    for (const a of this.awaiting.values()) this.leftOver(a, null)
  }

  private builtIn (e: RawEntry, atMs: number, counted: boolean): void {
    switch (e.type) {
      case 'message.sent':
        return this.sent(e, atMs, counted)
      case 'message.received':
        return this.received(e, atMs, counted)
      case 'message.rejected':
        if (!counted) return
        this.emit({ type: 'message', direction: 'in', at: atMs, peer: str(e.from), dims: NO_DIMS })
        this.emit({ type: 'outcome', direction: 'in', at: atMs, peer: str(e.from), dims: NO_DIMS, status: 'rejected', reason: str(e.reason), delayMs: null })
        return
      case 'receipt.stored':
        return this.receipt(e, atMs)
      case 'message.replied':
        return this.replied(e, atMs)
      case 'release.requested':
        return this.releaseRequested(e, atMs, counted)
      case 'release.granted':
      case 'release.denied':
        return this.releaseDecided(e, atMs)
      case 'message.forwarded': {
        if (!counted) return
        const dims = this.dimsOf(e.digest)
        for (const to of arr(e.to)) this.emit({ type: 'forward', direction: 'out', at: atMs, peer: to, dims })
        return
      }
      case 'peer.added':
      case 'peer.updated':
        return this.peer(e, atMs, counted)
      case 'key.rotated': {
        if (e.subject === 'self') {
          this.selves.add(str(e.newPeerId))
          this.selves.add(str(e.oldPeerId))
        }
        if (counted) {
          this.emit({ type: 'trust', action: 'key-rotated', at: atMs, peer: e.subject === 'self' ? this.init.self : str(e.newPeerId), dims: NO_DIMS })
        }
        return
      }
      case 'message.rated': {
        // Attributed to the rated message: `given` (in) rates one we received, `received` (out) one we sent.
        const rated = this.messages.get(str(e.digest))
        if (rated == null) {
          this.missed++
          return
        }
        if (!rated.counted) return
        const given = this.isSelf(e.rater)
        this.emit({
          type: 'feedback',
          direction: given ? 'in' : 'out',
          at: rated.at,
          peer: given ? str(e.originator) : str(e.rater),
          dims: rated.dims,
          rating: str(e.rating)
        })
        return
      }
      case 'witness.alert':
        if (counted) this.emit({ type: 'trust', action: 'witness-alert', at: atMs, peer: str(e.witness), dims: NO_DIMS })
    }
  }

  private sent (e: RawEntry, atMs: number, counted: boolean): void {
    const payloadType = str(e.payloadType)
    const dims = this.dims(this.withTold(e))
    const to = arr(e.to)
    const digest = str(e.digest)
    this.selves.add(str(e.from))
    const known: MessageRecord = { at: atMs, counted, dims, out: true, payload: payloadName(payloadType), peers: to }
    this.messages.set(digest, known)
    if (to.length > 0) {
      const expires = typeof e.expires === 'string' ? Date.parse(e.expires) : NaN
      this.awaiting.set(digest, { msg: known, waiting: to.slice(), expiresMs: Number.isNaN(expires) ? Infinity : expires })
    }
    if (!counted) return
    for (const peer of to) this.emit({ type: 'outbox', phase: 'queued', at: atMs, peer, dims, payload: known.payload, delayMs: null })
    if (payloadType === MESSAGE_TYPE) {
      for (const peer of to) {
        this.emit({ type: 'message', direction: 'out', at: atMs, peer, dims })
        if (e.kind === 'rfi') this.emit({ type: 'rfi', direction: 'out', at: atMs, peer, dims })
      }
      if (e.kind === 'rfi') { for (const peer of to) this.asked.set(`${str(e.id)}|${peer}`, { at: atMs, counted, dims, direction: 'out' }) }
    }
  }

  private received (e: RawEntry, atMs: number, counted: boolean): void {
    const payloadType = str(e.payloadType)
    const dims = this.dims(this.withTold(e))
    const from = str(e.from)
    this.messages.set(str(e.digest), { at: atMs, counted, dims, out: false, payload: payloadName(payloadType), peers: [from] })
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
    const a = this.awaiting.get(digest)
    // Not awaited: a duplicate, or a delivery forgotten before its receipt (counted when it was forgotten).
    if (a == null) return
    const i = a.waiting.indexOf(by)
    if (i < 0) return
    a.waiting.splice(i, 1)
    if (a.waiting.length === 0) this.awaiting.delete(digest)
    const known = a.msg
    if (!known.counted) return
    const delayMs = atMs - known.at
    const sent = typeof e.sentAt === 'string' ? Date.parse(e.sentAt) : NaN
    const sentMs = Number.isNaN(sent) ? null : sent
    this.emit({ type: 'outbox', phase: 'left', at: known.at, peer: by, dims: known.dims, payload: known.payload, delayMs, sentMs })
    if (known.payload !== 'message') return
    const status = e.status === 'rejected' ? 'rejected' : 'accepted'
    this.emit({
      type: 'outcome',
      direction: 'out',
      at: known.at,
      peer: by,
      dims: known.dims,
      status,
      reason: status === 'rejected' ? str(e.reason) : null,
      delayMs
    })
  }

  /** Deliveries of `a` that never got a receipt: at the end (waiting / expired) or when forgotten (untracked). */
  private leftOver (a: Awaiting, phase: 'untracked' | null): void {
    const known = a.msg
    if (!known.counted) return
    const state = phase ?? (a.expiresMs <= this.lastMs ? 'expired' : 'waiting')
    const delayMs = phase == null ? this.lastMs - known.at : null
    for (const peer of a.waiting) this.emit({ type: 'outbox', phase: state, at: known.at, peer, dims: known.dims, payload: known.payload, delayMs })
  }

  /** A message that answers another (`message.replied`, logged with it): answers a request for information. */
  private replied (e: RawEntry, atMs: number): void {
    const reply = this.messages.get(str(e.digest))
    if (reply == null) {
      this.missed++
      return
    }
    for (const peer of reply.peers) {
      const key = `${str(e.inReplyTo)}|${peer}`
      const asked = this.asked.get(key)
      if (asked == null || asked.direction === (reply.out ? 'out' : 'in')) continue
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
    if (req == null) {
      this.missed++
      return
    }
    this.releases.delete(key)
    if (!req.counted) return
    const peer = req.direction === 'in' ? str(e.requester) : str(e.originator)
    this.emit({
      type: 'release',
      direction: req.direction,
      phase: e.type === 'release.granted' ? 'granted' : 'denied',
      at: req.at,
      peer,
      dims: req.dims,
      delayMs: atMs - req.at
    })
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

export function str (v: unknown): string {
  return typeof v === 'string' && v !== '' ? v : UNKNOWN
}

function arr (v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
}
