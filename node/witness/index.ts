/**
 * Witnessing by peers (PROTOCOL.md §20, §22): each node cosigns its peers' checkpoints and
 * compares notes with the others, so a node that shows two peers two histories is caught.
 *
 * - witness.ts — `Witness`: asks peers to cosign this node's checkpoints, cosigns theirs.
 * - gossip.ts — `Gossip`: witnesses exchange what they saw.
 * - witness-store.ts — what a node keeps as a witness: latest checkpoints, alerts.
 * - split-view-export.ts — an alert's evidence as files an auditor checks.
 *
 * @example
 * ```ts
 * const witness = new Witness({ libp2p, store, audit, trust, signer, logger }, { intervalMs })
 * await witness.start()
 * ```
 *
 * @module
 */
export { Witness, WITNESS_PROTOCOL, type WitnessComponents, type WitnessEvents, type WitnessInit, type WitnessOutcome } from './witness.ts'
export { Gossip, GOSSIP_PROTOCOL, type GossipComponents } from './gossip.ts'
export { WitnessStore, type WitnessAlert, type WitnessedCheckpoint } from './witness-store.ts'
export { exportAlertEvidence } from './split-view-export.ts'
