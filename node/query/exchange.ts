/**
 * Hit/no-hit queries over the wire (PROTOCOL.md §19.4, §19.7), both sides, on their own libp2p
 * protocol `/liaison/query/1.0.0` between trusted peers: one request frame (the signed query
 * envelope, naming the filter version the asker holds) and the response frames: a JSON
 * `{ answer, oprfKey?, keyNotice? }` (the signed answer envelope, the answering node's OPRF
 * public key whose id the signed answer names, and for a query under a retired key of ours the
 * signed key notice of §19.9), then for an evaluated query the signed parts of the
 * asker's hit-filter sync (§19.8: a delta since the version it holds, or a full filter).
 *
 * Answering: verify the envelope (signed by the connection's peer, addressed to us, the peer
 * active), apply the peer's grant (defaults deny: QUERY_NOT_PERMITTED,
 * SELECTOR_TYPE_NOT_PERMITTED, QUOTA_EXCEEDED, AGREEMENT_INVALID), evaluate with one batched
 * proof, audit (`query` event, role answered or refused). Asking: normalise, blind, sign, send,
 * verify the answer's signature and `queryDigest`, check the key against the one pinned at
 * first use or taken from its trust card, finalise (BAD_PROOF), apply the filter sync
 * (FILTER_STALE if it does not apply to the filter held), test the tags against it, audit (role result), keep the query record (the one documented place of
 * the asker's plaintext selectors: DATA_DIR/query-asked).
 *
 * Nothing here logs or audits a selector, blinded or not, nor an OPRF output or tag.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import type { Connection, Stream } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import type { Logger } from 'pino'
import { Level } from 'level'
import { decodeEnvelope, encodeEnvelope, signEnvelope, verifyEnvelope } from '../../protocol/envelope.ts'
import { ProtocolError } from '../../protocol/errors.ts'
import { encodeFrame } from '../../protocol/frame.ts'
import { parseStrictJson, utf8Decode } from '../../protocol/json.ts'
import { verifyKeyFromPeerId } from '../../protocol/keys.ts'
import {
  blindedForWire,
  blindSelectors,
  decodeAnswer,
  decodeFilter,
  decodeKeyNotice,
  decodeQuery,
  evaluateQuery,
  finaliseTags,
  FilterSyncCheck,
  hitTag,
  KEY_NOTICE_PAYLOAD_TYPE,
  keyNoticeProblem,
  oprfKeyId,
  QUERY_PAYLOAD_TYPES,
  type AnswerV1,
  type FilterContext,
  type FilterV1,
  type HeldFilter,
  type KeyNoticeV1,
  type QueryV1
} from '../../protocol/query/index.ts'
import { normaliseSelector, SelectorError, type NormaliseOptions } from '../../protocol/selectors/index.ts'
import { formatRfc3339Millis } from '../../protocol/time.ts'
import type { Signer } from '../../protocol/types.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import { encodeBase64, tryDecodeBase64 } from '../../protocol/base64.ts'
import { envelopeDigest } from '../../protocol/digest.ts'
import { auditEvents } from '../audit/events.ts'
import { DEFAULT_OPRF_KEY_ROTATION_CHECK_MS, DEFAULT_OPRF_KEY_ROTATION_DAYS, DEFAULT_QUERY_TIMEOUT_MS as QUERY_TIMEOUT_MS } from '../defaults.ts'
import { NodeError } from '../errors.ts'
import { streamFrames } from '../exchange/index.ts'
import type { Store } from '../store/index.ts'
import type { TrustList } from '../trust/index.ts'
import { dialTargets } from '../addresses/dial-targets.ts'
import { queryAuditRecord } from './audit-record.ts'
import { IndexStore } from './index-store.ts'
import { decideQuery, QuotaLedger } from './policy.ts'
import type { QueryMetricEvent } from './metrics.ts'
import { rotateOprfKey, type OprfRotation, type OprfRotationReason } from './rotation.ts'

const QUOTA_WINDOW_MS = QuotaLedger.WINDOW_MS

export const QUERY_PROTOCOL = '/liaison/query/1.0.0'
/** Largest response frame: a full filter of 20,000 tags with its envelope, base64 twice. */
const MAX_QUERY_FRAME = 4 * 1024 * 1024

export interface QueryExchangeComponents {
  libp2p: Libp2p
  store: Store
  trust: TrustList
  signer: Signer
  /** DATA_DIR/query-index (opened per answer, so `liaison index` works while the node runs). */
  indexDir: string
  /** DATA_DIR/query-asked: the asker's own query records and pinned OPRF keys. */
  askedDir: string
  logger: Logger
  /** `query.oprfKeyRotationDays`: rotate the OPRF key once it is older (0: never on a schedule). */
  rotationDays?: number
  now?: () => number
}

/** One selector's result as the asker reports it. */
export interface QueryResultItem {
  /** Position in the request. */
  readonly index: number
  readonly result: 'hit' | 'no-hit'
  readonly hitRef: string | null
}

export interface QueryOutcome {
  readonly queryId: string
  readonly queryDigest: string
  readonly to: string
  readonly type: string
  readonly count: number
  readonly hits: number
  readonly keyId: string
  readonly results: QueryResultItem[]
  /** Present when this answer carried the peer's signed OPRF key notice and its new key was pinned (§19.9). */
  readonly keyChange?: KeyChange
}

/** An OPRF key change accepted from a peer's signed notice (PROTOCOL.md §19.9). */
export interface KeyChange {
  readonly previousKeyId: string
  readonly keyId: string
  readonly epoch: number
  /** Digest (§8) of the notice envelope, kept in DATA_DIR/query-asked and audited. */
  readonly notice: string
}

export interface AskInput {
  to: string
  type: string
  selectors: string[]
  legalBasis: string
  purpose: string
  region?: string
}

/** What the asker keeps per query (plaintext canonical selectors: documented in §19.5). */
export interface AskedRecord {
  queryId: string
  to: string
  type: string
  created: string
  legalBasis: string
  purpose: string
  keyId: string
  results: Array<{ canonical: string, result: 'hit' | 'no-hit', hitRef: string | null }>
}

export class QueryExchange extends EventEmitter<{ query: [QueryMetricEvent], 'key-rotated': [{ reason: string }] }> {
  readonly #components: QueryExchangeComponents
  readonly #now: () => number
  #asked: Level<string, unknown> | undefined
  /** Serialises opens of the index (LevelDB allows one handle). */
  #indexChain: Promise<unknown> = Promise.resolve()
  #rotationTimer: NodeJS.Timeout | undefined

  constructor (components: QueryExchangeComponents) {
    super()
    this.#components = components
    this.#now = components.now ?? Date.now
  }

  async start (): Promise<void> {
    const days = this.#components.rotationDays ?? DEFAULT_OPRF_KEY_ROTATION_DAYS
    if (days > 0) {
      const check = (): void => {
        this.rotateIfDue(days).catch((err: unknown) => {
          this.#components.logger.error({ err }, 'scheduled OPRF key rotation failed')
        })
      }
      this.#rotationTimer = setInterval(check, DEFAULT_OPRF_KEY_ROTATION_CHECK_MS)
      this.#rotationTimer.unref()
      check()
    }
    await this.#components.libp2p.handle(QUERY_PROTOCOL, async (stream, connection) => {
      await this.#serve(stream, connection).catch((err: unknown) => {
        this.#components.logger.debug({ err, peer: connection.remotePeer.toString() }, 'query exchange failed')
        stream.abort(err as Error)
      })
    }, { maxInboundStreams: 4 })
  }

  async stop (): Promise<void> {
    clearInterval(this.#rotationTimer)
    await this.#components.libp2p.unhandle(QUERY_PROTOCOL).catch(() => {})
    await this.#asked?.close()
  }

  /** DATA_DIR/query-asked, opened at first use (an idle node that never queries keeps no handle). */
  async #db (): Promise<Level<string, unknown>> {
    if (this.#asked === undefined) {
      const db = new Level<string, unknown>(this.#components.askedDir, { valueEncoding: 'json' })
      this.#asked = db
      await db.open()
    }
    if (this.#asked.status === 'opening') await this.#asked.open()
    return this.#asked
  }

  /** Runs `fn` with the index open (one at a time). */
  async withIndex<T> (fn: (index: IndexStore) => Promise<T>): Promise<T> {
    const run = this.#indexChain.then(async () => {
      const index = await IndexStore.open(this.#components.indexDir)
      try {
        return await fn(index)
      } finally {
        await index.close()
      }
    })
    this.#indexChain = run.catch(() => {})
    return await run
  }

  /**
   * Rotates the OPRF key (PROTOCOL.md §19.2): a new epoch, the index re-keyed on the worker
   * pool (answers wait meanwhile: they are serialised with it), audited as
   * `query.key-rotated`. The trust card names the new key from now on; peers' filters under
   * the old key id are replaced in full at their next query.
   */
  async rotateOprfKey (reason: OprfRotationReason): Promise<OprfRotation> {
    return await this.withIndex(async (index) => {
      const out = await rotateOprfKey(index, this.#components.store, reason)
      this.#components.logger.info({ ...out, reason }, 'OPRF key rotated, query index re-keyed')
      this.emit('key-rotated', { reason })
      return out
    })
  }

  /** Rotates the OPRF key if it is older than `days`; what was done, or null. */
  async rotateIfDue (days: number): Promise<{ epoch: number, keyId: string } | null> {
    const created = await this.withIndex(async (index) => Date.parse(index.publicKey().created))
    if (this.#now() - created < days * 24 * 60 * 60 * 1000) return null
    return await this.rotateOprfKey('schedule')
  }

  // ---- answering ------------------------------------------------------------------------

  async #serve (stream: Stream, connection: Connection): Promise<void> {
    const remote = connection.remotePeer.toString()
    const io = streamFrames(stream, MAX_QUERY_FRAME)
    const bytes = await io.next()
    if (bytes === undefined) return
    await this.answer(remote, bytes, async (frame) => {
      if (!stream.send(encodeFrame(frame, MAX_QUERY_FRAME))) await stream.onDrain()
    })
    await stream.close().catch(() => {})
  }

  /**
   * Answers one query envelope from `remote` (exported for tests), handing the response frames
   * to `send`: first the JSON `{ answer, oprfKey? }`, then, for an evaluated query, the signed
   * parts of the asker's filter sync (§19.8). Throws ProtocolError for an envelope that is not
   * a valid query from `remote` to us (the stream is then aborted without an answer: there is
   * nothing signed to answer to).
   */
  async answer (remote: string, bytes: Uint8Array, send: (frame: Uint8Array) => Promise<void>): Promise<void> {
    const env = decodeEnvelope(bytes, 256 * 1024)
    if (env.payloadType !== QUERY_PAYLOAD_TYPES.query) throw new ProtocolError('SCHEMA_INVALID', 'not a query envelope')
    if (!verifyEnvelope(env, verifyKeyFromPeerId(remote))) throw new ProtocolError('BAD_SIGNATURE', 'the query is not signed by the connected peer')
    const q = decodeQuery(env.payload)
    const self = this.#components.signer.peerId
    if (q.from !== remote) throw new ProtocolError('SCHEMA_INVALID', 'query.from is not the connected peer')
    if (q.to !== self) throw new ProtocolError('SCHEMA_INVALID', 'query.to is not this node')
    const queryDigest = createHash('sha256').update(env.payload).digest('hex')
    const json = async (value: unknown): Promise<void> => {
      await send(new TextEncoder().encode(JSON.stringify(value)))
    }
    // Decided and charged inside the index section: answers are serialised, so two concurrent
    // queries of one peer cannot both pass the quota.
    await this.withIndex(async (index) => {
      const peer = this.#components.trust.get(remote)
      const nowMs = this.#now()
      let refused: AnswerV1['refused']
      let used = 0
      if (peer === undefined || peer.status !== 'active') refused = 'QUERY_NOT_PERMITTED'
      else {
        used = await this.#quotaUsed(remote, nowMs)
        refused = decideQuery(peer.query, q.type, q.blinded.length, used) ?? undefined
      }
      const metric = (outcome: string, charged: number): void => {
        this.emit('query', {
          side: 'answered',
          peer: remote,
          type: q.type,
          count: q.blinded.length,
          outcome,
          ...(peer?.query !== undefined ? { quotaUsed: used + charged, quotaLimit: peer.query.quotaPerDay } : {})
        })
      }
      if (refused === undefined && peer !== undefined) {
        const valid = peer.agreements.some(a => a.id === q.legalBasis && Date.parse(a.validFrom) <= nowMs && nowMs <= Date.parse(a.validUntil))
        if (!valid) refused = 'AGREEMENT_INVALID'
      }
      const key = index.publicKey()
      // A query under a retired key of ours is answered under the current one, with the signed
      // notice that names it (§19.9); any other key id is refused, naming ours.
      let notice: { bytes: Uint8Array, digest: string } | undefined
      if (refused === undefined && q.keyId !== key.keyId) {
        if (await index.retiredKey(q.keyId) === undefined) refused = 'SCHEMA_INVALID'
        else {
          const env = signEnvelope(
            KEY_NOTICE_PAYLOAD_TYPE,
            new TextEncoder().encode(
              JSON.stringify(
                {
                  v: 1,
                  peerId: self,
                  previousKeyId: q.keyId,
                  epoch: key.epoch,
                  keyId: key.keyId,
                  publicKey: key.publicKey,
                  created: key.created
                } satisfies KeyNoticeV1
              )
            ),
            this.#components.signer
          )
          notice = { bytes: encodeEnvelope(env), digest: envelopeDigest(env) }
        }
      }
      const base = { v: 1 as const, query: q.id, queryDigest, from: self, to: remote, created: formatRfc3339Millis(nowMs), keyId: key.keyId }
      const audit = {
        queryId: q.id,
        queryDigest,
        peer: remote,
        type: q.type,
        count: q.blinded.length,
        legalBasis: q.legalBasis,
        purpose: q.purpose,
        keyId: key.keyId
      }
      if (refused !== undefined) {
        await this.#components.store.commit([], [auditEvents.query(queryAuditRecord({ event: 'query.refused', ...audit, refused }))])
        this.#components.logger.info({ peer: remote, queryId: q.id, type: q.type, count: q.blinded.length, refused }, 'query refused')
        metric(refused, 0)
        await json({ answer: this.#sign(QUERY_PAYLOAD_TYPES.answer, { ...base, refused }) })
        return
      }
      let evaluated: { evaluated: string[], proof: string }
      try {
        evaluated = evaluateQuery(index.keys, q.blinded)
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err
        await this.#components.store.commit([], [auditEvents.query(queryAuditRecord({ event: 'query.refused', ...audit, refused: 'SCHEMA_INVALID' }))])
        metric('SCHEMA_INVALID', 0)
        await json({ answer: this.#sign(QUERY_PAYLOAD_TYPES.answer, { ...base, refused: 'SCHEMA_INVALID' }) })
        return
      }
      await (await this.#db()).put(`quota!${remote}!${String(nowMs).padStart(15, '0')}!${q.id}`, q.blinded.length, { sync: true })
      await this.#components.store.commit([], [
        auditEvents.query(queryAuditRecord({ event: 'query.answered', ...audit })),
        ...(notice !== undefined
          ? [auditEvents.queryKeyNotice({ role: 'announced', peer: remote, previousKeyId: q.keyId, keyId: key.keyId, epoch: key.epoch, notice: notice.digest })]
          : [])
      ])
      this.#components.logger.info({
        peer: remote,
        queryId: q.id,
        type: q.type,
        count: q.blinded.length,
        ...(notice !== undefined ? { keyNotice: { previousKeyId: q.keyId, keyId: key.keyId } } : {})
      }, 'query answered')
      metric('evaluated', q.blinded.length)
      await json({
        answer: this.#sign(QUERY_PAYLOAD_TYPES.answer, { ...base, ...evaluated }),
        oprfKey: key.publicKey,
        ...(notice !== undefined ? { keyNotice: encodeBase64(notice.bytes) } : {})
      })
      // The asker's filter, brought up to date from what it says it holds (§19.8).
      const sync = await index.filterSync(q.type, q.have)
      const head = {
        v: 1 as const,
        query: q.id,
        from: self,
        to: remote,
        created: base.created,
        type: q.type,
        keyId: sync.keyId,
        since: sync.since,
        seq: sync.seq,
        size: sync.size
      }
      let pending: FilterV1 | undefined
      let part = 0
      const tags = (outputs: Uint8Array[]): string[] => outputs.map(o => hitTag(remote, q.type, o))
      for await (const p of sync.parts) {
        if (pending !== undefined) await send(this.#envelope(QUERY_PAYLOAD_TYPES.filter, pending))
        pending = { ...head, part: part++, last: false, added: tags(p.added), removed: tags(p.removed) }
      }
      await send(this.#envelope(QUERY_PAYLOAD_TYPES.filter, { ...pending!, last: true }))
    })
  }

  /**
   * Selectors `peer` had evaluated in the rolling day. The ledger is persistent
   * (`quota!PEER!TIME!QUERY` in DATA_DIR/query-asked), so a restart does not reset it; entries
   * older than the window are deleted as they are read.
   */
  async #quotaUsed (peer: string, nowMs: number): Promise<number> {
    const db = await this.#db()
    const cutoff = `quota!${peer}!${String(nowMs - QUOTA_WINDOW_MS).padStart(15, '0')}`
    const stale: string[] = []
    for await (const key of db.keys({ gt: `quota!${peer}!`, lte: cutoff })) stale.push(key)
    if (stale.length > 0) await db.batch(stale.map(key => ({ type: 'del' as const, key })))
    let used = 0
    for await (const value of db.values({ gt: cutoff, lt: `quota!${peer}"` })) used += value as number
    return used
  }

  #sign (payloadType: string, value: unknown): string {
    return encodeBase64(this.#envelope(payloadType, value))
  }

  #envelope (payloadType: string, value: unknown): Uint8Array {
    return encodeEnvelope(signEnvelope(payloadType, new TextEncoder().encode(JSON.stringify(value)), this.#components.signer))
  }

  // ---- asking ---------------------------------------------------------------------------

  /** Sends one query and reports per selector hit or no-hit. */
  async ask (input: AskInput): Promise<QueryOutcome> {
    const peer = this.#components.trust.get(input.to)
    if (peer === undefined) throw new NodeError('NOT_FOUND', 'no such peer on the trust list')
    if (peer.status !== 'active') throw new NodeError('PEER_SUSPENDED', `the peer is ${peer.status}`)
    if (input.selectors.length === 0 || input.selectors.length > 1000) throw new NodeError('BAD_ARGUMENT', 'a query has 1–1000 selectors')
    const options: NormaliseOptions | undefined = input.region === undefined ? undefined : { defaultRegion: input.region.toUpperCase() }
    const canonical = input.selectors.map((s, i) => {
      try {
        return normaliseSelector(input.type, s, options)
      } catch (err) {
        if (err instanceof SelectorError) throw new NodeError('BAD_SELECTOR', `selector ${i + 1}: ${err.message}`)
        throw err
      }
    })
    // The key from the peer's trust card when it carried one; else the key pinned at first use.
    const db = await this.#db()
    let pin = peer.oprfKey ?? await db.get(`pin!${input.to}`) as { publicKey: string, keyId: string } | undefined
    let keyChange: (KeyChange & { publicKey: string }) | undefined
    const held = await db.get(`fs!${input.to}!${input.type}`) as HeldFilter | undefined
    const nowMs = this.#now()
    const pending = blindSelectors(input.type, canonical)
    const q: QueryV1 = {
      v: 1,
      id: uuidV7(nowMs, randomBytes(10)),
      from: this.#components.signer.peerId,
      to: input.to,
      created: formatRfc3339Millis(nowMs),
      type: input.type,
      // Before the first answer the key is unknown; the answerer refuses a wrong key id with
      // SCHEMA_INVALID and names its key, which is then pinned and the query sent once more.
      keyId: pin?.keyId ?? '0'.repeat(32),
      legalBasis: input.legalBasis,
      purpose: input.purpose,
      blinded: blindedForWire(pending),
      // The filter held under the pinned key, for a delta (§19.8).
      ...(held !== undefined && held.keyId === pin?.keyId ? { have: { keyId: held.keyId, seq: held.seq } } : {})
    }
    const payload = new TextEncoder().encode(JSON.stringify(q))
    const queryDigest = createHash('sha256').update(payload).digest('hex')
    const audit = {
      queryId: q.id,
      queryDigest,
      peer: input.to,
      type: input.type,
      count: canonical.length,
      legalBasis: input.legalBasis,
      purpose: input.purpose
    }
    await this.#components.store.commit([], [auditEvents.query(queryAuditRecord({ event: 'query.sent', ...audit, keyId: q.keyId }))])
    const askedMetric = (outcome: string, hits?: number): void => {
      this.emit('query', { side: 'asked', peer: input.to, type: input.type, count: canonical.length, outcome, ...(hits !== undefined ? { hits } : {}) })
    }
    const outcome = await this.#exchange(
      input.to,
      peer.addresses,
      encodeEnvelope(signEnvelope(QUERY_PAYLOAD_TYPES.query, payload, this.#components.signer)),
      async (response, next) => {
        let answer: AnswerV1
        try {
          answer = this.#open(input.to, response.answer, QUERY_PAYLOAD_TYPES.answer, decodeAnswer)
          if (answer.query !== q.id || answer.queryDigest !== queryDigest || answer.from !== input.to || answer.to !== q.from) {
            throw new ProtocolError(
              'BAD_PROOF',
              'the answer is not for this query'
            )
          }
          if (answer.refused === 'SCHEMA_INVALID' && pin === undefined && answer.keyId !== q.keyId) {
            // First contact: learn the key id, then ask again (one retry).
            await db.put(`pin!${input.to}`, { publicKey: '', keyId: answer.keyId })
            return 'retry' as const
          }
          if (answer.refused === 'SCHEMA_INVALID' && pin !== undefined && answer.keyId !== pin.keyId) {
            // Not re-pinned automatically: a node that could switch keys at will could tag queries (P4).
            await this.#components.store.commit([], [
              auditEvents.query(queryAuditRecord({ event: 'query.refused', ...audit, keyId: answer.keyId, refused: 'OPRF_KEY_CHANGED' }))
            ])
            askedMetric('OPRF_KEY_CHANGED')
            throw new NodeError(
              'OPRF_KEY_CHANGED',
              `the peer now answers under OPRF key ${answer.keyId}, pinned is ${pin.keyId}: confirm it out of band, then liaison query unpin ${input.to}`
            )
          }
          if (answer.refused !== undefined) {
            await this.#components.store.commit([], [
              auditEvents.query(queryAuditRecord({ event: 'query.refused', ...audit, keyId: answer.keyId, refused: answer.refused }))
            ])
            askedMetric(answer.refused)
            throw new NodeError(answer.refused, `the peer refused the query: ${answer.refused}`)
          }
          // Under another key than the pinned one: only with the peer's signed notice replacing it (§19.9).
          if (pin !== undefined && answer.keyId !== pin.keyId) {
            const pinned = pin
            const refuse = async (why: string): Promise<never> => {
              await this.#components.store.commit([], [
                auditEvents.query(queryAuditRecord({ event: 'query.refused', ...audit, keyId: answer.keyId, refused: 'OPRF_KEY_CHANGED' }))
              ])
              askedMetric('OPRF_KEY_CHANGED')
              throw new NodeError(
                'OPRF_KEY_CHANGED',
                `the peer now answers under OPRF key ${answer.keyId}, pinned is ${pinned.keyId}, and ${why}: confirm it out of band, then liaison query ` +
                  `unpin ${input.to}`
              )
            }
            keyChange = await this.#acceptKeyNotice(input.to, pinned, { keyId: answer.keyId, oprfKey: response.oprfKey }, response.keyNotice, refuse)
            pin = { publicKey: keyChange.publicKey, keyId: keyChange.keyId }
          }
          const oprfKey = typeof response.oprfKey === 'string' ? tryDecodeBase64(response.oprfKey) : undefined
          if (oprfKey?.length !== 32 || oprfKeyId(oprfKey) !== answer.keyId) {
            throw new ProtocolError(
              'BAD_PROOF',
              "the OPRF key does not match the answer's key id"
            )
          }
          if (pin !== undefined && pin.publicKey !== '' && pin.publicKey !== encodeBase64(oprfKey)) {
            throw new ProtocolError(
              'BAD_PROOF',
              'the OPRF key differs from the one pinned for this peer'
            )
          }
          if (pin === undefined || pin.publicKey === '') await db.put(`pin!${input.to}`, { publicKey: encodeBase64(oprfKey), keyId: answer.keyId })
          const tags = finaliseTags(input.type, q.from, oprfKey, pending, { evaluated: answer.evaluated!, proof: answer.proof! })
          await this.#applyFilter({ query: q.id, from: input.to, to: q.from, type: input.type, keyId: answer.keyId }, held, next)
          const present = await db.getMany(tags.map(t => `ft!${input.to}!${input.type}!${t}`))
          return {
            keyId: answer.keyId,
            results: pending.map((p, i) => ({ canonical: p.canonical, hit: present[i] !== undefined, hitRef: present[i] !== undefined ? tags[i] : null }))
          }
        } catch (err) {
          // A forged, mismatched or unprovable answer or filter update: audited as such, no result reported.
          if (err instanceof ProtocolError) {
            await this.#components.store.commit([], [
              auditEvents.query(queryAuditRecord({ event: 'query.refused', ...audit, keyId: q.keyId, refused: err.code }))
            ])
            askedMetric(err.code)
          }
          throw err
        }
      }
    )
    if (outcome === 'retry') return await this.ask(input)
    const { results } = outcome
    const hits = results.filter(r => r.hit).length
    const record: AskedRecord = {
      queryId: q.id,
      to: input.to,
      type: input.type,
      created: q.created,
      legalBasis: input.legalBasis,
      purpose: input.purpose,
      keyId: outcome.keyId,
      results: results.map(r => ({ canonical: r.canonical, result: r.hit ? 'hit' : 'no-hit', hitRef: r.hitRef }))
    }
    const ops: Array<{ type: 'put', key: string, value: unknown }> = [{ type: 'put', key: `q!${q.id}`, value: record }]
    for (const r of results) if (r.hitRef !== null) ops.push({ type: 'put', key: `hit!${r.hitRef}`, value: q.id })
    await db.batch(ops, { sync: true })
    await this.#components.store.commit([], [auditEvents.query(queryAuditRecord({ event: 'query.result', ...audit, keyId: outcome.keyId, hits }))])
    askedMetric('result', hits)
    return {
      queryId: q.id,
      queryDigest,
      to: input.to,
      type: input.type,
      count: canonical.length,
      hits,
      keyId: outcome.keyId,
      results: results.map((r, i) => ({ index: i, result: r.hit ? 'hit' : 'no-hit', hitRef: r.hitRef })),
      ...(keyChange !== undefined
        ? { keyChange: { previousKeyId: keyChange.previousKeyId, keyId: keyChange.keyId, epoch: keyChange.epoch, notice: keyChange.notice } }
        : {})
    }
  }

  /**
   * Checks the OPRF key notice that came with an answer under a key other than the pinned one
   * (§19.9): signed by the peer's identity on this node's trust list, replacing exactly the
   * pinned key, naming the answer's key and public key. Then pins the new key where the old one was (the trust
   * record for a key from its card, else DATA_DIR/query-asked), keeps the notice envelope
   * (`notice!PEER!KEY_ID`) and audits `query.key-notice` (accepted) in the same commit as a
   * trust-record change. Anything else goes to `refuse` (OPRF_KEY_CHANGED).
   */
  async #acceptKeyNotice (
    peerId: string,
    pin: { publicKey: string, keyId: string },
    answered: { keyId: string, oprfKey: unknown },
    b64: unknown,
    refuse: (why: string) => Promise<never>
  ): Promise<KeyChange & { publicKey: string }> {
    const bytes = typeof b64 === 'string' ? tryDecodeBase64(b64) : undefined
    if (bytes === undefined) return await refuse('no signed key notice came with the answer')
    let notice: KeyNoticeV1
    try {
      notice = this.#openBytes(peerId, bytes, KEY_NOTICE_PAYLOAD_TYPE, decodeKeyNotice)
    } catch (err) {
      if (err instanceof ProtocolError) return await refuse(`its key notice does not hold (${err.code}: ${err.message})`)
      throw err
    }
    const problem = keyNoticeProblem(notice, { peerId, pinnedKeyId: pin.keyId, answerKeyId: answered.keyId })
    if (problem !== null) return await refuse(problem)
    if (notice.publicKey !== answered.oprfKey) return await refuse('the notice names another public key than the answer')
    const digest = envelopeDigest(decodeEnvelope(bytes))
    const event = auditEvents.queryKeyNotice({
      role: 'accepted',
      peer: peerId,
      previousKeyId: pin.keyId,
      keyId: notice.keyId,
      epoch: notice.epoch,
      notice: digest
    })
    const db = await this.#db()
    await db.put(`notice!${peerId}!${notice.keyId}`, encodeBase64(bytes), { sync: true })
    const record = this.#components.trust.get(peerId)
    if (record?.oprfKey !== undefined) {
      await this.#components.trust.replace(
        record,
        { ...record, oprfKey: { publicKey: notice.publicKey, keyId: notice.keyId }, updatedAt: new Date(this.#now()).toISOString() },
        'peer.oprf-key-changed',
        undefined,
        [],
        [event]
      )
    } else {
      await db.put(`pin!${peerId}`, { publicKey: notice.publicKey, keyId: notice.keyId }, { sync: true })
      await this.#components.store.commit([], [event])
    }
    this.#components.logger.info(
      { peer: peerId, previousKeyId: pin.keyId, keyId: notice.keyId, epoch: notice.epoch },
      'peer OPRF key changed: signed notice verified, new key pinned'
    )
    return { previousKeyId: pin.keyId, keyId: notice.keyId, epoch: notice.epoch, notice: digest, publicKey: notice.publicKey }
  }

  /**
   * Reads the filter sync that follows an evaluated answer (§19.8) and applies it to the
   * filter held for (peer, type): `fs!PEER!TYPE` → { keyId, seq, size }, `ft!PEER!TYPE!TAG`.
   * A delta is one LevelDB batch; a full filter replaces the tags part by part, with the
   * state record removed first and written last, so a crash midway leaves no filter (the next
   * query asks for a full one). FILTER_STALE (and the held filter dropped, so the next query
   * gets a full one) when the parts do not apply or the count after applying differs.
   */
  async #applyFilter (ctx: FilterContext, held: HeldFilter | undefined, next: () => Promise<Uint8Array | undefined>): Promise<void> {
    const db = await this.#db()
    const state = `fs!${ctx.from}!${ctx.type}`
    const prefix = `ft!${ctx.from}!${ctx.type}!`
    const check = new FilterSyncCheck(ctx, held)
    const stale = async (why: string): Promise<never> => {
      await db.del(state, { sync: true })
      throw new ProtocolError('FILTER_STALE', `hit filter update: ${why}`)
    }
    const part = async (): Promise<FilterV1> => {
      const bytes = await next()
      if (bytes === undefined) return await stale('the stream ended before the last part')
      try {
        const p = this.#openBytes(ctx.from, bytes, QUERY_PAYLOAD_TYPES.filter, decodeFilter)
        check.accept(p)
        return p
      } catch (err) {
        // A part that is not B's, or does not apply: nothing more is read, the held filter is dropped.
        if (err instanceof ProtocolError) await db.del(state, { sync: true })
        throw err
      }
    }
    const first = await part()
    if (first.since !== null) {
      // A delta: every part, then one batch.
      const parts = [first]
      while (!check.ended) parts.push(await part())
      const added = [...new Set(parts.flatMap(p => p.added))]
      const removed = [...new Set(parts.flatMap(p => p.removed))]
      const [had, gone] = await Promise.all([db.getMany(added.map(t => prefix + t)), db.getMany(removed.map(t => prefix + t))])
      const size = held!.size + had.filter(v => v === undefined).length - gone.filter(v => v !== undefined).length
      const sync = check.finish()
      if (size !== sync.size) return await stale(`the filter would hold ${size} tags, the answering node says ${sync.size}`)
      await db.batch<unknown>([
        ...removed.map(t => ({ type: 'del' as const, key: prefix + t })),
        ...added.map(t => ({ type: 'put' as const, key: prefix + t, value: 1 as unknown })),
        { type: 'put' as const, key: state, value: { keyId: ctx.keyId, seq: sync.seq, size } satisfies HeldFilter }
      ], { sync: true })
      return
    }
    await db.del(state, { sync: true })
    let old: string[] = []
    const flush = async (): Promise<void> => {
      await db.batch(old.map(key => ({ type: 'del' as const, key })))
      old = []
    }
    for await (const key of db.keys({ gte: prefix, lt: prefix.slice(0, -1) + '"' })) {
      old.push(key)
      if (old.length >= 10_000) await flush()
    }
    await flush()
    let size = 0
    for (let p: FilterV1 | undefined = first; p !== undefined; p = check.ended ? undefined : await part()) {
      const fresh = await db.getMany(p.added.map(t => prefix + t))
      size += fresh.filter(v => v === undefined).length
      await db.batch(p.added.map(t => ({ type: 'put' as const, key: prefix + t, value: 1 })))
    }
    const sync = check.finish()
    if (size !== sync.size) return await stale(`the full filter holds ${size} tags, the answering node says ${sync.size}`)
    await db.put(state, { keyId: ctx.keyId, seq: sync.seq, size } satisfies HeldFilter, { sync: true })
  }

  /**
   * Forgets the OPRF key pinned for `peer` at first use: the next answer pins the key it names.
   * For after a key rotation confirmed out of band.
   */
  async unpin (peer: string): Promise<{ unpinned: string }> {
    const record = this.#components.trust.get(peer)
    if (record === undefined) throw new NodeError('NOT_FOUND', 'no such peer on the trust list')
    if (record.oprfKey !== undefined) {
      throw new NodeError('BAD_ARGUMENT', "this peer's OPRF key comes from its trust card: set the new one from its new card (PATCH /v1/peers/ID with oprfKey)")
    }
    await (await this.#db()).del(`pin!${peer}`)
    return { unpinned: peer }
  }

  /** The asker's record of the query that produced `hitRef`, and the hit's selector. */
  async findHit (hitRef: string): Promise<{ record: AskedRecord, canonical: string } | undefined> {
    const id = await (await this.#db()).get(`hit!${hitRef}`) as string | undefined
    if (id === undefined) return undefined
    const record = await (await this.#db()).get(`q!${id}`) as AskedRecord | undefined
    const hit = record?.results.find(r => r.hitRef === hitRef)
    return record === undefined || hit === undefined ? undefined : { record, canonical: hit.canonical }
  }

  #open<T> (from: string, b64: unknown, payloadType: string, decode: (payload: Uint8Array) => T): T {
    const bytes = typeof b64 === 'string' ? tryDecodeBase64(b64) : undefined
    if (bytes === undefined) throw new ProtocolError('SCHEMA_INVALID', `the response has no ${payloadType}`)
    return this.#openBytes(from, bytes, payloadType, decode)
  }

  #openBytes<T> (from: string, bytes: Uint8Array, payloadType: string, decode: (payload: Uint8Array) => T): T {
    const env = decodeEnvelope(bytes, MAX_QUERY_FRAME)
    if (env.payloadType !== payloadType) throw new ProtocolError('SCHEMA_INVALID', `expected ${payloadType}`)
    if (!verifyEnvelope(env, verifyKeyFromPeerId(from))) throw new ProtocolError('BAD_SIGNATURE', `the ${payloadType} is not signed by the peer`)
    return decode(env.payload)
  }

  /**
   * Dials `peerId`, sends the query envelope and hands the first response frame (a JSON object)
   * to `handle` with `next`, which reads the frames after it, while the stream is open.
   */
  async #exchange<T> (
    peerId: string,
    addresses: string[],
    envelope: Uint8Array,
    handle: (response: Record<string, unknown>, next: () => Promise<Uint8Array | undefined>) => Promise<T>
  ): Promise<T> {
    const signal = AbortSignal.timeout(QUERY_TIMEOUT_MS)
    let stream: Stream
    try {
      stream = await this.#components.libp2p.dialProtocol(dialTargets(peerId, addresses), QUERY_PROTOCOL, { signal })
    } catch (err) {
      // As for a send: the peer cannot be dialled, and the answer names where it was tried.
      throw new NodeError(
        'PEER_UNREACHABLE',
        `the peer cannot be reached${addresses.length > 0 ? ` at ${addresses.join(', ')}` : ' (no address on its trust record)'}: ${(err as Error).message}`,
        { details: { peerId, addresses } }
      )
    }
    try {
      if (!stream.send(encodeFrame(envelope, MAX_QUERY_FRAME))) await stream.onDrain()
      const frames = streamFrames(stream, MAX_QUERY_FRAME)
      const next = async (): Promise<Uint8Array | undefined> => await frames.next(signal)
      const reply = await next()
      if (reply === undefined) throw new ProtocolError('UNAVAILABLE', 'the peer closed the stream without an answer')
      const value = parseStrictJson(utf8Decode(reply))
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProtocolError('SCHEMA_INVALID', 'the response is not a JSON object')
      return await handle(value as Record<string, unknown>, next)
    } finally {
      await stream.close().catch(() => {})
    }
  }
}
