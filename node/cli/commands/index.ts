/**
 * Every `liaison` command's definition (spec.ts), by group. main.ts dispatches from this list;
 * help, completion and docs/cli.md are generated from it.
 *
 * @module
 */
import type { CommandSpec } from '../spec.ts'
import { NODE_COMMANDS } from './node.ts'
import { TRUST_COMMANDS } from './trust.ts'
import { MESSAGE_COMMANDS } from './messages.ts'
import { KEY_COMMANDS } from './keys.ts'
import { AUDIT_COMMANDS } from './audit.ts'
import { INTEGRATION_COMMANDS } from './integration.ts'

export const BUILTIN_COMMANDS: CommandSpec[] = [
  ...NODE_COMMANDS,
  ...TRUST_COMMANDS,
  ...MESSAGE_COMMANDS,
  ...KEY_COMMANDS,
  ...AUDIT_COMMANDS,
  ...INTEGRATION_COMMANDS
]

export { lazy } from './flags.ts'
