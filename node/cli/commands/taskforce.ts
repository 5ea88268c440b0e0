/**
 * Command definition of `liaison taskforce` (group "Messages"): joint task forces, PROTOCOL.md
 * §21. The implementation (node/cli/taskforce-commands.ts) loads only when the command runs.
 *
 * @module
 */
import { TLP_LEVELS } from '../../../protocol/types.ts'
import { flag, type CommandSpec, type Flags } from '../spec.ts'
import { apiOutput, cliOutput } from '../output.ts'

const CHANGE_FLAGS: Flags = {
  topic: flag.list('a topic the members may share (repeatable)', { placeholder: 'SLUG' }),
  'max-tlp': flag.string('the highest TLP a message of the task force may carry', { placeholder: 'TLP', choices: TLP_LEVELS }),
  handling: flag.list('a default handling code every message carries (PROTOCOL.md §10.1)', { placeholder: 'CODE' }),
  from: flag.string('valid from (RFC 3339; default now)', { placeholder: 'TIME' }),
  until: flag.string('valid until: RFC 3339, a date (end of that day, UTC) or a duration from now (90d)', { placeholder: 'TIME' }),
  quorum: flag.string('member signatures a new version needs (default: a majority)', { placeholder: 'N' })
}

export const TASKFORCE: CommandSpec = {
  name: 'taskforce',
  group: 'messages',
  summary: "joint task forces: a charter signed by its members, enforced by every member's node",
  subcommands: {
    propose: {
      summary: 'propose a task force (version 1, signed by this node) to its other members',
      flags: {
        name: flag.string("the task force's name", { placeholder: 'NAME', required: true }),
        purpose: flag.string('what it is for', { placeholder: 'TEXT', required: true }),
        'legal-basis': flag.string('the agreement it works under (every message names it)', { placeholder: 'ID', required: true }),
        member: flag.list('another member agency (on the trust list)', { placeholder: 'PEER', required: true }),
        ...CHANGE_FLAGS
      },
      output: apiOutput('proposeTaskForce'),
      examples: [
        'liaison taskforce propose --name "JIT Rhine" --purpose "cross-border fraud ring" --legal-basis JIT-2026-04 --member 12D3KooWB… --member 12D3KooWC… ' +
        '--topic fraud --max-tlp AMBER --until 180d'
      ]
    },
    list: { summary: 'every task force this node knows, and its state here', output: apiOutput('taskForces'), examples: ['liaison taskforce list'] },
    show: {
      summary: 'one task force: the charter in effect here, each version, its signers',
      args: 'ID',
      flags: { history: flag.boolean('include every charter envelope (for `taskforce verify`)') },
      output: apiOutput('taskForce'),
      examples: ['liaison taskforce show 0192…', 'liaison taskforce show 0192… --history --json > jit.json']
    },
    sign: {
      summary: "sign the version awaiting this node's signature",
      args: 'ID',
      flags: { digest: flag.string('sign this version rather than the latest awaiting one', { placeholder: 'DIGEST' }) },
      output: apiOutput('signTaskForce'),
      examples: ['liaison taskforce sign 0192…']
    },
    decline: {
      summary: "decline the version awaiting this node's signature",
      args: 'ID',
      flags: {
        reason: flag.string('why (shown to the members)', { placeholder: 'TEXT' }),
        digest: flag.string('decline this version', { placeholder: 'DIGEST' })
      },
      output: apiOutput('declineTaskForce'),
      examples: ['liaison taskforce decline 0192… --reason "our legal basis does not cover the new member"']
    },
    amend: {
      summary: "propose the next version; it needs the current members' quorum",
      args: 'ID',
      flags: {
        add: flag.list('add a member (on the trust list)', { placeholder: 'PEER' }),
        remove: flag.list('remove a member', { placeholder: 'PEER' }),
        name: flag.string('a new name', { placeholder: 'NAME' }),
        purpose: flag.string('a new purpose', { placeholder: 'TEXT' }),
        'legal-basis': flag.string('a new legal basis', { placeholder: 'ID' }),
        ...CHANGE_FLAGS
      },
      output: apiOutput('amendTaskForce'),
      examples: ['liaison taskforce amend 0192… --remove 12D3KooWC…', 'liaison taskforce amend 0192… --until 2027-06-30']
    },
    leave: {
      summary: "leave the task force (takes effect with this node's signature alone)",
      args: 'ID',
      output: apiOutput('leaveTaskForce'),
      examples: ['liaison taskforce leave 0192…']
    },
    dissolve: {
      summary: "propose dissolving the task force (needs the current members' quorum)",
      args: 'ID',
      output: apiOutput('dissolveTaskForce'),
      examples: ['liaison taskforce dissolve 0192…']
    },
    verify: {
      summary: 'check an exported history with the signatures alone (offline)',
      args: 'FILE',
      output: cliOutput('TaskForceVerify'),
      examples: ['liaison taskforce show 0192… --history --json > jit.json && liaison taskforce verify jit.json']
    }
  },
  run: async (argv) => await (await import('../taskforce-commands.ts')).taskforceCommand(argv, TASKFORCE)
}
