/**
 * Helpers every command uses on its parsed command line (dispatch.ts parses it against the
 * command's definition): flag values, comma lists, input files, and `print` — the one way a
 * command writes JSON (times as RFC 3339 UTC with milliseconds, output.ts).
 *
 * `parse` is the older direct parser, kept for callers outside the dispatcher.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { readFile } from 'node:fs/promises'
import { NodeError } from '../errors.ts'
import { resolveDataDir } from '../config/data-dir-path.ts'
import { cliJson } from './output.ts'
import { parseDuration } from '../../protocol/time.ts'

export type Options = NonNullable<ParseArgsConfig['options']>

export const COMMON: Options = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false }
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>
  positionals: string[]
  dataDir: string
}

export function parse (argv: string[], options: Options): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...COMMON, ...options }, allowPositionals: true, strict: true })
    return { values: values as Parsed['values'], positionals, dataDir: resolveDataDir(values['data-dir'] as string | undefined) }
  } catch (err) {
    throw new NodeError('BAD_ARGUMENT', (err as Error).message, { cause: err })
  }
}

export function str (p: Parsed, name: string, required = false): string | undefined {
  const v = p.values[name]
  if (v == null || v === '') {
    if (required) throw new NodeError('BAD_ARGUMENT', `--${name} is required`)
    return undefined
  }
  return String(v)
}

export function list (p: Parsed, name: string): string[] {
  const v = p.values[name]
  if (v == null) return []
  return (Array.isArray(v) ? v : [String(v)]).flatMap(s => s.split(',')).map(s => s.trim()).filter(s => s !== '')
}

/** A duration flag (`30s`, `5m`, `2h`, `7d`, `500ms`), or undefined when not given. */
export function durationFlag (p: Parsed, name: string): number | undefined {
  const text = str(p, name)
  if (text == null) return undefined
  if (!/^\d+(ms|s|m|h|d)$/.test(text)) throw new NodeError('BAD_ARGUMENT', `--${name} ${text}: expected a duration such as 500ms, 30s, 5m, 2h or 7d`)
  return parseDuration(text)
}

/** Read FILE, or stdin when FILE is absent or '-'. */
export async function readInput (file: string | undefined): Promise<Buffer> {
  if (file != null && file !== '-') return await readFile(file)
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** `--json` output: the value with its times as RFC 3339 UTC (output.ts), pretty-printed. */
export function print (value: unknown): void {
  process.stdout.write(JSON.stringify(cliJson(value), null, 2) + '\n')
}
