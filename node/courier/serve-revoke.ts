/**
 * The peer's side of `/liaison/revoke/1.0.0` (PROTOCOL.md §9.1): a courier admitted by the gate
 * sends one frame, a revocation certificate envelope; the node checks it (signed by the key it
 * revokes, and that key is one of the record that announced this courier), acts on it at once
 * (node/trust/revocation.ts: key and record revoked, links dropped, queue cancelled, audited) and
 * answers with one frame, its signed receipt for the certificate: `accepted` (also when it had
 * already acted on it), or `rejected` with a reason code. Nothing else is read from a courier.
 *
 * @module
 */
import type { Connection, Stream } from '@libp2p/interface'
import type { Logger } from 'pino'
import { encodeFrame, FrameDecoder } from '../../protocol/frame.ts'
import { openRevocation } from '../../protocol/revocation.ts'
import { ProtocolError, isReasonCode, type ReasonCode } from '../../protocol/errors.ts'
import { envelopeDigest } from '../../protocol/digest.ts'
import { decodeEnvelope } from '../../protocol/envelope.ts'
import type { Signer } from '../../protocol/types.ts'
import { signReceipt } from '../exchange/index.ts'
import { applyRevocation, type RevocationOutcome, type TrustList } from '../trust/index.ts'
import type { Store } from '../store/index.ts'
import { NodeError } from '../errors.ts'
import { DEFAULT_REVOCATION_FRAME_TIMEOUT_MS } from '../defaults.ts'

/** Largest certificate frame read from a courier (a certificate is well under 1 KiB). */
export const MAX_REVOCATION_FRAME = 16 * 1024
/** A courier that has not sent its certificate by then is cut off. */
export const REVOCATION_FRAME_TIMEOUT_MS = DEFAULT_REVOCATION_FRAME_TIMEOUT_MS

export interface RevokeServerComponents {
  store: Store
  trust: TrustList
  signer: Signer
  logger: Logger
  /** Called after a certificate was applied (the node tells its outbox about cancelled deliveries). */
  applied?: (outcome: RevocationOutcome) => void
  now?: () => Date
}

export async function serveRevokeStream (c: RevokeServerComponents, stream: Stream, connection: Connection): Promise<void> {
  const courier = connection.remotePeer.toString()
  const record = c.trust.courierOf(courier)
  if (record == null) {
    stream.abort(new Error('not a courier of any peer'))
    return
  }
  const bytes = await readOneFrame(stream)
  const now = (c.now ?? (() => new Date()))()
  let digest = '0'.repeat(64)
  let messageId: string | null = null
  let reason: ReasonCode | undefined
  try {
    const opened = openRevocation(bytes)
    digest = opened.digest
    messageId = opened.revocation.id
    const keys = record.keyHistory.map(k => k.peerId)
    if (!keys.includes(opened.revocation.peerId)) {
      reason = 'SIGNER_MISMATCH'
    } else {
      const outcome = await applyRevocation(c.store, c.trust, bytes, now)
      c.logger.warn(
        { peer: record.peerId, key: outcome.revocation.peerId, courier, certificate: digest, applied: outcome.applied },
        'revocation certificate delivered by courier: key revoked'
      )
      c.applied?.(outcome)
    }
  } catch (err) {
    if (err instanceof ProtocolError || err instanceof NodeError) reason = isReasonCode(err.code) ? err.code : 'SCHEMA_INVALID'
    else {
      c.logger.error({ err, courier }, 'revocation delivery failed')
      reason = 'INTERNAL'
    }
    if (digest === '0'.repeat(64)) digest = safeDigest(bytes) ?? digest
  }
  if (reason != null) c.logger.warn({ peer: record.peerId, courier, reason }, 'revocation certificate from courier refused')
  const receipt = signReceipt(c.signer, { digest, messageId, status: reason == null ? 'accepted' : 'rejected', ...(reason != null ? { reason } : {}) }, now)
  if (!stream.send(encodeFrame(receipt))) await stream.onDrain()
  await stream.close().catch(() => {})
}

/** The digest of whatever envelope arrived, when it decodes that far (for the receipt's `for`). */
function safeDigest (bytes: Uint8Array): string | undefined {
  try {
    return envelopeDigest(decodeEnvelope(bytes))
  } catch {
    return undefined
  }
}

async function readOneFrame (stream: Stream): Promise<Uint8Array> {
  const decoder = new FrameDecoder(MAX_REVOCATION_FRAME)
  const signal = AbortSignal.timeout(REVOCATION_FRAME_TIMEOUT_MS)
  const iterator = stream[Symbol.asyncIterator]()
  const timeout = new Promise<never>((_resolve, reject) => {
    signal.addEventListener('abort', () => {
      reject(new ProtocolError('BAD_FRAME', 'no certificate in time'))
    }, { once: true })
  })
  while (true) {
    const chunk = await Promise.race([iterator.next(), timeout])
    if (chunk.done === true) throw new ProtocolError('BAD_FRAME', 'stream ended before a certificate')
    const frames = decoder.push(chunk.value)
    if (frames.length > 0) return frames[0]
  }
}
