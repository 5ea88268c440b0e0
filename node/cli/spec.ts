/**
 * One definition per command: its flags (name, type, default, help line, whether required),
 * its subcommands and an example. Parsing (`args.ts`), `--help` (`help.ts`), shell completion
 * (`completion.ts`) and the CLI reference in docs/cli.md are all generated from these, so a
 * flag cannot be parsed without being documented, nor documented without being parsed.
 *
 * A flag is a node:util `parseArgs` option with documentation beside it (parseArgs ignores
 * the extra keys), so the same object is handed to the parser unchanged.
 *
 * ```ts
 * const SEND: CommandSpec = {
 *   name: 'send', group: 'messages', summary: 'sign and send a message',
 *   flags: { to: flag.list('recipients', { placeholder: 'ID', required: true }) },
 *   examples: ['liaison send --to 12D3KooW… --tlp AMBER …'],
 *   run: async (argv) => 0
 * }
 * ```
 *
 * @module
 */

import type { ZodType } from 'zod'

export interface Flag {
  type: 'string' | 'boolean'
  multiple?: boolean
  short?: string
  default?: string | boolean
  /** One line, imperative or descriptive, shown by `--help`. */
  help: string
  /** The value's name in help (`--to ID`); strings only. */
  placeholder?: string
  required?: boolean
  /** Values a shell may complete (TLP labels, kinds, formats). */
  choices?: readonly string[]
  /** A repeatable flag's values are also split at commas, unless false (values that may hold a comma). */
  commas?: boolean
}

export type Flags = Record<string, Flag>

export interface SubcommandSpec {
  summary: string
  /** Positional arguments as shown in help, e.g. `MESSAGE_ID`, `[FILE]`, `ID…`; the parser enforces the count. */
  args?: string
  flags?: Flags
  examples?: string[]
  /**
   * The shape `--json` prints (documented in docs/cli.md, checked by test/unit/cli-commands.test.ts),
   * or 'none' when the subcommand prints no data (then it takes no --json); absent: the command's.
   */
  output?: OutputSchema | 'none'
}

/** The JSON shape of a command's output: a name for the docs and its zod schema, loaded on demand (output.ts). */
export interface OutputSchema {
  name: string
  load: () => Promise<ZodType>
}

/**
 * What the dispatcher (dispatch.ts) hands a command after parsing its command line against its
 * definition: the subcommand chosen, flag values (defaults applied, `required` and `choices`
 * checked), positionals (count checked against `args`) and the resolved data directory.
 */
export interface Invocation {
  /** The subcommand key (`add`, `clients add`), or '' for a command's bare form. */
  sub: string
  values: Record<string, string | boolean | string[] | undefined>
  positionals: string[]
  dataDir: string
  json: boolean
}

export type Group = 'node' | 'trust' | 'messages' | 'keys' | 'audit' | 'integration'

export const GROUPS: Record<Group, string> = {
  node: 'Node',
  trust: 'Trust list and policy',
  messages: 'Messages',
  keys: 'Keys',
  audit: 'Audit and reports',
  integration: 'Integration'
}

export interface CommandSpec {
  name: string
  group: Group
  summary: string
  args?: string
  flags?: Flags
  /**
   * Subcommand keys are one word (`add`) or two (`clients add`); the key '' is the command's
   * bare form when it also has subcommands (`liaison query --to …` beside `liaison query pending`).
   */
  subcommands?: Record<string, SubcommandSpec>
  examples?: string[]
  /** As for a subcommand: the shape of `--json`, or 'none'. */
  output?: OutputSchema | 'none'
  /** Runs the command; `inv` is the command line already parsed against this definition. */
  run: (argv: string[], inv: Invocation) => Promise<number>
}

/** Flags every command takes. */
export const COMMON_FLAGS: Flags = {
  'data-dir': { type: 'string', placeholder: 'DIR', help: "the node's data directory (default $LIAISON_DATA_DIR, else ./data)" },
  json: { type: 'boolean', default: false, help: 'print JSON (documented, stable shape) instead of text' },
  help: { type: 'boolean', short: 'h', default: false, help: 'show this help' }
}

type Extra = Omit<Flag, 'type' | 'help' | 'multiple'>

/** Small constructors so definitions read as a table. */
export const flag = {
  string: (help: string, extra: Extra = {}): Flag => ({ type: 'string', help, ...extra }),
  list: (help: string, extra: Extra = {}): Flag => ({ type: 'string', multiple: true, help, ...extra }),
  boolean: (help: string, extra: Omit<Extra, 'placeholder' | 'choices'> = {}): Flag => ({ type: 'boolean', default: false, help, ...extra })
}

/** Every flag a command (or one subcommand of it) accepts, common ones included. */
export function flagsOf (spec: CommandSpec, sub?: string): Flags {
  const own = sub != null ? spec.subcommands?.[sub]?.flags : undefined
  const flags = { ...COMMON_FLAGS, ...spec.flags, ...own }
  // --json only where there is data to print as JSON.
  if (outputOf(spec, sub) === 'none') delete flags.json
  return flags
}

/** The JSON shape of a command or subcommand ('none': it prints no data; undefined: not declared). */
export function outputOf (spec: CommandSpec, sub?: string): OutputSchema | 'none' | undefined {
  if (sub == null) {
    const subs = Object.values(spec.subcommands ?? {})
    if (subs.length > 0 && subs.every(s => (s.output ?? spec.output) === 'none')) return 'none'
    return spec.output
  }
  return spec.subcommands?.[sub]?.output ?? spec.output
}

/** Every flag name any part of a command accepts (for suggestions and completion). */
export function allFlagNames (spec: CommandSpec): string[] {
  const names = new Set(Object.keys(flagsOf(spec)))
  for (const sub of Object.keys(spec.subcommands ?? {})) for (const n of Object.keys(flagsOf(spec, sub))) names.add(n)
  return [...names].sort()
}
