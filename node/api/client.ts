/**
 * The CLI's way to a running node: the LiaisonService interface over the local API.
 *
 * @module
 */
import { NodeError, type DetailsOf, type ErrorCode } from '../errors.ts'
import type {
  AddPeerResult,
  Health,
  KeyStatus,
  LiaisonService,
  MessageView,
  PeerStatusChange,
  PolicyCheckInput,
  SendInput,
  SendResult
} from '../service/index.ts'
import type { PeerFields, NodePolicy, Decision } from '../policy/index.ts'
import type { CardExport, CardInspection, RevocationOutcome, PeerInput } from '../trust/index.ts'
import type { WitnessOutcome, WitnessAlert, WitnessedCheckpoint } from '../witness/index.ts'
import type { DeliveryRecord, MessageMeta, OwnRotation, PeerRecord, ReleaseRecord, InboxQuery } from '../store/index.ts'
import type { FeedbackResult } from '../feedback/index.ts'
import type { ReportRequest } from '../report/serve-report.ts'
import type { ReportVerdict } from '../report/verify-report.ts'

export class ApiClient implements LiaisonService {
  private readonly base: string
  private readonly token: string

  constructor (base: string, token: string) {
    this.base = base
    this.token = token
  }

  async call<T> (method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.base + path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {})
    })
    const value = await res.json() as { error?: { code: ErrorCode, message: string, details?: DetailsOf<ErrorCode> } }
    if (!res.ok) {
      const e = value.error
      throw new NodeError(e?.code ?? 'INTERNAL', e?.message ?? `HTTP ${res.status}`, { details: e?.details })
    }
    return value as T
  }

  /** A call whose 200 answer may be any media type (the report as text, CSV or HTML). */
  async raw (method: string, path: string): Promise<{ type: string, body: string }> {
    const res = await fetch(this.base + path, { method, headers: { authorization: `Bearer ${this.token}` } })
    const body = await res.text()
    if (!res.ok) {
      const e = (JSON.parse(body) as { error?: { code: ErrorCode, message: string, details?: DetailsOf<ErrorCode> } }).error
      throw new NodeError(e?.code ?? 'INTERNAL', e?.message ?? `HTTP ${res.status}`, { details: e?.details })
    }
    return { type: res.headers.get('content-type') ?? 'application/octet-stream', body }
  }

  async send (input: SendInput, opts: { wait?: boolean, timeoutMs?: number } = {}): Promise<SendResult> {
    const q = new URLSearchParams()
    if (opts.wait === true) q.set('wait', 'true')
    if (opts.timeoutMs != null) q.set('timeoutMs', String(opts.timeoutMs))
    return await this.call('POST', `/v1/messages${q.size > 0 ? '?' + q.toString() : ''}`, input)
  }

  async inbox (query: InboxQuery = {}): Promise<MessageMeta[]> {
    return await this.call('GET', '/v1/inbox' + qs(query))
  }

  async sent (query: InboxQuery = {}): Promise<MessageMeta[]> {
    return await this.call('GET', '/v1/sent' + qs(query))
  }

  async outbox (): Promise<DeliveryRecord[]> {
    return await this.call('GET', '/v1/outbox')
  }

  async message (ref: string, opts: { envelope?: boolean } = {}): Promise<MessageView> {
    return await this.call('GET', `/v1/messages/${encodeURIComponent(ref)}${opts.envelope === true ? '?envelope=true' : ''}`)
  }

  async peers (): Promise<PeerRecord[]> {
    return await this.call('GET', '/v1/peers')
  }

  async addPeer (input: PeerInput): Promise<PeerRecord> {
    return await this.call('POST', '/v1/peers', input)
  }

  async peer (peerId: string): Promise<PeerRecord> {
    return await this.call('GET', `/v1/peers/${encodeURIComponent(peerId)}`)
  }

  async applyRevocation (certificate: string): Promise<RevocationOutcome> {
    return await this.call('POST', '/v1/revocations', { certificate })
  }

  async addPeerFromCard (card: string, fields: PeerFields, fingerprint?: string): Promise<AddPeerResult> {
    return await this.call('POST', '/v1/peers/from-card', { card, fields, ...(fingerprint != null ? { fingerprint } : {}) })
  }

  async inspectCard (card: string): Promise<CardInspection> {
    return await this.call('POST', '/v1/cards/inspect', { card })
  }

  async updatePeer (peerId: string, fields: PeerFields): Promise<PeerRecord> {
    return await this.call('PATCH', `/v1/peers/${encodeURIComponent(peerId)}`, fields)
  }

  async setPeerStatus (peerId: string, status: 'active' | 'suspended' | 'revoked'): Promise<PeerStatusChange> {
    return await this.call('POST', `/v1/peers/${encodeURIComponent(peerId)}/status`, { status })
  }

  async policy (): Promise<NodePolicy> {
    return await this.call('GET', '/v1/policy')
  }

  async reloadPolicy (): Promise<NodePolicy> {
    return await this.call('POST', '/v1/policy/reload', {})
  }

  async checkPolicy (input: PolicyCheckInput): Promise<Decision> {
    return await this.call('POST', '/v1/policy/check', input)
  }

  async card (): Promise<CardExport> {
    return await this.call('GET', '/v1/card')
  }

  async rotateKey (): Promise<OwnRotation> {
    return await this.call('POST', '/v1/keys/rotate', {})
  }

  async keyStatus (): Promise<KeyStatus> {
    return await this.call('GET', '/v1/keys')
  }

  async approveRotation (oldPeerId: string): Promise<PeerRecord> {
    return await this.call('POST', `/v1/peers/${encodeURIComponent(oldPeerId)}/approve-rotation`, {})
  }

  async forward (ref: string, to: string[], legalBasis?: string): Promise<SendResult> {
    return await this.call('POST', `/v1/messages/${encodeURIComponent(ref)}/forward`, { to, ...(legalBasis != null ? { legalBasis } : {}) })
  }

  async feedback (ref: string, rating: string, note?: string): Promise<FeedbackResult> {
    return await this.call('POST', `/v1/messages/${encodeURIComponent(ref)}/feedback`, { rating, ...(note != null ? { note } : {}) })
  }
  async report (input: ReportRequest): Promise<{ type: string, body: string }> {
    const params = new URLSearchParams({ format: input.format })
    if (input.from != null) params.set('from', input.from)
    if (input.to != null) params.set('to', input.to)
    for (const d of input.by) params.append('by', d)
    if (input.sign) params.set('sign', 'true')
    return await this.raw('GET', `/v1/report?${params}`)
  }

  async verifyReport (report: string): Promise<ReportVerdict> {
    return await this.call('POST', '/v1/report/verify', { report })
  }

  async requestRelease (message: string, recipient: string, reason: string): Promise<ReleaseRecord> {
    return await this.call('POST', '/v1/releases', { message, recipient, reason })
  }

  async answerRelease (requestId: string, decision: 'granted' | 'denied', opts: { validMs?: number, reason?: string } = {}): Promise<ReleaseRecord> {
    return await this.call('POST', `/v1/releases/${encodeURIComponent(requestId)}/${decision === 'granted' ? 'grant' : 'deny'}`, opts)
  }

  async releases (): Promise<ReleaseRecord[]> {
    return await this.call('GET', '/v1/releases')
  }

  async witness (): Promise<WitnessOutcome[]> {
    return await this.call('POST', '/v1/witness', {})
  }

  async witnesses (): Promise<{ seen: WitnessedCheckpoint[], alerts: WitnessAlert[] }> {
    return await this.call('GET', '/v1/witnesses')
  }

  async removePeer (peerId: string): Promise<void> {
    await this.call('DELETE', `/v1/peers/${encodeURIComponent(peerId)}`)
  }

  async health (): Promise<Health> {
    return await this.call('GET', '/health')
  }
}

function qs (query: InboxQuery): string {
  const q = new URLSearchParams()
  if (query.since != null) q.set('since', new Date(query.since).toISOString())
  if (query.from != null) q.set('from', query.from)
  if (query.limit != null) q.set('limit', String(query.limit))
  return q.size > 0 ? '?' + q.toString() : ''
}
