/**
 * The signed exchange between nodes (PROTOCOL.md §13, §22): `/liaison/exchange/2.0.0`.
 *
 * - outbox.ts — `Outbox`: the durable queue of outbound messages and its delivery lanes
 *   (delivery-lane.ts), one per peer; enqueue.ts puts a signed message into it.
 * - receiver.ts — `Receiver`: the receive pipeline, one batch frame at a time; serve-stream.ts
 *   serves one inbound stream; admission.ts and the handle-*.ts files decide per payload type.
 * - verify-pool.ts — Ed25519 verification on worker threads (verify-worker.ts).
 * - receipts.ts, batch-receipts.ts — signing and checking receipts.
 *
 * @example
 * ```ts
 * const outbox = new Outbox({ store, trust, logger, verify, witness, self, dial }, { window: 64 })
 * await outbox.start()
 * ```
 *
 * @module
 */
export { Outbox, type OutboxComponents, type OutboxEvents, type OutboxInit } from './outbox.ts'
export { enqueueOutbound } from './enqueue.ts'
export { idRandom } from './id-random.ts'
export { DeliveryLane, type DialFailure, type LaneComponents, type LaneInit, type ReceiptWitness } from './delivery-lane.ts'
export { Receiver, type EnvelopeResult, type ReceiveOutcome, type ReceiverComponents, type ReceiverEvents, type RejectionInfo } from './receiver.ts'
export { serveExchangeStream, type ServeInit } from './serve-stream.ts'
export { checkEnvelopeHeader, refuse, type Admission, type Incoming, type PayloadHandler } from './admission.ts'
export { inlineVerify, signedBy, VerifyPool, type AsyncVerifier, type VerifyPoolInit } from './verify-pool.ts'
export { openReceipt, openReceiptWith, signReceipt, signReceiptParsed, type ReceiptInput } from './receipts.ts'
export { openBatchReceipt, type HeldCheckpoint, type OpenedBatchReceipt, type ReceiptResult } from './batch-receipts.ts'
export { streamFrames, type StreamFrames } from './stream-frames.ts'
