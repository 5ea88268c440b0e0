/**
 * Witnesses compare notes, so that a node showing one peer one history and another peer
 * another (a split view) is caught. Every `gossipIntervalMs` a node asks each active peer
 * which logs it witnesses; for every origin both witness, each hands the other the newest
 * checkpoint of that origin it cosigned, with its own cosignature added. Each side then holds
 * two signed checkpoints of one origin and checks that they are consistent:
 *
 * - same size: the roots must be equal, else the pair itself is the proof of the split;
 * - different sizes: the origin is asked (on the witness protocol, `consistency`) for an RFC
 *   9162 consistency proof from the smaller to the larger; none, or one that does not verify
 *   against both roots, means the two cannot be one history.
 *
 * An inconsistency raises `SPLIT_VIEW` on the detecting node: error log, `alert` event (the
 * `liaison_witness_alerts_total{reason="SPLIT_VIEW"}` metric), an audit entry, and the alert
 * with both notes kept for `liaison audit witnesses` and `liaison audit split-view`. An origin
 * that cannot be reached leaves the pair undecided; it is tried again at the next round.
 *
 * Wire: protocol `/liaison/witness-gossip/1.0.0`, varint-length-prefixed UTF-8 JSON frames:
 *   A → B  {"type":"have","origins":["<peer ID>",…]}          origins A holds a checkpoint of
 *   B → A  {"type":"checkpoints","notes":["<note>",…]}        B's newest for the common ones
 *   A → B  {"type":"checkpoints","notes":["<note>",…]}        A's newest for the common ones
 *
 * @module
 */
import type { Libp2p } from 'libp2p'
import type { Connection, Stream } from '@libp2p/interface'
import type { Logger } from 'pino'
import { checkpointOrigin } from '../../protocol/checkpoint.ts'
import { cosign, verifyCosignature } from '../../protocol/cosignature.ts'
import { verifyConsistency } from '../../protocol/merkle.ts'
import { tryDecodeBase64 } from '../../protocol/base64.ts'
import { publicKeyFromPeerId } from '../../protocol/peer-id.ts'
import type { Signer } from '../../protocol/types.ts'
import { openNodeCheckpoint, type NodeCheckpoint } from '../audit/checkpoints.ts'
import { auditEvents } from '../audit/events.ts'
import type { Store } from '../store/index.ts'
import type { TrustList } from '../trust/index.ts'
import { dialTargets } from '../addresses/dial-targets.ts'
import { bodyOf, frames, send, WITNESS_PROTOCOL, type Witness } from './witness.ts'
import type { WitnessAlert, WitnessedCheckpoint } from './witness-store.ts'
import { DEFAULT_WITNESS_GOSSIP_TIMEOUT_MS as GOSSIP_TIMEOUT_MS } from '../defaults.ts'

export const GOSSIP_PROTOCOL = '/liaison/witness-gossip/1.0.0'
const MAX_ORIGINS = 1024

export interface GossipComponents {
  libp2p: Libp2p
  store: Store
  trust: TrustList
  signer: Signer
  witness: Witness
  logger: Logger
  now?: () => number
}

export class Gossip {
  private readonly components: GossipComponents
  private readonly intervalMs: number
  private readonly now: () => number
  private timer: NodeJS.Timeout | undefined
  /** Pairs already judged (consistent, or alerted): origin|size|root|size|root. */
  private readonly judged = new Set<string>()
  private round: Promise<void> | undefined

  constructor (components: GossipComponents, init: { intervalMs: number }) {
    this.components = components
    this.intervalMs = init.intervalMs
    this.now = components.now ?? Date.now
  }

  async start (): Promise<void> {
    for (const a of await this.components.witness.records.listAlerts()) {
      if (a.reason === 'SPLIT_VIEW') this.judged.add(pairKey(a.peerId, a.previous, a.presented))
    }
    await this.components.libp2p.handle(GOSSIP_PROTOCOL, async (stream, connection) => {
      await this.serve(stream, connection).catch((err: unknown) => {
        this.components.logger.debug({ err, peer: connection.remotePeer.toString() }, 'witness gossip failed')
        stream.abort(err as Error)
      })
    }, { maxInboundStreams: 2 })
    if (this.intervalMs > 0) {
      this.timer = setInterval(() => {
        void this.gossipAll()
      }, this.intervalMs)
      this.timer.unref()
    }
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    // A round in flight is not awaited: stopping libp2p ends its streams, and what it would
    // still compare is compared again at the next start.
    await this.components.libp2p.unhandle(GOSSIP_PROTOCOL).catch(() => {})
  }

  /** One round: compare notes with every active peer (one round at a time). */
  async gossipAll (): Promise<void> {
    if (this.round != null) return await this.round
    this.round = (async () => {
      const peers = this.components.trust.list().filter(p => p.status === 'active' && p.addresses.length > 0)
      await Promise.all(peers.map(async p => {
        await this.gossipWith(p.peerId, p.addresses)
      }))
    })().finally(() => {
      this.round = undefined
    })
    await this.round
  }

  private async gossipWith (peerId: string, addresses: string[]): Promise<void> {
    try {
      const stream = await this.components.libp2p.dialProtocol(dialTargets(peerId, addresses), GOSSIP_PROTOCOL, {
        signal: AbortSignal.timeout(GOSSIP_TIMEOUT_MS)
      })
      const io = frames(stream)
      const mine = await this.held(peerId)
      await send(stream, { type: 'have', origins: mine.map(s => s.peerId) })
      const answer = await io.next() as Record<string, unknown> | undefined
      const theirs = notesOf(answer)
      const common = new Set(theirs.map(n => originOf(n)).filter(o => o != null))
      await send(stream, { type: 'checkpoints', notes: mine.filter(s => common.has(s.peerId)).map(s => this.vouch(s)) })
      await stream.close().catch(() => {})
      await this.compareAll(peerId, theirs)
    } catch (err) {
      this.components.logger.debug({ err, peer: peerId }, 'witness gossip with a peer failed; next round')
    }
  }

  private async serve (stream: Stream, connection: Connection): Promise<void> {
    const remote = connection.remotePeer.toString()
    if (!this.components.trust.isActive(remote)) {
      stream.abort(new Error('not an active peer'))
      return
    }
    const io = frames(stream)
    const first = await io.next() as Record<string, unknown> | undefined
    if (first?.type !== 'have' || !Array.isArray(first.origins) || first.origins.length > MAX_ORIGINS) {
      stream.abort(new Error('expected have'))
      return
    }
    const wanted = new Set(first.origins.filter((o): o is string => typeof o === 'string'))
    const mine = (await this.held(remote)).filter(s => wanted.has(s.peerId))
    await send(stream, { type: 'checkpoints', notes: mine.map(s => this.vouch(s)) })
    const theirs = notesOf(await io.next() as Record<string, unknown> | undefined)
    await stream.close().catch(() => {})
    await this.compareAll(remote, theirs)
  }

  /** The newest checkpoint we cosigned of every origin but `peer` itself. */
  private async held (peer: string): Promise<WitnessedCheckpoint[]> {
    return (await this.components.witness.records.listSeen()).filter(s => s.peerId !== peer && this.components.trust.get(s.peerId) != null)
  }

  /** The note with our cosignature added: what we vouch we saw. */
  private vouch (s: WitnessedCheckpoint): string {
    const line = cosign(bodyOf(s.note), checkpointOrigin(this.components.signer.peerId), this.components.signer, Math.floor(s.cosignedAt / 1000)).replace(
      /\n$/,
      ''
    )
    return (s.note.endsWith('\n') ? s.note : s.note + '\n') + line + '\n'
  }

  private async compareAll (gossiper: string, notes: string[]): Promise<void> {
    for (const note of notes) {
      try {
        await this.compare(gossiper, note)
      } catch (err) {
        this.components.logger.debug({ err, peer: gossiper }, 'a gossiped checkpoint could not be judged')
      }
    }
  }

  private async compare (gossiper: string, note: string): Promise<void> {
    const origin = originOf(note)
    const record = origin == null ? undefined : this.components.trust.get(origin)
    if (origin == null || record == null) return
    const theirs = openNodeCheckpoint(note, record.keyHistory.map(k => k.peerId))
    if (theirs.signer !== origin) return
    // The gossiper must vouch for it: its own cosignature on the note.
    const line = note.split('\n').find(l => l.startsWith(`\u2014 ${checkpointOrigin(gossiper)} `))
    if (line == null || !verifyCosignature(line, bodyOf(note), checkpointOrigin(gossiper), publicKeyFromPeerId(gossiper)).ok) return
    const held = await this.components.witness.records.latest(origin)
    if (held == null) return
    const mine = openNodeCheckpoint(held.note, record.keyHistory.map(k => k.peerId))
    const key = pairKey(origin, held.note, note)
    if (this.judged.has(key)) return
    const a = mine.checkpoint
    const b = theirs.checkpoint
    if (a.size === b.size) {
      if (equal(a.root, b.root)) {
        this.judged.add(key)
        this.components.logger.debug({ peer: origin, witness: gossiper, size: a.size }, 'gossiped checkpoint consistent with ours (same tree head)')
        return
      }
      await this.raise(origin, gossiper, held, note, `two roots for size ${a.size}: one cosigned here, one cosigned by ${gossiper}`)
      return
    }
    const [small, large] = a.size < b.size ? [mine, theirs] : [theirs, mine]
    const verdict = await this.askOrigin(origin, record.addresses, small, large)
    if (verdict === 'unreachable') return
    if (verdict === 'consistent') {
      this.judged.add(key)
      this.components.logger.debug(
        { peer: origin, witness: gossiper, from: small.checkpoint.size, to: large.checkpoint.size },
        'gossiped checkpoint consistent with ours (the origin proved it)'
      )
      return
    }
    await this.raise(
      origin,
      gossiper,
      held,
      note,
      `no valid consistency proof from size ${small.checkpoint.size} to ${large.checkpoint.size} (the origin ${verdict}): one checkpoint cosigned here, one ` +
        `cosigned by ${gossiper}`
    )
  }

  private async askOrigin (origin: string, addresses: string[], small: NodeCheckpoint, large: NodeCheckpoint): Promise<'consistent' | 'unreachable' | string> {
    let stream: Stream
    try {
      stream = await this.components.libp2p.dialProtocol(dialTargets(origin, addresses), WITNESS_PROTOCOL, { signal: AbortSignal.timeout(GOSSIP_TIMEOUT_MS) })
    } catch {
      return 'unreachable'
    }
    try {
      await send(stream, { type: 'consistency', from: small.checkpoint.size, to: large.checkpoint.size })
      const answer = await Promise.race([frames(stream).next(), new Promise(resolve => setTimeout(resolve, GOSSIP_TIMEOUT_MS).unref())]) as
        | Record<string, unknown>
        | undefined
      await stream.close().catch(() => {})
      if (answer == null) return 'unreachable'
      if (answer.type !== 'proof' || !Array.isArray(answer.proof)) return 'gave none'
      const proof = answer.proof.map(p => typeof p === 'string' ? tryDecodeBase64(p) : undefined)
      if (!proof.every(p => p != null)) return 'sent a malformed one'
      return verifyConsistency(small.checkpoint.size, large.checkpoint.size, proof as Uint8Array[], small.checkpoint.root, large.checkpoint.root)
        ? 'consistent'
        : 'sent one that does not verify'
    } catch {
      return 'unreachable'
    }
  }

  private async raise (origin: string, gossiper: string, held: WitnessedCheckpoint, presented: string, detail: string): Promise<void> {
    const key = pairKey(origin, held.note, presented)
    if (this.judged.has(key)) return
    this.judged.add(key)
    const previous = this.vouch(held)
    const alert: WitnessAlert = {
      seq: this.components.witness.nextAlertSeq(),
      peerId: origin,
      at: this.now(),
      reason: 'SPLIT_VIEW',
      detail,
      previous,
      presented,
      reportedBy: gossiper
    }
    this.components.logger.error(
      { peer: origin, witness: gossiper, detail },
      'SPLIT VIEW: a peer showed another witness a history inconsistent with the one it showed us'
    )
    await this.components.store.commit([this.components.witness.records.alertOp(alert)], [auditEvents.witnessAlert({
      witness: this.components.signer.peerId,
      origin: checkpointOrigin(origin),
      reason: 'SPLIT_VIEW',
      detail: { detail, reportedBy: gossiper, previous, presented }
    })])
    this.components.witness.emit('alert', alert)
  }
}

function notesOf (msg: Record<string, unknown> | undefined): string[] {
  if (msg?.type !== 'checkpoints' || !Array.isArray(msg.notes)) return []
  return msg.notes.filter((n): n is string => typeof n === 'string').slice(0, MAX_ORIGINS)
}

/** The peer ID in a note's origin line (`liaison.local/<peer ID>`). */
function originOf (note: string): string | undefined {
  const first = note.slice(0, note.indexOf('\n'))
  return first.startsWith('liaison.local/') ? first.slice('liaison.local/'.length) : undefined
}

/** A pair of checkpoints of one origin, by their signed bodies (order-free). */
function pairKey (origin: string, a: string, b: string): string {
  const [x, y] = [bodyOf(a), bodyOf(b)].sort()
  return `${origin}|${x}|${y}`
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
