/**
 * Witnessing by peers: no central timestamp authority, no single point of trust. Each node
 * presents its latest signed checkpoint to the peers it trusts; a peer (the witness) checks the
 * node's signature, then a consistency proof from the last checkpoint of that node it saw, and
 * only then co-signs (C2SP tlog-cosignature/v1 with its own key, name `liaison.local/<its peer
 * ID>`). The node appends the cosignatures to its stored checkpoint, so an auditor sees which
 * agencies vouched for which tree head. A peer that ever presents two checkpoints that are not
 * consistent (a rewritten or forked log, or a shrunk one) raises an alert at the witness: error
 * log, `alert` event (metrics), an audit entry, and the evidence kept for `liaison audit
 * witnesses`.
 *
 * Wire: protocol `/liaison/witness/1.0.0`, varint-length-prefixed UTF-8 JSON frames:
 *   node → witness  {"type":"checkpoint","note":"<signed note>"}
 *   witness → node  {"type":"prove","from":<size>}        (when it holds an older checkpoint)
 *   node → witness  {"type":"proof","proof":["<base64>",…]}
 *   witness → node  {"type":"cosignature","line":"— liaison.local/<witness> …"} | {"type":"alert","reason":…}
 * and, asked by a witness comparing notes with another (gossip.ts):
 *   witness → node  {"type":"consistency","from":<size>,"to":<size>}
 *   node → witness  {"type":"proof","proof":["<base64>",…]} | {"type":"error","reason":…}
 *
 * @module
 */
import { EventEmitter } from 'node:events'
import type { Libp2p } from 'libp2p'
import type { Connection, Stream } from '@libp2p/interface'
import type { Logger } from 'pino'
import { encodeFrame } from '../../protocol/frame.ts'
import { parseStrictJson, utf8Decode } from '../../protocol/json.ts'
import { checkpointOrigin } from '../../protocol/checkpoint.ts'
import { cosign, verifyCosignature } from '../../protocol/cosignature.ts'
import { verifyConsistency } from '../../protocol/merkle.ts'
import { encodeBase64, tryDecodeBase64 } from '../../protocol/base64.ts'
import { publicKeyFromPeerId } from '../../protocol/peer-id.ts'
import type { Signer } from '../../protocol/types.ts'
import { openNodeCheckpoint, type NodeCheckpoint } from '../audit/checkpoints.ts'
import type { AuditLog } from '../audit/audit-log.ts'
import { auditEvents } from '../audit/events.ts'
import type { Store } from '../store/index.ts'
import type { TrustList } from '../trust/index.ts'
import { dialTargets } from '../addresses/dial-targets.ts'
import { WitnessStore, type WitnessAlert, type WitnessedCheckpoint } from './witness-store.ts'
import { streamFrames } from '../exchange/stream-frames.ts'
import type { ReceiptWitness } from '../exchange/delivery-lane.ts'
import { DEFAULT_WITNESS_TIMEOUT_MS as WITNESS_TIMEOUT_MS } from '../defaults.ts'

export const WITNESS_PROTOCOL = '/liaison/witness/1.0.0'
const MAX_WITNESS_FRAME = 64 * 1024

export interface WitnessComponents {
  libp2p: Libp2p
  store: Store
  audit: AuditLog
  trust: TrustList
  signer: Signer
  logger: Logger
  now?: () => number
}

export interface WitnessInit {
  /** How often the node presents its latest checkpoint to its peers (0: only on demand). */
  intervalMs: number
}

export interface WitnessEvents {
  alert: [alert: WitnessAlert]
  cosigned: [info: { witness: string, size: number }]
}

export type WitnessOutcome = { peerId: string, status: 'cosigned' | 'alert' | 'failed', detail?: string }

export class Witness extends EventEmitter<WitnessEvents> {
  private readonly components: WitnessComponents
  private readonly init: WitnessInit
  readonly records: WitnessStore
  private readonly now: () => number
  private timer: NodeJS.Timeout | undefined
  private alertSeq = Date.now()

  constructor (components: WitnessComponents, init: WitnessInit) {
    super()
    this.components = components
    this.init = init
    this.records = new WitnessStore(components.store.db)
    this.now = components.now ?? Date.now
  }

  async start (): Promise<void> {
    await this.components.libp2p.handle(WITNESS_PROTOCOL, async (stream, connection) => {
      await this.serve(stream, connection).catch((err: unknown) => {
        this.components.logger.debug({ err, peer: connection.remotePeer.toString() }, 'witness exchange failed')
        stream.abort(err as Error)
      })
    }, { maxInboundStreams: 2 })
    if (this.init.intervalMs > 0) {
      this.timer = setInterval(() => {
        void this.presentToAll()
      }, this.init.intervalMs)
      this.timer.unref()
    }
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    await this.components.libp2p.unhandle(WITNESS_PROTOCOL).catch(() => {})
  }

  /** Present our latest checkpoint to every active peer (issuing one first if the log grew). */
  async presentToAll (): Promise<WitnessOutcome[]> {
    const checkpoint = await this.components.audit.checkpoint() ?? this.components.audit.latestCheckpoint()
    if (checkpoint == null) return []
    const peers = this.components.trust.list().filter(p => p.status === 'active' && p.addresses.length > 0)
    return await Promise.all(peers.map(async p => await this.presentTo(p.peerId, p.addresses, checkpoint)))
  }

  // ---- our side: asking a witness ---------------------------------------------------------

  private async presentTo (peerId: string, addresses: string[], cp: NodeCheckpoint): Promise<WitnessOutcome> {
    const signal = AbortSignal.timeout(WITNESS_TIMEOUT_MS)
    try {
      const stream = await this.components.libp2p.dialProtocol(dialTargets(peerId, addresses), WITNESS_PROTOCOL, { signal })
      const io = frames(stream)
      await send(stream, { type: 'checkpoint', note: cp.note })
      while (true) {
        const msg = await io.next() as Record<string, unknown> | undefined
        if (msg == null) return { peerId, status: 'failed', detail: 'witness closed the stream' }
        if (msg.type === 'prove' && typeof msg.from === 'number') {
          // `to` (absent: the presented size) lets a witness that already holds a larger head of
          // this log (from a batch receipt signed after this checkpoint was picked) ask for the
          // proof that the presented one is an earlier head of it.
          const to = typeof msg.to === 'number' ? msg.to : cp.checkpoint.size
          const valid = Number.isSafeInteger(msg.from) && Number.isSafeInteger(to) && msg.from >= 1 && msg.from <= to && to <= this.components.audit.size
          const proof = valid ? await this.components.audit.consistencyProof(msg.from, to) : []
          await send(stream, { type: 'proof', proof: proof.map(encodeBase64) })
          continue
        }
        await stream.close().catch(() => {})
        if (msg.type === 'cosignature' && typeof msg.line === 'string') {
          const check = verifyCosignature(msg.line, bodyOf(cp.note), checkpointOrigin(peerId), publicKeyFromPeerId(peerId))
          if (!check.ok) return { peerId, status: 'failed', detail: 'cosignature does not verify' }
          await this.components.audit.addCosignatures(cp.checkpoint.size, [msg.line])
          this.emit('cosigned', { witness: peerId, size: cp.checkpoint.size })
          return { peerId, status: 'cosigned' }
        }
        if (msg.type === 'alert') {
          this.components.logger.error({ witness: peerId, reason: msg.reason }, 'a witness reports our log as inconsistent with what it saw before')
          return { peerId, status: 'alert', detail: String(msg.reason) }
        }
        return { peerId, status: 'failed', detail: 'unexpected answer' }
      }
    } catch (err) {
      return { peerId, status: 'failed', detail: (err as Error).message }
    }
  }

  // ---- their side: we are the witness -----------------------------------------------------

  private async serve (stream: Stream, connection: Connection): Promise<void> {
    const remote = connection.remotePeer.toString()
    const record = this.components.trust.get(remote)
    if (record == null || record.status !== 'active') {
      stream.abort(new Error('not an active peer'))
      return
    }
    const io = frames(stream)
    const first = await io.next() as Record<string, unknown> | undefined
    if (first?.type === 'consistency') {
      await this.proveBetween(stream, first)
      return
    }
    if (first?.type !== 'checkpoint' || typeof first.note !== 'string') {
      stream.abort(new Error('expected a checkpoint'))
      return
    }
    const presented = openNodeCheckpoint(first.note, record.keyHistory.map(k => k.peerId))
    if (presented.signer !== remote) {
      stream.abort(new Error('checkpoint of another log'))
      return
    }
    const { size, root } = presented.checkpoint
    const previous = await this.records.latest(remote)
    let inconsistency: { reason: 'FORK' | 'ROLLBACK', detail: string } | undefined
    if (previous != null) {
      const prevRoot = tryDecodeBase64(previous.root) as Uint8Array
      if (size < previous.size) {
        // An earlier head than one already seen is not by itself a rollback: batch receipts
        // carry checkpoints signed after the one a presenter picked, so the two can cross. It is
        // one when the origin cannot prove the presented tree a prefix of the larger one, which a
        // log truncated below that size cannot do.
        await send(stream, { type: 'prove', from: size, to: previous.size })
        const answer = await io.next() as Record<string, unknown> | undefined
        const proof = Array.isArray(answer?.proof) ? answer.proof.map(p => typeof p === 'string' ? tryDecodeBase64(p) : undefined) : undefined
        const ok = proof != null && proof.every(p => p != null) && verifyConsistency(size, previous.size, proof as Uint8Array[], root, prevRoot)
        if (!ok) inconsistency = { reason: 'ROLLBACK', detail: `size ${size} after ${previous.size}` }
        else {
          // Consistent: cosign what was presented; what is recorded stays the larger head.
          const line = cosign(bodyOf(first.note), checkpointOrigin(this.components.signer.peerId), this.components.signer, Math.floor(this.now() / 1000))
          await send(stream, { type: 'cosignature', line })
          await stream.close().catch(() => {})
          return
        }
      } else if (size === previous.size) {
        if (!equal(root, prevRoot)) inconsistency = { reason: 'FORK', detail: `two roots for size ${size}` }
      } else {
        await send(stream, { type: 'prove', from: previous.size })
        const answer = await io.next() as Record<string, unknown> | undefined
        const proof = Array.isArray(answer?.proof) ? answer.proof.map(p => typeof p === 'string' ? tryDecodeBase64(p) : undefined) : undefined
        const ok = proof != null && proof.every(p => p != null) && verifyConsistency(previous.size, size, proof as Uint8Array[], prevRoot, root)
        if (!ok) inconsistency = { reason: 'FORK', detail: `no valid consistency proof from ${previous.size} to ${size}` }
      }
    }
    if (inconsistency != null) {
      await this.raise(remote, inconsistency, previous as WitnessedCheckpoint, first.note)
      await send(stream, { type: 'alert', reason: inconsistency.reason })
      await stream.close().catch(() => {})
      return
    }
    const seen: WitnessedCheckpoint = { peerId: remote, size, root: encodeBase64(root), note: first.note, time: presented.time, cosignedAt: this.now() }
    await this.components.store.commit([this.records.seenOp(seen)])
    const line = cosign(bodyOf(first.note), checkpointOrigin(this.components.signer.peerId), this.components.signer, Math.floor(this.now() / 1000))
    await send(stream, { type: 'cosignature', line })
    await stream.close().catch(() => {})
  }

  /** A consistency proof between two sizes of our own log, for a witness comparing notes. */
  private async proveBetween (stream: Stream, ask: Record<string, unknown>): Promise<void> {
    const { from, to } = ask
    if (
      !Number.isSafeInteger(from) || !Number.isSafeInteger(to) || (from as number) < 1 || (from as number) > (to as number) ||
      (to as number) > this.components.audit.size
    ) {
      await send(stream, { type: 'error', reason: 'no such sizes in this log' })
    } else {
      const proof = await this.components.audit.consistencyProof(from as number, to as number)
      await send(stream, { type: 'proof', proof: proof.map(encodeBase64) })
    }
    await stream.close().catch(() => {})
  }

  /**
   * The witness records as fed by batch receipts (PROTOCOL.md §22): every checkpoint a receiver
   * signs into a receipt is one more tree head of its log this node has seen, checked for
   * consistency with the one before by the receipt's own proof, without a round trip. An
   * inconsistent one raises the same alert as the witness protocol (FORK, or ROLLBACK for a
   * smaller tree); what is recorded also feeds gossip's split-view comparison.
   */
  receiptWitness (): ReceiptWitness {
    return {
      latest: async (peerId) => {
        const seen = await this.records.latest(peerId)
        const root = seen === undefined ? undefined : tryDecodeBase64(seen.root)
        return seen === undefined || root === undefined ? undefined : { size: seen.size, root, note: seen.note }
      },
      observe: (peerId, receipt, held) => {
        const { size, root } = receipt.checkpoint.checkpoint
        const seen: WitnessedCheckpoint = {
          peerId,
          size,
          root: encodeBase64(root),
          note: receipt.checkpoint.note,
          time: receipt.checkpoint.time,
          cosignedAt: this.now(),
          via: 'receipt'
        }
        if (receipt.consistent === false && held !== undefined) {
          const reason = size < held.size ? 'ROLLBACK' : 'FORK'
          const detail = size < held.size
            ? `size ${size} after ${held.size} (batch receipt)`
            : `no valid consistency proof from ${held.size} to ${size} in a batch receipt`
          const alert: WitnessAlert = { seq: ++this.alertSeq, peerId, at: this.now(), reason, detail, previous: held.note, presented: receipt.checkpoint.note }
          return {
            ops: [this.records.seenOp(seen), this.records.alertOp(alert)],
            events: [
              auditEvents.witnessAlert({
                witness: this.components.signer.peerId,
                origin: checkpointOrigin(peerId),
                reason,
                detail: { detail, previous: held.note, presented: receipt.checkpoint.note }
              })
            ],
            after: () => {
              this.components.logger.error(
                { peer: peerId, reason, detail },
                "WITNESS ALERT: a peer's batch receipt shows a log inconsistent with the one it showed before"
              )
              this.emit('alert', alert)
            }
          }
        }
        return held !== undefined && size <= held.size ? { ops: [], events: [] } : { ops: [this.records.seenOp(seen)], events: [] }
      }
    }
  }

  /** The sequence number of the next alert (gossip raises them too). */
  nextAlertSeq (): number {
    return ++this.alertSeq
  }

  private async raise (peerId: string, what: { reason: 'FORK' | 'ROLLBACK', detail: string }, previous: WitnessedCheckpoint, presented: string): Promise<void> {
    const alert: WitnessAlert = { seq: ++this.alertSeq, peerId, at: this.now(), reason: what.reason, detail: what.detail, previous: previous.note, presented }
    this.components.logger.error(
      { peer: peerId, reason: what.reason, detail: what.detail },
      'WITNESS ALERT: a peer presented a checkpoint inconsistent with one it showed before'
    )
    await this.components.store.commit([this.records.alertOp(alert)], [auditEvents.witnessAlert({
      witness: this.components.signer.peerId,
      origin: checkpointOrigin(peerId),
      reason: what.reason,
      detail: { detail: what.detail, previous: previous.note, presented }
    })])
    this.emit('alert', alert)
  }
}

/** The signed text of a note (everything before the blank line, with its final newline). */
export function bodyOf (note: string): string {
  return note.slice(0, note.indexOf('\n\n') + 1)
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

export async function send (stream: Stream, value: unknown): Promise<void> {
  if (!stream.send(encodeFrame(new TextEncoder().encode(JSON.stringify(value)), MAX_WITNESS_FRAME))) await stream.onDrain()
}

/** The stream's frames as parsed JSON values, one `next()` at a time. */
export function frames (stream: Stream): { next: () => Promise<unknown> } {
  const io = streamFrames(stream, MAX_WITNESS_FRAME)
  return {
    async next () {
      const frame = await io.next()
      return frame === undefined ? undefined : parseStrictJson(utf8Decode(frame))
    }
  }
}
