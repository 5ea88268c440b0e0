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
}

export type Flags = Record<string, Flag>

export interface SubcommandSpec {
  summary: string
  /** Positional arguments as shown in help, e.g. `MESSAGE_ID`. */
  args?: string
  flags?: Flags
  examples?: string[]
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
  subcommands?: Record<string, SubcommandSpec>
  examples?: string[]
  run: (argv: string[]) => Promise<number>
}

/** Flags every command takes. */
export const COMMON_FLAGS: Flags = {
  'data-dir': { type: 'string', placeholder: 'DIR', help: 'the node\'s data directory (default $LIAISON_DATA_DIR, else ./data)' },
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
  return { ...COMMON_FLAGS, ...spec.flags, ...own }
}

/** Every flag name any part of a command accepts (for suggestions and completion). */
export function allFlagNames (spec: CommandSpec): string[] {
  const names = new Set(Object.keys({ ...COMMON_FLAGS, ...spec.flags }))
  for (const s of Object.values(spec.subcommands ?? {})) for (const n of Object.keys(s.flags ?? {})) names.add(n)
  return [...names].sort()
}
