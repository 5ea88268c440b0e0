/**
 * The exit codes of every `liaison` command: one table, the same for all, documented in
 * docs/cli.md (generated) and tested. Scripts can rely on them:
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success |
 * | 1 | refused or failed: policy refused, a check failed, the record does not exist |
 * | 2 | usage: the command line is wrong (unknown command or flag, malformed value) |
 * | 3 | unavailable: the node is not running, the data dir is in use, or time ran out — retrying may help |
 * | 4 | internal error: a bug; the message names it |
 *
 * @module
 */
import type { ErrorCode } from '../errors.ts'

export const EXIT = {
  OK: 0,
  REFUSED: 1,
  USAGE: 2,
  UNAVAILABLE: 3,
  INTERNAL: 4
} as const

export type ExitCode = typeof EXIT[keyof typeof EXIT]

export const EXIT_MEANINGS: Record<ExitCode, string> = {
  0: 'success',
  1: 'refused or failed: policy refused, a check failed, or the named record does not exist',
  2: 'usage: the command line is wrong (unknown command or flag, missing or malformed value)',
  3: 'unavailable: the node is not running, the data directory is in use, or time ran out; retrying may help',
  4: 'internal error: a bug; the message names it'
}

/** Codes that mean "what you typed is malformed": usage, whatever layer noticed it. */
export const USAGE_CODES: ReadonlySet<string> = new Set<string>(['BAD_ARGUMENT', 'BAD_PEER_ID', 'BAD_KEY'])
/** Codes that mean "not now": the node is not running, the data directory is busy, time ran out. */
export const UNAVAILABLE_CODES: ReadonlySet<string> = new Set<string>(['NODE_NOT_RUNNING', 'DATA_DIR_IN_USE', 'TIMEOUT', 'UNAVAILABLE'])

export function exitCodeFor (code: ErrorCode | string): ExitCode {
  if (code === 'INTERNAL') return EXIT.INTERNAL
  if (USAGE_CODES.has(code)) return EXIT.USAGE
  if (UNAVAILABLE_CODES.has(code)) return EXIT.UNAVAILABLE
  return EXIT.REFUSED
}
