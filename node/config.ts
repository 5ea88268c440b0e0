/**
 * The node's configuration file (`DIR/config.json`, JSON): validated once against a strict
 * schema (unknown keys rejected), defaults applied from node/defaults.ts, then frozen.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import * as D from './defaults.ts'
import { NodeError } from './errors.ts'

const multiaddr = z.string().regex(/^\/(ip4|ip6|dns4|dns6|dns)\/[^/]+\/tcp\/\d{1,5}(\/p2p\/[1-9A-HJ-NP-Za-km-z]+)?$/, 'a TCP multiaddr such as /ip4/127.0.0.1/tcp/4001')

export const configSchema = z.strictObject({
  name: z.string().min(1).max(128),
  /** ISO 3166-1 alpha-2 code of the agency's jurisdiction, shown on its trust card. */
  jurisdiction: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as NL').optional(),
  listen: z.array(multiaddr).min(1).default(D.DEFAULT_LISTEN),
  api: z.strictObject({
    host: z.string().min(1).default(D.DEFAULT_API_HOST),
    port: z.number().int().min(0).max(65535).default(D.DEFAULT_API_PORT),
    /** Binding anything but loopback must be asked for explicitly. */
    allowNonLoopback: z.boolean().default(false)
  }).prefault({}),
  exchange: z.strictObject({
    deliveryWindow: z.number().int().min(1).max(4096).default(D.DEFAULT_DELIVERY_WINDOW),
    retryBaseMs: z.number().int().min(1).default(D.DEFAULT_RETRY_BASE_MS),
    retryCapMs: z.number().int().min(1).max(30_000).default(D.DEFAULT_RETRY_CAP_MS),
    receiptTimeoutMs: z.number().int().min(100).default(D.DEFAULT_RECEIPT_TIMEOUT_MS),
    maxBatch: z.number().int().min(1).max(65536).default(D.DEFAULT_MAX_BATCH),
    maxInboundStreams: z.number().int().min(1).max(1024).default(D.DEFAULT_MAX_INBOUND_STREAMS),
    frameTimeoutMs: z.number().int().min(100).default(D.DEFAULT_FRAME_TIMEOUT_MS)
  }).prefault({}),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default(D.DEFAULT_LOG_LEVEL)
})

export type Config = Readonly<z.infer<typeof configSchema>>

/** Validate a parsed config object; errors name the path, the value and what was expected. */
export function validateConfig (value: unknown, source = 'config'): Config {
  const result = configSchema.safeParse(value)
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join('.') : '(root)'
      return `${path}: ${issue.message}`
    })
    throw new NodeError('CONFIG_INVALID', `${source} is invalid:\n  ${problems.join('\n  ')}`, { details: problems })
  }
  return deepFreeze(result.data)
}

/** Read, parse and validate a config file, then apply LIAISON_* environment overrides. */
export async function loadConfig (file: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new NodeError('CONFIG_INVALID', `cannot read ${file}: ${(err as Error).message}`, { cause: err })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new NodeError('CONFIG_INVALID', `${file} is not valid JSON: ${(err as Error).message}`, { cause: err })
  }
  return validateConfig(applyEnv(value, env), file)
}

/** Environment overrides: LIAISON_LISTEN (comma-separated), LIAISON_API_PORT, LIAISON_LOG_LEVEL. */
export function applyEnv (value: unknown, env: NodeJS.ProcessEnv): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) }
  if (env.LIAISON_LISTEN != null && env.LIAISON_LISTEN !== '') out.listen = env.LIAISON_LISTEN.split(',').map(s => s.trim())
  if (env.LIAISON_API_PORT != null && env.LIAISON_API_PORT !== '') {
    out.api = { ...(out.api as object ?? {}), port: Number(env.LIAISON_API_PORT) }
  }
  if (env.LIAISON_LOG_LEVEL != null && env.LIAISON_LOG_LEVEL !== '') out.logLevel = env.LIAISON_LOG_LEVEL
  return out
}

function deepFreeze<T> (value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}
