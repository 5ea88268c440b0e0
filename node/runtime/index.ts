/**
 * The running node and what it runs on.
 *
 * - liaison-node.ts — `LiaisonNode.start(dir, { logger })`: wires identity, store, trust list,
 *   transport, the receive pipeline, the outbox, witnessing, queries, TAXII and the local API
 *   together, and stops them again in reverse.
 * - startable.ts — the `Startable` contract (`start`/`stop`) and `StartedParts`, the list
 *   the node starts in order and stops in reverse.
 * - transport.ts — libp2p (TCP, Noise, Yamux) with the trust-list connection gate.
 * - logger.ts — the root pino logger (`createNodeLogger`); components get children.
 * - metrics.ts — Prometheus metrics at `GET /metrics`.
 *
 * This face loads the whole node; the CLI imports logger.ts directly so that commands that do
 * not run a node do not load it.
 *
 * @example
 * ```ts
 * const node = await LiaisonNode.start(dir, { logger: createNodeLogger('info', 'json') })
 * process.once('SIGTERM', () => { void node.stop() })
 * ```
 *
 * @module
 */
export { LiaisonNode, recordIdentitySwitch, releaseStartupGarbage, switchIdentityIfAnswered, type NodeOptions, type RuntimeInfo } from './liaison-node.ts'
export { StartedParts, type Startable, type Stoppable } from './startable.ts'
export { createTransport, guardStreams, trustGater, type TransportComponents, type TransportInit } from './transport.ts'
export { createNodeLogger, REDACTED_LOG_PATHS, type LogFormat } from './logger.ts'
export { createMetrics, metricsRoute, NodeMetrics, DELIVERY_LATENCY_BUCKETS, type MetricsComponents, type MetricsInit } from './metrics.ts'
