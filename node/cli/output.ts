/**
 * The CLI's output layer: what `--json` prints and how its shape is documented.
 *
 * The JSON a command prints is the local API's response for the same operation (node/api
 * route table) or a CLI-only shape (output-schemas.ts), with one rule applied on the way out:
 * every time is RFC 3339 UTC with milliseconds (`2026-03-01T12:00:00.000Z`). The stored and
 * signed formats keep their own representation (epoch milliseconds for `storedAt`, `purgedAt`,
 * …; C2SP checkpoints' `time` in epoch seconds) — only the output changes, here, by the key
 * names in TIME_KEYS, and the documented JSON Schema (`cliJsonSchema`) says the same.
 *
 * @module
 */
import type { ZodType } from 'zod'
import type { OutputSchema } from './spec.ts'
import type * as OutputSchemas from './output-schemas.ts'

/** Keys whose numeric value is a time in epoch milliseconds in the stores and the API. */
export const EPOCH_MS_KEYS: ReadonlySet<string> = new Set([
  'storedAt',
  'purgedAt',
  'queuedAt',
  'updatedAt',
  'cosignedAt',
  'at',
  'nextAttemptAt',
  'receivedAt',
  'createdAt',
  'sentAt'
])
/** Keys whose numeric value is a time in epoch seconds (C2SP checkpoints). */
export const EPOCH_SECONDS_KEYS: ReadonlySet<string> = new Set(['time'])

/** RFC 3339 UTC with milliseconds, the one time format of the CLI's output. */
export const RFC3339_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

export const isoTime = (ms: number): string => new Date(ms).toISOString()

/**
 * `value` as the CLI prints it: the epoch-number times as RFC 3339 UTC with milliseconds. Strings
 * are left alone: the node writes its own times with toISOString, and a message's fields and body
 * are shown as signed.
 */
export function cliJson (value: unknown, key?: string): unknown {
  if (typeof value === 'number' && key != null) {
    if (EPOCH_MS_KEYS.has(key) && Number.isFinite(value)) return isoTime(value)
    if (EPOCH_SECONDS_KEYS.has(key) && Number.isFinite(value)) return isoTime(value * 1000)
    return value
  }
  if (Array.isArray(value)) return value.map(v => cliJson(v))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cliJson(v, k)]))
  }
  return value
}

type JsonSchema = Record<string, unknown>

/** The JSON Schema of a CLI output: the zod schema's, with the time keys' integers as RFC 3339 strings. */
export function cliJsonSchema (schema: ZodType): JsonSchema {
  // Imported here so that a plain CLI call does not load the schema generator.
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite)
    if (node === null || typeof node !== 'object') return node
    const out: JsonSchema = {}
    for (const [k, v] of Object.entries(node as JsonSchema)) {
      if (k === 'properties' && v !== null && typeof v === 'object') {
        out[k] = Object.fromEntries(Object.entries(v as JsonSchema).map(([name, prop]) => [name, timeProperty(name, prop) ?? rewrite(prop)]))
      } else {
        out[k] = rewrite(v)
      }
    }
    return out
  }
  return rewrite(toJsonSchema(schema)) as JsonSchema
}

let toJsonSchemaImpl: ((s: ZodType) => JsonSchema) | undefined
function toJsonSchema (schema: ZodType): JsonSchema {
  if (toJsonSchemaImpl == null) throw new Error('call loadSchemaTools() first')
  return toJsonSchemaImpl(schema)
}

/** Loads zod's JSON Schema generator (kept out of the CLI's start-up path). */
export async function loadSchemaTools (): Promise<void> {
  const { z } = await import('zod')
  toJsonSchemaImpl = (s) => z.toJSONSchema(s, { io: 'output', unrepresentable: 'any' }) as JsonSchema
}

function timeProperty (name: string, prop: unknown): JsonSchema | undefined {
  if (!EPOCH_MS_KEYS.has(name) && !EPOCH_SECONDS_KEYS.has(name)) return undefined
  const p = prop as JsonSchema
  if (p.type !== 'integer' && p.type !== 'number') return undefined
  return { type: 'string', format: 'date-time', pattern: RFC3339_MS.source, description: 'RFC 3339 UTC with milliseconds' }
}

/** The output of a command that prints what the API operation `operationId` answers. */
export function apiOutput (operationId: string, array = false): OutputSchema {
  return {
    name: array ? `array of API ${operationId}` : `API ${operationId}`,
    load: async () => {
      const { ROUTES } = await import('../api/routes/index.ts')
      const route = ROUTES.find(r => r.operationId === operationId)
      if (route == null) throw new Error(`no API operation ${operationId}`)
      if (!array) return route.response
      const { z } = await import('zod')
      return z.array(route.response)
    }
  }
}

/** The output of a command with a CLI-only shape (output-schemas.ts). */
export function cliOutput (name: keyof typeof OutputSchemas['CLI_OUTPUTS']): OutputSchema {
  return { name, load: async () => (await import('./output-schemas.ts')).CLI_OUTPUTS[name] }
}
