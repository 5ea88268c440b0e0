/**
 * The one command-line parser: resolves `liaison COMMAND [SUBCOMMAND] [flags] [args]` against
 * the command's definition (spec.ts) and hands the command an Invocation. Everything an
 * operator can get wrong on the command line is caught here, before the command runs, as a
 * BAD_ARGUMENT (exit 2) that names what was typed and what was expected: an unknown subcommand
 * or flag (with the nearest one suggested), a flag without its value, a missing required flag,
 * a value outside a flag's choices, too many or too few arguments.
 *
 * Parsing is node:util parseArgs (strict), fed the flag definitions unchanged.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { NodeError } from '../errors.ts'
import { resolveDataDir } from '../config/data-dir-path.ts'
import { flagsOf, type CommandSpec, type Flag, type Flags, type Invocation } from './spec.ts'
import { didYouMean } from './suggest.ts'

const usage = (message: string): NodeError => new NodeError('BAD_ARGUMENT', message)

/** The subcommand key `argv` starts with, and how many words it took; '' for the bare form. */
export function resolveSubcommand (spec: CommandSpec, argv: string[]): { sub: string, words: number } {
  const subs = spec.subcommands
  if (subs == null || Object.keys(subs).length === 0) return { sub: '', words: 0 }
  const two = argv.slice(0, 2).join(' ')
  if (argv.length >= 2 && subs[two] != null) return { sub: two, words: 2 }
  if (argv[0] != null && subs[argv[0]] != null && argv[0] !== '') return { sub: argv[0], words: 1 }
  const first = argv[0]
  const bare = subs[''] != null
  if (bare && (first == null || first.startsWith('-'))) return { sub: '', words: 0 }
  const names = Object.keys(subs).filter(k => k !== '')
  const firstWords = [...new Set(names.map(n => n.split(' ')[0]))]
  if (first == null || first.startsWith('-')) throw usage(`liaison ${spec.name} needs a subcommand: ${firstWords.join(', ')} (liaison ${spec.name} --help)`)
  // `taxii clients` without a verb, or with an unknown one.
  const nested = names.filter(n => n.startsWith(first + ' ')).map(n => n.slice(first.length + 1))
  if (nested.length > 0) {
    const verb = argv[1]
    if (verb == null || verb.startsWith('-')) throw usage(`liaison ${spec.name} ${first} needs one of: ${nested.join(', ')}`)
    throw usage(
      `liaison ${spec.name} ${first}: unknown subcommand ${JSON.stringify(verb)}; expected one of ${nested.join(', ')}${
        didYouMean(verb, nested, `${spec.name} ${first} `)
      }`
    )
  }
  throw usage(
    `liaison ${spec.name}: unknown subcommand ${JSON.stringify(first)}; expected one of ${firstWords.join(', ')}${
      didYouMean(first, firstWords, `${spec.name} `)
    }`
  )
}

/** The parseArgs options of a set of flags (the definitions themselves; parseArgs ignores the extra keys). */
function parserOptions (flags: Flags): NonNullable<ParseArgsConfig['options']> {
  const out: NonNullable<ParseArgsConfig['options']> = {}
  for (const [name, f] of Object.entries(flags)) {
    out[name] = {
      type: f.type,
      ...(f.multiple === true ? { multiple: true } : {}),
      ...(f.short != null ? { short: f.short } : {}),
      ...(f.default != null && f.multiple !== true ? { default: f.default } : {})
    }
  }
  return out
}

/** parseArgs' messages speak of its own terms; say what the operator typed instead. */
function explainParseError (err: Error & { code?: string }, flags: Flags, where: string): NodeError {
  const message = err.message
  const unknown = /Unknown option '(-{1,2})([^']+)'/.exec(message)
  if (unknown != null) {
    const name = unknown[2]
    return usage(`${where} has no flag ${unknown[1]}${name}${didYouMean(name, Object.keys(flags), '--')}; see liaison ${where.replace(/^liaison /, '')} --help`)
  }
  const missing = /Option '(?:-\w, )?--([^ ']+)[^']*' argument missing/.exec(message)
  if (missing != null) {
    const f = flags[missing[1]]
    return usage(`--${missing[1]} needs a value${f?.placeholder != null ? ` (${f.placeholder})` : ''}`)
  }
  const positional = /Unexpected argument '([^']+)'/.exec(message)
  if (positional != null) return usage(`${where} takes no argument ${JSON.stringify(positional[1])}`)
  const noValue = /Option '--([^ ']+)' does not take an argument/.exec(message)
  if (noValue != null) return usage(`--${noValue[1]} is a switch and takes no value (write --${noValue[1]} alone)`)
  return usage(`${where}: ${message}`)
}

/** `MESSAGE_ID [FILE] ID…` → at least / at most how many positionals. */
export function positionalBounds (args: string | undefined): { min: number, max: number } {
  if (args == null || args.trim() === '') return { min: 0, max: 0 }
  let min = 0
  let max = 0
  for (const word of args.split(/\s+/)) {
    const optional = word.startsWith('[')
    const many = word.endsWith('…') || word.endsWith('…]')
    if (!optional) min++
    max = many ? Infinity : max + 1
  }
  return { min, max }
}

function checkChoices (name: string, f: Flag, value: string | boolean | string[] | undefined): void {
  if (f.choices == null || value == null || typeof value === 'boolean') return
  const values = (Array.isArray(value) ? value : [value]).flatMap(v => f.multiple === true && f.commas !== false ? v.split(',') : [v]).map(v => v.trim())
    .filter(v => v !== '')
  for (const v of values) {
    if (!f.choices.includes(v)) throw usage(`--${name} ${v}: expected one of ${f.choices.join(', ')}${didYouMean(v, f.choices, '')}`)
  }
}

/** Parse `argv` (what follows the command name) against `spec`. */
export function parseInvocation (spec: CommandSpec, argv: string[]): Invocation {
  const { sub, words } = resolveSubcommand(spec, argv)
  const where = `liaison ${spec.name}${sub !== '' ? ' ' + sub : ''}`
  const flags = flagsOf(spec, spec.subcommands != null ? sub : undefined)
  let parsed: { values: Record<string, string | boolean | Array<string | boolean> | undefined>, positionals: string[] }
  try {
    parsed = parseArgs({ args: argv.slice(words), options: parserOptions(flags), allowPositionals: true, strict: true })
  } catch (err) {
    throw explainParseError(err as Error, flags, where)
  }
  const values = parsed.values as Invocation['values']
  for (const [name, f] of Object.entries(flags)) {
    const v = values[name]
    if (f.required === true && (v == null || v === '' || (Array.isArray(v) && v.length === 0))) {
      throw usage(`${where} needs --${name}${f.placeholder != null ? ' ' + f.placeholder : ''}: ${f.help}`)
    }
    checkChoices(name, f, v)
  }
  const args = sub !== '' || spec.subcommands?.[''] != null ? spec.subcommands?.[sub]?.args : spec.args
  const { min, max } = positionalBounds(args)
  const n = parsed.positionals.length
  if (n < min) throw usage(`${where} needs ${args ?? ''}`.trimEnd() + ` (liaison ${spec.name} --help)`)
  if (n > max) {
    throw usage(
      max === 0
        ? `${where} takes no argument ${JSON.stringify(parsed.positionals[0])}`
        : `${where} takes ${args ?? ''}, not also ${JSON.stringify(parsed.positionals[max])}`
    )
  }
  return { sub, values, positionals: parsed.positionals, dataDir: resolveDataDir(values['data-dir'] as string | undefined), json: values.json === true }
}
