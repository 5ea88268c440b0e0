/**
 * Command definitions of the group "Node": init, id, start, up, config, purge.
 *
 * @module
 */
import { flag, type CommandSpec } from '../spec.ts'
import { cliOutput } from '../output.ts'
import { lazy } from './flags.ts'
import type * as IdentityCommands from '../identity-commands.ts'
import type * as NodeCommands from '../node-commands.ts'

const identity = async (): Promise<typeof IdentityCommands> => await import('../identity-commands.ts')
const nodeCmds = async (): Promise<typeof NodeCommands> => await import('../node-commands.ts')

const LOG_FLAGS = {
  'log-level': flag.string('log level (default: logLevel in config.json, else info)', {
    placeholder: 'LEVEL',
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
  }),
  'log-format': flag.string('log lines as JSON, or human-readable (default: pretty on a terminal, else json)', {
    placeholder: 'FORMAT',
    choices: ['json', 'pretty']
  }),
  pretty: flag.boolean('same as --log-format pretty')
}

export const NODE_COMMANDS: CommandSpec[] = [
  {
    name: 'init',
    group: 'node',
    summary: "create this node's identity key, config and API token in the data directory",
    flags: {
      name: flag.string("the agency's name, shown on its trust card (default $LIAISON_NAME, else the host name)", { placeholder: 'NAME' }),
      listen: flag.list('multiaddr to listen on for peers (default /ip4/0.0.0.0/tcp/4001)', { placeholder: 'MULTIADDR' }),
      jurisdiction: flag.string("ISO 3166-1 alpha-2 code of the agency's jurisdiction, shown on its trust card", { placeholder: 'CC' })
    },
    output: cliOutput('Init'),
    examples: ['liaison init --data-dir /var/lib/liaison --name "Politie Rotterdam" --jurisdiction NL --listen /ip4/0.0.0.0/tcp/4001'],
    run: lazy(identity, 'initCommand')
  },
  {
    name: 'id',
    group: 'node',
    summary: "print this node's peer ID and public key (SPKI PEM)",
    output: cliOutput('Id'),
    examples: ['liaison id --json'],
    run: lazy(identity, 'idCommand')
  },
  {
    name: 'start',
    group: 'node',
    summary: 'run the node in the foreground (as a service manager runs it); Ctrl-C stops it',
    flags: LOG_FLAGS,
    output: 'none',
    examples: ['liaison start --data-dir /var/lib/liaison --log-format json'],
    run: lazy(nodeCmds, 'startCommand')
  },
  {
    name: 'up',
    group: 'node',
    summary: 'initialise the data directory on first use, then start (what npm start runs)',
    flags: { name: flag.string("the agency's name when initialising (default $LIAISON_NAME, else the host name)", { placeholder: 'NAME' }), ...LOG_FLAGS },
    output: 'none',
    examples: ['liaison up --name "Politie Rotterdam"'],
    run: lazy(nodeCmds, 'upCommand')
  },
  {
    name: 'config',
    group: 'node',
    summary: 'the effective configuration (secrets never shown), or validate a config file without starting',
    subcommands: {
      show: {
        summary: 'config.json with defaults and LIAISON_* overrides applied, and where each secret lives',
        output: cliOutput('ConfigReport'),
        examples: ['liaison config show --json']
      },
      check: {
        summary: "validate a config file (default: the data directory's) and optionally a policy file",
        args: '[FILE]',
        flags: { policy: flag.string('also validate this policy file', { placeholder: 'FILE' }) },
        output: cliOutput('ConfigCheck'),
        examples: ['liaison config check /etc/liaison/config.json --policy /etc/liaison/policy.json']
      }
    },
    run: lazy(async () => await import('../config-commands.ts'), 'configCommand')
  },
  {
    name: 'purge',
    group: 'node',
    summary: 'delete expired message envelopes now (stopped node; a running node purges on its own)',
    output: cliOutput('Purge'),
    examples: ['liaison purge --data-dir /var/lib/liaison'],
    run: lazy(async () => await import('../purge-command.ts'), 'purgeCommand')
  },
  {
    name: 'store',
    group: 'node',
    summary: "the operator's tools for the store's files (stopped node or a copy)",
    subcommands: {
      fsck: {
        summary:
          'check every live LevelDB file against its format and CRC-32C checksums (a failing disk, a bad copy); not tamper evidence: that is audit verify',
        output: cliOutput('StoreFsck'),
        examples: ['liaison store fsck --data-dir /var/lib/liaison']
      }
    },
    run: lazy(async () => await import('../store-commands.ts'), 'storeCommand')
  }
]
