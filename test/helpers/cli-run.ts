/**
 * Test harness for the `liaison` command line run in-process: `runCli` calls main() with
 * stdout and stderr captured, and `outputChecker` checks `--json` output against the JSON
 * Schema each command line documents (docs/cli-output.schema.json, from node/cli/output.ts),
 * and that every time in it is RFC 3339 UTC with milliseconds. Shared by the unit walk
 * (test/unit/cli-commands.test.ts, stopped nodes) and the e2e walk (running nodes).
 */
import { expect, vi } from 'vitest'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { COMMANDS, main, outputs, cliJsonSchema, loadSchemaTools } from '../../node/cli/index.ts'

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/** main() in this process, stdout and stderr captured. */
export async function runCli (...argv: string[]): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  const text = (chunk: string | Uint8Array): string => typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += text(chunk)
    return true
  })
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += text(chunk)
    return true
  })
  try {
    const code = await main(argv)
    return { code, stdout, stderr }
  } finally {
    out.mockRestore()
    err.mockRestore()
  }
}

/** RFC 3339 UTC with milliseconds: the one time format of every output (issue 14). */
export const RFC3339_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** Message content the operator wrote, not times of Liaison's: not checked. */
const CONTENT_KEYS = new Set(['body', 'payload'])

/**
 * Paths in `value` (any depth) whose string looks like a time but is not RFC3339_MS, or whose key
 * names a time (`…At`) but holds a number (an epoch time that escaped the output layer).
 */
export function badTimes (value: unknown, path = ''): string[] {
  if (typeof value === 'string') return /^\d{4}-\d{2}-\d{2}T/.test(value) && !RFC3339_MS.test(value) ? [`${path}: ${value}`] : []
  if (typeof value === 'number') return /At$/.test(path) ? [`${path}: ${value} (a number, not RFC 3339)`] : []
  if (Array.isArray(value)) return value.flatMap((v, i) => badTimes(v, `${path}/${i}`))
  if (value != null && typeof value === 'object') {
    return Object.entries(value).filter(([k]) => !CONTENT_KEYS.has(k)).flatMap(([k, v]) => badTimes(v, `${path}/${k}`))
  }
  return []
}

export interface OutputChecker {
  /** Run `argv --json`, expect success, and check the output against the schema of `line`. */
  json: <T = Record<string, unknown>>(line: string, ...argv: string[]) => Promise<T>
  /** Check already-captured JSON output against the schema of `line`. */
  check: <T = Record<string, unknown>>(line: string, stdout: string) => T
  /** The command lines checked so far. */
  checked: Set<string>
}

/** Compiles every documented output schema once. */
export async function outputChecker (): Promise<OutputChecker> {
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats.default(ajv)
  await loadSchemaTools()
  const validators = new Map<string, (v: unknown) => boolean>()
  for (const o of outputs(COMMANDS)) validators.set(o.line, ajv.compile(cliJsonSchema(await o.output.load())))
  const checked = new Set<string>()
  function check<T> (line: string, stdout: string): T {
    const value = JSON.parse(stdout) as T
    const validate = validators.get(line)
    expect(validate, `a documented output for ${line}`).toBeDefined()
    const ok = validate!(value)
    expect(ok, `${line}: ${JSON.stringify((validate as unknown as { errors: unknown }).errors)}\n${stdout.slice(0, 2000)}`).toBe(true)
    expect(badTimes(value), `${line}: times RFC 3339 UTC with milliseconds`).toEqual([])
    checked.add(line)
    return value
  }
  async function json<T> (line: string, ...argv: string[]): Promise<T> {
    const res = await runCli(...argv, '--json')
    expect(res.stderr.startsWith('error'), `${argv.join(' ')}: ${res.stderr}`).toBe(false)
    expect(res.code, `${argv.join(' ')}: ${res.stderr}`).toBe(0)
    return check<T>(line, res.stdout)
  }
  return { json, check, checked }
}
