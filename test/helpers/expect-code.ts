/**
 * The assertion the protocol unit tests share: a call must throw a ProtocolError with a given
 * stable code (the contract) and, when asked, a message matching a pattern.
 *
 * @example
 * ```ts
 * rejects(() => parseMessage(bytes), 'SCHEMA_INVALID', /expires/)
 * ```
 *
 * @module
 */
import { expect } from 'vitest'
import { ProtocolError, type ReasonCode } from '../../protocol/errors.ts'

/** Asserts that `fn` throws a ProtocolError with `code` (and a message matching `message`); returns it. */
export function rejects (fn: () => unknown, code: ReasonCode, message?: RegExp | string): ProtocolError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError)
    expect((err as ProtocolError).code).toBe(code)
    if (message !== undefined) expect((err as Error).message).toMatch(message)
    return err as ProtocolError
  }
  throw new Error('expected a ProtocolError')
}
