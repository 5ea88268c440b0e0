/**
 * The `liaison` command line, as scripts and tests use it: one table of command definitions
 * and the one way to run a command line.
 *
 * - main.ts — `main(argv)`: dispatch, help and uniform errors; `COMMANDS`, every definition.
 * - spec.ts — what a command definition is (`CommandSpec`, flags, outputs).
 * - dispatch.ts — argv against a definition (`parseInvocation`).
 * - exit-codes.ts — the one table of exit codes (0 ok, 1 refused or failed, 2 usage, 3 unavailable, 4 internal).
 * - help.ts, completion.ts, reference.ts — help, shell completion and docs/cli.md, generated
 *   from the definitions; output.ts — the JSON Schema of each command's `--json` output.
 *
 * The executable is liaison.ts, which loads main.ts itself (after turning on the compile cache),
 * not this face.
 *
 * @example
 * ```ts
 * import { EXIT, main } from './node/cli/index.ts'
 * const code = await main(['status', '--json'])
 * if (code !== EXIT.OK) process.exitCode = code
 * ```
 *
 * @module
 */
export { COMMANDS, main, usage } from './main.ts'
export {
  allFlagNames,
  COMMON_FLAGS,
  flag,
  flagsOf,
  GROUPS,
  outputOf,
  type CommandSpec,
  type Flag,
  type Flags,
  type Group,
  type Invocation,
  type OutputSchema,
  type SubcommandSpec
} from './spec.ts'
export { parseInvocation, positionalBounds, resolveSubcommand } from './dispatch.ts'
export { EXIT, EXIT_MEANINGS, exitCodeFor, UNAVAILABLE_CODES, USAGE_CODES, type ExitCode } from './exit-codes.ts'
export { renderCommand, renderOverview, renderReference, renderSubcommand } from './help.ts'
export { bashCompletion, zshCompletion } from './completion.ts'
export { generateDocs, outputs } from './reference.ts'
export { cliJsonSchema, loadSchemaTools } from './output.ts'
export { nearest } from './suggest.ts'
export { operatorError } from './api-errors.ts'
