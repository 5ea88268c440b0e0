/**
 * The third-party rule on this node (PROTOCOL.md: forward and release), all three sides of it;
 * the wire formats are protocol/forward.ts and protocol/release.ts.
 *
 * - rules.ts — what a message's TLP and handling codes allow onwards (`forwardRule`: free,
 *   grant required, never).
 * - forwarding.ts — `Forwarding`, the forwarder's and the originator's side: forward a
 *   received message (the original envelope byte for byte), ask its originator for release,
 *   answer such requests.
 * - handle-forward.ts — the recipient's side: an inbound forward checked (both signatures,
 *   the grant, our policy as if the originator had sent it) by the receive pipeline.
 *
 * @example
 * ```ts
 * const forwarding = new Forwarding({ store, trust, signer, policy, outbox, now: () => new Date() })
 * const result = await forwarding.forward(digest, [peerId], 'MOU-1')
 * forwardRule({ tlp: 'AMBER', handling: ['no-onward-without-consent'] }) // 'grant-required'
 * ```
 *
 * @module
 */
export { disseminationCodes, forwardRule, NO_ONWARD, ORIGINATOR_ONLY, type ForwardRule } from './rules.ts'
export { Forwarding, type ForwardingComponents } from './forwarding.ts'
export { handleForward } from './handle-forward.ts'
