/**
 * The node's root logger: pino JSON lines, or human-readable lines (pino-pretty) on a
 * terminal. Components get `logger.child({ component })`. pino-pretty (with its colour and
 * date-format dependencies) is loaded only when a pretty logger is made, so a node that logs
 * JSON — every node under a service manager — does not carry it.
 *
 * @example
 * ```ts
 * const logger = createNodeLogger('info', process.stdout.isTTY ? 'pretty' : 'json')
 * logger.child({ component: 'outbox' }).info({ peer }, 'lane started')
 * ```
 *
 * @module
 */
import { createRequire } from 'node:module'
import { pino, type Logger } from 'pino'
import type PinoPretty from 'pino-pretty'

/**
 * Never in a log line, whatever a component passes: secrets and message content. Components
 * log digests, peer IDs and reason codes instead; this is the safety net.
 */
export const REDACTED_LOG_PATHS = [
  'token',
  'apiToken',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'seed',
  'privateKey',
  'privateKeyPem',
  'key.d',
  'body',
  '*.body',
  'payload',
  '*.payload',
  'envelope',
  '*.envelope'
]

export type LogFormat = 'json' | 'pretty'

const requireModule = createRequire(import.meta.url)

/** The node's root logger; components get `logger.child({ component })`. */
export function createNodeLogger (level: string, format: LogFormat, destination: NodeJS.WritableStream = process.stdout): Logger {
  const options = { level, redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' } }
  if (format === 'pretty') {
    const pretty = requireModule('pino-pretty') as typeof PinoPretty
    return pino(options, pretty({ destination: destination as never, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', messageKey: 'msg' }))
  }
  return pino(options, destination as never)
}
