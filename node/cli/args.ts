/**
 * Argument parsing shared by every command (node:util parseArgs, strict: unknown flags fail).
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { readFile } from 'node:fs/promises'
import { NodeError } from '../errors.ts'
import { resolveDataDir } from '../data-dir.ts'

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

/** Read FILE, or stdin when FILE is absent or '-'. */
export async function readInput (file: string | undefined): Promise<Buffer> {
  if (file != null && file !== '-') return await readFile(file)
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

export function print (value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n')
}
