/**
 * The node's configuration file (`DIR/config.json`, JSON): validated once against a strict
 * schema (unknown keys rejected), defaults applied from node/defaults.ts, environment
 * overrides (`LIAISON_*`) applied on top, then frozen. docs/configuration.md documents every
 * key and variable (a test keeps it complete).
 *
 * An invalid file fails with CONFIG_INVALID and one line per problem, naming the path, the
 * value found and what was expected — and the environment variable when the value came from
 * one:
 *
 * ```
 * /srv/liaison/config.json is invalid:
 *   api.port: got "80a" (from LIAISON_API_PORT); expected a number
 *   exchange.retrycap: unknown key; expected one of deliveryWindow, retryBaseMs, …
 * ```
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { parseStrictJson } from '../../protocol/json.ts'
import * as D from '../defaults.ts'
import { NodeError } from '../errors.ts'
import { isLoopback } from '../addresses/loopback.ts'

const multiaddr = z.string().regex(
  /^\/(ip4|ip6|dns4|dns6|dns)\/[^/]+\/tcp\/\d{1,5}(\/p2p\/[1-9A-HJ-NP-Za-km-z]+)?$/,
  'a TCP multiaddr such as /ip4/127.0.0.1/tcp/4001'
)

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
    frameTimeoutMs: z.number().int().min(100).default(D.DEFAULT_FRAME_TIMEOUT_MS),
    /** New inbound connections per second from one IP address; more are closed before the handshake. */
    inboundConnectionsPerHost: z.number().int().min(1).max(10_000).default(D.DEFAULT_INBOUND_CONNECTIONS_PER_HOST),
    /** Signature-verification worker threads; 0 verifies on the event loop (default: cores − 1, 1–8). */
    verifyWorkers: z.number().int().min(0).max(64).optional()
  }).prefault({}),
  audit: z.strictObject({
    /** Peers are asked to cosign our latest checkpoint this often (0: only on demand). */
    witnessIntervalMs: z.number().int().min(0).default(D.DEFAULT_WITNESS_INTERVAL_MS),
    /** Witnesses compare the checkpoints they hold this often (0: never). */
    gossipIntervalMs: z.number().int().min(0).default(D.DEFAULT_WITNESS_GOSSIP_INTERVAL_MS)
  }).prefault({}),
  taxii: z.strictObject({
    /** HOST:PORT of the TAXII 2.1 server; `off` runs none. */
    listen: z.string().regex(/^(off|(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5})$/, 'HOST:PORT such as 127.0.0.1:9443, or off').default(D.DEFAULT_TAXII_LISTEN),
    /** PEM certificate chain and private key files; required for a non-loopback listen address. */
    tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
    maxContentLength: z.number().int().min(1024).max(1024 * 1024 * 1024).default(D.DEFAULT_TAXII_MAX_CONTENT_LENGTH),
    pageSize: z.number().int().min(1).max(100_000).default(D.DEFAULT_TAXII_PAGE_SIZE),
    maxPageSize: z.number().int().min(1).max(100_000).default(D.DEFAULT_TAXII_MAX_PAGE_SIZE)
  }).prefault({}),
  query: z.strictObject({
    /** The OPRF key's lifetime in days: rotated and the index re-keyed after it (0: only by the operator). */
    oprfKeyRotationDays: z.number().int().min(0).max(3650).default(D.DEFAULT_OPRF_KEY_ROTATION_DAYS)
  }).prefault({}),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default(D.DEFAULT_LOG_LEVEL)
}).superRefine((config, ctx) => {
  if (!isLoopback(config.api.host) && !config.api.allowNonLoopback) {
    ctx.addIssue({
      code: 'custom',
      path: ['api', 'host'],
      input: config.api.host,
      message: 'a loopback address (127.0.0.1, ::1, localhost), or set api.allowNonLoopback to true to bind another one (the token is still required)'
    })
  }
  const taxiiHost = taxiiAddress(config.taxii.listen)?.host
  if (taxiiHost != null && !isLoopback(taxiiHost) && config.taxii.tls == null) {
    ctx.addIssue({
      code: 'custom',
      path: ['taxii', 'listen'],
      input: config.taxii.listen,
      message: 'a loopback address, or set taxii.tls (cert and key files) to serve TAXII over TLS on another one'
    })
  }
})

/** `taxii.listen` as host and port; undefined for `off`. */
export function taxiiAddress (listen: string): { host: string, port: number } | undefined {
  if (listen === 'off') return undefined
  const colon = listen.lastIndexOf(':')
  return { host: listen.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(listen.slice(colon + 1)) }
}

export type Config = Readonly<z.infer<typeof configSchema>>

/**
 * Environment variables the node reads. Those with a `path` override that config key; the
 * others choose the data directory or the name of a new node.
 */
export const ENV_VARIABLES: Readonly<Record<string, { path?: readonly string[], doc: string }>> = {
  LIAISON_DATA_DIR: { doc: 'data directory when --data-dir is not given (default ./data)' },
  LIAISON_NAME: { doc: 'agency name of a node initialised by `init` or `up` without --name (default: the host name)' },
  LIAISON_LISTEN: { path: ['listen'], doc: 'listen multiaddrs, comma-separated' },
  LIAISON_API_PORT: { path: ['api', 'port'], doc: 'port of the local API' },
  LIAISON_LOG_LEVEL: { path: ['logLevel'], doc: 'log level (--log-level wins over it)' }
}

/** One config value taken from the environment. */
export interface EnvOverride {
  variable: string
  path: readonly string[]
  value: unknown
}

/** The overrides the environment asks for (empty variables are ignored). */
export function envOverrides (env: NodeJS.ProcessEnv): EnvOverride[] {
  const out: EnvOverride[] = []
  for (const [variable, { path }] of Object.entries(ENV_VARIABLES)) {
    const raw = env[variable]
    if (path == null || raw == null || raw.trim() === '') continue
    let value: unknown = raw.trim()
    if (variable === 'LIAISON_LISTEN') value = raw.split(',').map(s => s.trim()).filter(s => s !== '')
    // A number only when it is one; otherwise the string, so the error shows what was given.
    if (variable === 'LIAISON_API_PORT' && /^\d+$/.test(raw.trim())) value = Number(raw.trim())
    out.push({ variable, path, value })
  }
  return out
}

/** The parsed config file with the environment's overrides applied (not yet validated). */
export function applyEnv (value: unknown, env: NodeJS.ProcessEnv): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
  const out: Record<string, unknown> = structuredClone(value as Record<string, unknown>)
  for (const o of envOverrides(env)) {
    let target = out
    for (const key of o.path.slice(0, -1)) {
      const next = target[key]
      target = target[key] = next !== null && typeof next === 'object' && !Array.isArray(next) ? next as Record<string, unknown> : {}
    }
    target[o.path[o.path.length - 1]] = o.value
  }
  return out
}

/**
 * Validate a parsed config object and freeze the result. Errors name the path, the value and
 * what was expected (and the environment variable a value came from, when given).
 */
export function validateConfig (value: unknown, source = 'config', overrides: readonly EnvOverride[] = []): Config {
  const result = configSchema.safeParse(value, { reportInput: true })
  if (!result.success) {
    const problems = describeProblems(configSchema, result.error.issues, value, overrides)
    throw new NodeError('CONFIG_INVALID', `${source} is invalid:\n  ${problems.join('\n  ')}`, { details: problems })
  }
  return deepFreeze(result.data)
}

/** Parse config text (strict JSON: duplicate keys are an error) and validate it with `env` applied. */
export function parseConfig (text: string, source: string, env: NodeJS.ProcessEnv = {}): Config {
  let value: unknown
  try {
    value = parseStrictJson(text)
  } catch (err) {
    throw new NodeError('CONFIG_INVALID', `${source} is not valid JSON: ${(err as Error).message}`, { cause: err })
  }
  return validateConfig(applyEnv(value, env), source, envOverrides(env))
}

/** Read, parse and validate a config file, then apply LIAISON_* environment overrides. */
export async function loadConfig (file: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new NodeError('CONFIG_INVALID', `cannot read ${file}: ${(err as Error).message}`, { cause: err })
  }
  return parseConfig(text, file, env)
}

// ---- error reporting ---------------------------------------------------------------------

interface Issue {
  code: string
  path: PropertyKey[]
  message: string
  input?: unknown
  expected?: string
  keys?: string[]
  values?: unknown[]
  origin?: string
  minimum?: number | bigint
  maximum?: number | bigint
  inclusive?: boolean
  format?: string
}

/**
 * One line per zod issue: `path: got VALUE; expected WHAT`. Reusable for any strict schema
 * (the node policy, peer fields).
 */
export function describeProblems (schema: z.ZodType, issues: readonly z.core.$ZodIssue[], input: unknown, overrides: readonly EnvOverride[] = []): string[] {
  const lines: string[] = []
  for (const raw of issues) {
    const issue = raw as unknown as Issue
    const path = issue.path.map(String)
    if (issue.code === 'unrecognized_keys') {
      const known = Object.keys(shapeAt(schema, path) ?? {})
      for (const key of issue.keys ?? []) {
        lines.push(`${[...path, key].join('.')}: unknown key${known.length > 0 ? `; expected one of ${known.join(', ')}` : ''}`)
      }
      continue
    }
    const value = 'input' in issue ? issue.input : valueAt(input, path)
    const from = overrides.find(o => o.path.join('.') === path.join('.'))
    lines.push(
      `${path.length > 0 ? path.join('.') : '(root)'}: got ${show(value)}${from != null ? ` (from ${from.variable})` : ''}; expected ${expectation(issue)}`
    )
  }
  return lines
}

function expectation (issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'int' ? 'an integer' : article(issue.expected ?? 'value')
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small'
      const bound = Number(small ? issue.minimum : issue.maximum)
      const op = small ? (issue.inclusive === false ? 'more than' : 'at least') : (issue.inclusive === false ? 'less than' : 'at most')
      if (issue.origin === 'array') return `${op} ${bound} item${bound === 1 ? '' : 's'}`
      if (issue.origin === 'string') return `${op} ${bound} character${bound === 1 ? '' : 's'}`
      return `a number ${op} ${bound}`
    }
    case 'invalid_value':
      return `one of ${(issue.values ?? []).map(v => JSON.stringify(v)).join(', ')}`
    case 'invalid_format':
      // Our schemas give each format a human description; zod's default names the pattern.
      return issue.message.startsWith('Invalid') ? `a string in ${issue.format ?? 'the documented'} format` : issue.message
    default:
      return issue.message
  }
}

function article (noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`
}

/** A short, single-line rendering of a (possibly hostile or huge) value. */
function show (value: unknown): string {
  if (value === undefined) return 'nothing (the key is missing)'
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (value !== null && typeof value === 'object') return 'an object'
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value)
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 80 ? `${text.slice(0, 77)}…` : text
}

function valueAt (input: unknown, path: readonly string[]): unknown {
  let v = input
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<string, unknown>)[key]
  }
  return v
}

interface SchemaDef {
  type: string
  shape?: Record<string, z.ZodType>
  innerType?: z.ZodType
  element?: z.ZodType
}

/** The object shape a strict schema expects at `path` (through defaults, optionals, arrays). */
function shapeAt (schema: z.ZodType, path: readonly string[]): Record<string, z.ZodType> | undefined {
  let s: z.ZodType | undefined = schema
  let i = 0
  while (s != null) {
    const def: SchemaDef = (s as unknown as { _zod: { def: SchemaDef } })._zod.def
    if (def.innerType != null) {
      s = def.innerType
      continue
    }
    if (i === path.length) return def.type === 'object' ? def.shape : undefined
    if (def.type === 'object') s = def.shape?.[path[i++]]
    else if (def.type === 'array') {
      s = def.element
      i++
    } else return undefined
  }
  return undefined
}

function deepFreeze<T> (value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}
