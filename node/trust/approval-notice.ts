/**
 * Telling a rotating peer that this node approved its key rotation (protocol/rotation-approval.ts).
 * Sent just before the rotation is applied here, over the peer's old identity — once the record
 * is re-keyed that identity is no longer trusted and its connection is dropped. One frame on
 * `/liaison/exchange/2.0.0` (a batch of one), answered by the peer's batch receipt. Best effort within a short
 * deadline: an unreachable peer does not hold up the approval (its `keys status` then shows no
 * approval from this node; everything else about the rotation is unchanged).
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { Libp2p } from 'libp2p'
import type { Stream } from '@libp2p/interface'
import { encodeEnvelope, signEnvelope } from '../../protocol/envelope.ts'
import { envelopeDigest } from '../../protocol/digest.ts'
import { encodeFrame, EXCHANGE_PROTOCOL } from '../../protocol/frame.ts'
import { encodeRotationApproval } from '../../protocol/rotation-approval.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import { PAYLOAD_TYPES, type Signer } from '../../protocol/types.ts'
import { encodeBatch } from '../../protocol/batch.ts'
import { openBatchReceipt } from '../exchange/batch-receipts.ts'
import { streamFrames } from '../exchange/stream-frames.ts'
import { dialTargets } from '../addresses/dial-targets.ts'
import type { PeerRecord, PeerRotation } from '../store/index.ts'
import { DEFAULT_APPROVAL_NOTICE_TIMEOUT_MS } from '../defaults.ts'

/** How long the notice may take before the approval goes ahead without it. */
export const APPROVAL_NOTICE_TIMEOUT_MS = DEFAULT_APPROVAL_NOTICE_TIMEOUT_MS

export type NoticeOutcome = { status: 'accepted' } | { status: 'rejected', reason: string } | { status: 'failed', detail: string }

export async function sendApprovalNotice (
  libp2p: Libp2p,
  signer: Signer,
  peer: PeerRecord,
  rotation: PeerRotation,
  now: Date,
  timeoutMs = APPROVAL_NOTICE_TIMEOUT_MS
): Promise<NoticeOutcome> {
  const env = signEnvelope(
    PAYLOAD_TYPES.rotationApproval,
    encodeRotationApproval({
      v: 1,
      id: uuidV7(now.getTime(), randomBytes(10)),
      statement: rotation.statementDigest,
      oldPeerId: rotation.oldPeerId,
      newPeerId: rotation.newPeerId,
      by: signer.peerId,
      approved: now.toISOString()
    }),
    signer
  )
  const digest = envelopeDigest(env)
  const signal = AbortSignal.timeout(timeoutMs)
  let stream: Stream | undefined
  try {
    stream = await libp2p.dialProtocol(dialTargets(rotation.oldPeerId, peer.addresses), EXCHANGE_PROTOCOL, { signal })
    if (!stream.send(encodeFrame(encodeBatch(0, [encodeEnvelope(env)])))) await stream.onDrain({ signal })
    const frame = await streamFrames(stream).next(signal)
    if (frame === undefined) return { status: 'failed', detail: 'the peer closed the stream without a receipt' }
    const [receipt] = openBatchReceipt(frame, rotation.oldPeerId, [digest], undefined, signer.peerId).results
    await stream.close().catch(() => {})
    return receipt.status === 'accepted' ? { status: 'accepted' } : { status: 'rejected', reason: receipt.reason ?? 'INTERNAL' }
  } catch (err) {
    stream?.abort(err as Error)
    return { status: 'failed', detail: (err as Error).message }
  }
}
