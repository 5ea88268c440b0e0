/**
 * `--help` text, generated from the command definitions (spec.ts): `liaison --help` lists the
 * commands by group; `liaison COMMAND --help` lists every flag with its placeholder, default
 * and help line, the subcommands, and an example. docs/cli.md is the same text as Markdown.
 *
 * @module
 */
import { COMMON_FLAGS, GROUPS, outputOf, type CommandSpec, type Flag, type Flags, type Group } from './spec.ts'
import { EXIT_MEANINGS, UNAVAILABLE_CODES, USAGE_CODES } from './exit-codes.ts'

const BANNER = 'liaison — a sovereign node for signed, policy-checked intelligence exchange'

function flagLabel (name: string, f: Flag): string {
  const short = f.short != null ? `-${f.short}, ` : ''
  const value = f.type === 'string' ? ` ${f.placeholder ?? 'VALUE'}` : ''
  return `${short}--${name}${value}${f.multiple === true ? '…' : ''}`
}

function flagNote (f: Flag): string {
  const notes: string[] = []
  if (f.required === true) notes.push('required')
  if (f.choices != null) notes.push(f.choices.join('|'))
  if (f.default != null && f.default !== false) notes.push(`default ${String(f.default)}`)
  if (f.multiple === true) notes.push(f.commas === false ? 'repeatable' : 'repeatable, or comma-separated')
  return notes.length > 0 ? ` (${notes.join('; ')})` : ''
}

function flagLines (flags: Flags, indent: string): string[] {
  const entries = Object.entries(flags)
  const width = Math.min(34, Math.max(0, ...entries.map(([n, f]) => flagLabel(n, f).length)))
  // A label wider than the column gets a line of its own, so the help texts stay in one column.
  return entries.flatMap(([n, f]) => {
    const label = flagLabel(n, f)
    const help = `${f.help}${flagNote(f)}`
    return label.length > width ? [`${indent}${label}`, `${indent}${' '.repeat(width)}  ${help}`] : [`${indent}${label.padEnd(width)}  ${help}`]
  })
}

function pad (rows: Array<[string, string]>, indent: string): string[] {
  const width = Math.max(0, ...rows.map(([a]) => a.length))
  return rows.map(([a, b]) => `${indent}${a.padEnd(width)}  ${b}`)
}

/** `liaison --help`. */
export function renderOverview (specs: CommandSpec[]): string {
  const out = [BANNER, '', 'Usage: liaison COMMAND [SUBCOMMAND] [flags]', '']
  for (const group of Object.keys(GROUPS) as Group[]) {
    const members = specs.filter(s => s.group === group)
    if (members.length === 0) continue
    out.push(`${GROUPS[group]}:`)
    out.push(...pad(members.map(s => [s.name, s.summary]), '  '), '')
  }
  out.push('Every command takes --data-dir DIR (default $LIAISON_DATA_DIR, else ./data); commands that print data take --json.')
  out.push('Run `liaison COMMAND --help` for its flags and an example.', '')
  return out.join('\n')
}

const subUsage = (spec: CommandSpec, n: string, args?: string): string =>
  `liaison ${spec.name}${n !== '' ? ' ' + n : ''}${args != null ? ' ' + args : ''}${n === '' ? ' [flags]' : ''}`

/** The common flags a command takes: --json only where it prints data. */
function commonFlags (spec: CommandSpec): Flags {
  const flags = { ...COMMON_FLAGS }
  if (outputOf(spec) === 'none') delete flags.json
  return flags
}

/** `liaison COMMAND --help`. */
export function renderCommand (spec: CommandSpec): string {
  const out = [`liaison ${spec.name} — ${spec.summary}`, '']
  const subs = Object.entries(spec.subcommands ?? {})
  if (subs.length > 0) {
    out.push('Usage:')
    out.push(...pad(subs.map(([n, s]) => [subUsage(spec, n, s.args), s.summary]), '  '), '')
    for (const [n, s] of subs) {
      if (s.flags == null || Object.keys(s.flags).length === 0) continue
      out.push(`Flags of liaison ${spec.name}${n !== '' ? ' ' + n : ''}:`, ...flagLines(s.flags, '  '), '')
    }
  } else {
    out.push(`Usage: liaison ${spec.name}${spec.args != null ? ' ' + spec.args : ''} [flags]`, '')
  }
  if (spec.flags != null && Object.keys(spec.flags).length > 0) {
    out.push(subs.length > 0 ? `Flags of every ${spec.name} subcommand:` : 'Flags:', ...flagLines(spec.flags, '  '), '')
  }
  out.push('Common flags:', ...flagLines(commonFlags(spec), '  '), '')
  const examples = [...(spec.examples ?? []), ...subs.flatMap(([, s]) => s.examples ?? [])]
  if (examples.length > 0) out.push('Examples:', ...examples.map(e => `  ${e}`), '')
  return out.join('\n')
}

/** `liaison COMMAND SUBCOMMAND --help`: that subcommand only, with every flag it takes. */
export function renderSubcommand (spec: CommandSpec, sub: string): string {
  const s = spec.subcommands?.[sub]
  if (s == null) return renderCommand(spec)
  const title = `liaison ${spec.name}${sub !== '' ? ' ' + sub : ''}`
  const out = [`${title} — ${s.summary}`, '', `Usage: ${subUsage(spec, sub, s.args)}${sub !== '' ? ' [flags]' : ''}`, '']
  if (s.flags != null && Object.keys(s.flags).length > 0) out.push('Flags:', ...flagLines(s.flags, '  '), '')
  if (spec.flags != null && Object.keys(spec.flags).length > 0) out.push(`Flags of every ${spec.name} subcommand:`, ...flagLines(spec.flags, '  '), '')
  const common = { ...COMMON_FLAGS }
  if (outputOf(spec, sub) === 'none') delete common.json
  out.push('Common flags:', ...flagLines(common, '  '), '')
  if (s.examples != null && s.examples.length > 0) out.push('Examples:', ...s.examples.map(e => `  ${e}`), '')
  out.push(`All of liaison ${spec.name}: liaison ${spec.name} --help`, '')
  return out.join('\n')
}

/** docs/cli.md: the overview, the exit codes and every command's help, as Markdown. */
export function renderReference (specs: CommandSpec[]): string {
  const out = [
    '# CLI reference',
    '',
    '<!-- Generated from node/cli/ command definitions by `npm run docs:cli` (scripts/cli-reference.ts); test/unit/cli-commands.test.ts keeps it in step. Do ' +
    'not edit by hand. -->',
    '',
    '```text',
    renderOverview(specs).trimEnd(),
    '```',
    '',
    '## Exit codes',
    '',
    'The same for every command.',
    '',
    '| code | meaning |',
    '|---|---|',
    ...Object.entries(EXIT_MEANINGS).map(([c, m]) => `| ${c} | ${m} |`),
    '',
    `A failing command prints \`error CODE: message\` on stderr; the code (node/errors.ts, docs/operations.md) decides the exit: ${
      [...USAGE_CODES].map(c => `\`${c}\``).join(', ')
    } exit 2; ${
      [...UNAVAILABLE_CODES].map(c => `\`${c}\``).join(', ')
    } exit 3; \`INTERNAL\` exits 4; every other code (a refusal such as \`NOT_FOUND\`, \`TLP_NOT_PERMITTED\`, \`FORWARD_NOT_PERMITTED\`, or a failed check ` +
    `such as \`REPORT_MISMATCH\`) exits 1. A command that reports per recipient (\`send\`, \`forward\`) exits 1 when any recipient refused or did not get ` +
    `the message, and 3 when \`--wait\` ran out of time with a recipient still pending (\`TIMEOUT\`; the message stays queued), and \`audit verify\`, ` +
    `\`audit witnesses\` and \`policy check\` exit 1 when the check fails, with the result on stdout.`,
    ''
  ]
  for (const group of Object.keys(GROUPS) as Group[]) {
    const members = specs.filter(s => s.group === group)
    if (members.length === 0) continue
    out.push(`## ${GROUPS[group]}`, '')
    for (const s of members) out.push(`### liaison ${s.name}`, '', '```text', renderCommand(s).trimEnd(), '```', '')
  }
  return out.join('\n')
}
