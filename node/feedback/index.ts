/**
 * Feedback on a received message (`liaison feedback`): the recipient rates it, signed, to its
 * originator; the originator's side is node/exchange/handle-feedback.ts.
 *
 * @module
 */
export { sendFeedback, type FeedbackComponents, type FeedbackResult } from './send-feedback.ts'
