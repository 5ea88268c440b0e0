/**
 * The one error a selector normalisation throws. Its message never contains the value (a
 * selector must not reach logs or error bodies); `code` is the node/CLI code to report.
 *
 * @module
 */

/** A selector that cannot be normalised. */
export class SelectorError extends Error {
  readonly code = 'BAD_SELECTOR'
  readonly type: string
  constructor (type: string, why: string) {
    super(`not a valid ${type} selector: ${why}`)
    this.name = 'SelectorError'
    this.type = type
  }
}
