/**
 * What the benchmark orchestrator may ask an agent (agent.ts) over IPC, and what it answers.
 * Kept apart from agent.ts because importing that file starts a node.
 *
 * @module
 */

export const RAW_PROTOCOL = '/liaison-bench/raw/1.0.0'

/** The legal basis every benchmark message names (agents.ts records the matching agreement). */
export const BENCH_LEGAL_BASIS = 'BENCH-1'

export type AgentRequest =
  | { op: 'raw', peerId: string, address: string, count: number, frameBytes: number, window: number, perFrame?: number }
  | { op: 'probe', to: string, bodyBytes: number }
  | { op: 'ingest', to: string[], count: number, bodyBytes: number, concurrency: number }
  | { op: 'latency', to: string, count: number, bodyBytes: number }
  | { op: 'open-loop', to: string, rate: number, count: number, bodyBytes: number }
  | { op: 'fanout', to: string[], bodyBytes: number }
  | { op: 'check' }
  | { op: 'inbox' }
  | { op: 'info' }
  | { op: 'profile-start', intervalUs: number }
  | { op: 'profile-stop', file: string }
  | { op: 'rss' }
  | { op: 'stop' }

export interface RawResult {
  count: number
  seconds: number
  rate: number
}
export interface ProbeResult {
  envelopeBytes: number
  receiptBytes: number
}
export interface InfoResult {
  peerId: string
  ackBytes: number
  deliveryWindow: number
}
export interface IngestResult {
  count: number
  recipients: number
  seconds: number
  /** Until the last `send` returned (signed and durably queued). */
  queuedSeconds: number
  /** Deliveries (message × recipient) per second, first send to last verified, recorded receipt. */
  rate: number
}
export interface LatencyResult {
  samples: number[]
}
export interface OpenLoopResult extends LatencyResult {
  rate: number
  issueSeconds: number
  maxIssueLagMs: number
}
export interface FanoutResult {
  ms: number
  perRecipientMs: number[]
}

/**
 * The check of the agent's last sending operation, done after the clock stopped: every
 * (message, recipient) ended as `delivered`, and the receipt the sender stored for it is an
 * accepted receipt that verifies under the recipient's key.
 */
export interface DeliveryCheck {
  /** Deliveries the last operation made (messages × recipients). */
  expected: number
  notDelivered: number
  receiptsChecked: number
  problems: string[]
}
export interface InboxResult {
  count: number
  accepted: number
}
export type RssResult = NodeJS.MemoryUsage
