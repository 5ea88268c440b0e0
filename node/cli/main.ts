/**
 * The `liaison` command line: one table of command definitions (commands/, spec.ts), one
 * parser (dispatch.ts), generated help, and uniform errors — `error CODE: message` on stderr
 * and the exit code of the one table in exit-codes.ts (0 ok, 1 refused or failed, 2 usage,
 * 3 unavailable, 4 internal), the same for every command.
 *
 * @module
 */
import { errorCode, NodeError } from '../errors.ts'
import { ProtocolError } from '../../protocol/errors.ts'
import type { CommandSpec, Invocation } from './spec.ts'
import { BUILTIN_COMMANDS } from './commands/index.ts'
import { TASKFORCE } from './commands/taskforce.ts'
import { parseInvocation, resolveSubcommand } from './dispatch.ts'
import { renderCommand, renderOverview, renderSubcommand } from './help.ts'
import { didYouMean } from './suggest.ts'
import { EXIT, exitCodeFor } from './exit-codes.ts'
import { operatorError } from './api-errors.ts'

/** `liaison completion bash|zsh`: generated from the same definitions. */
const COMPLETION: CommandSpec = {
  name: 'completion',
  group: 'node',
  summary: 'shell completion for bash or zsh, generated from the command definitions',
  args: 'SHELL',
  output: 'none',
  examples: ['liaison completion bash > /etc/bash_completion.d/liaison', 'source <(liaison completion zsh)   # in ~/.zshrc'],
  run: async (_argv, inv) => {
    const shell = inv.positionals[0]
    const { bashCompletion, zshCompletion } = await import('./completion.ts')
    if (shell === 'bash') process.stdout.write(bashCompletion(COMMANDS))
    else if (shell === 'zsh') process.stdout.write(zshCompletion(COMMANDS))
    else throw new NodeError('BAD_ARGUMENT', `liaison completion ${shell ?? ''}: expected bash or zsh`)
    return EXIT.OK
  }
}

/** Every command, in the order `liaison --help` lists them within their group. Add new ones here. */
export const COMMANDS: CommandSpec[] = [
  ...BUILTIN_COMMANDS,
  TASKFORCE,
  COMPLETION
]

export function usage (): string {
  return renderOverview(COMMANDS)
}

function report (thrown: unknown, values?: Invocation['values']): number {
  const err = operatorError(thrown, values)
  if (err instanceof NodeError || err instanceof ProtocolError) {
    const code = errorCode(err)
    process.stderr.write(`error ${code}: ${err.message}\n`)
    return exitCodeFor(code)
  }
  process.stderr.write(`error INTERNAL: ${(err as Error).stack ?? String(err)}\n`)
  return EXIT.INTERNAL
}

/** The help of the subcommand `args` start with, if they name one; else the command's. */
function helpFor (spec: CommandSpec, args: string[]): string {
  try {
    const { sub, words } = resolveSubcommand(spec, args.filter(a => a !== '--help' && a !== '-h'))
    return words > 0 ? renderSubcommand(spec, sub) : renderCommand(spec)
  } catch {
    return renderCommand(spec)
  }
}

export async function main (argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name == null || name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    process.stdout.write(usage())
    return EXIT.OK
  }
  const lookup = name === 'help' ? rest[0] : name
  const spec = COMMANDS.find(c => c.name === lookup)
  if (spec == null) {
    process.stderr.write(`error BAD_ARGUMENT: unknown command ${lookup}${didYouMean(lookup, COMMANDS.map(c => c.name))}\n\n${usage()}`)
    return EXIT.USAGE
  }
  if (name === 'help' || rest.includes('--help') || rest.includes('-h')) {
    const args = name === 'help' ? rest.slice(1) : rest
    process.stdout.write(helpFor(spec, args))
    return EXIT.OK
  }
  let inv: Invocation | undefined
  try {
    inv = parseInvocation(spec, rest)
    return await spec.run(rest, inv)
  } catch (err) {
    return report(err, inv?.values)
  }
}
