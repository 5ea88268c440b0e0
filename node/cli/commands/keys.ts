/**
 * Command definitions of the group "Keys": keys rotate|status|finish|approve|revoke.
 *
 * @module
 */
import { flag, type CommandSpec } from '../spec.ts'
import { apiOutput, cliOutput } from '../output.ts'
import { lazy } from './flags.ts'

export const KEY_COMMANDS: CommandSpec[] = [
  {
    name: 'keys',
    group: 'keys',
    summary: "rotate this node's identity key, approve a peer's rotation, or deliver a revocation kit",
    subcommands: {
      rotate: {
        summary: 'make a new identity key and announce it to every peer (the node switches once all answered)',
        output: apiOutput('rotateKey'),
        examples: ['liaison keys rotate']
      },
      status: {
        summary: "this node's rotation, which peers answered, and rotations peers announced",
        output: apiOutput('keyStatus'),
        examples: ['liaison keys status --json']
      },
      finish: {
        summary: 'switch to the new key now (stopped node), once every peer answered',
        flags: { force: flag.boolean('switch even though some peers have not answered (they refuse the new key until they approve it)') },
        output: cliOutput('KeysFinish'),
        examples: ['liaison keys finish --force']
      },
      approve: {
        summary: 'apply the rotation a peer announced: trust its new key',
        args: 'OLD_PEER_ID',
        output: apiOutput('approveRotation'),
        examples: ['liaison keys approve 12D3KooW…']
      },
      revoke: {
        summary: "from any machine, deliver a revocation kit's certificate to every peer it lists (needs no data directory)",
        flags: {
          certificate: flag.string('the revocation kit (DIR/revocation/PEER_ID.kit.json, or your offline copy)', { placeholder: 'FILE', required: true }),
          timeout: flag.string('how long to try each peer', { placeholder: 'DURATION', default: '15s' })
        },
        output: cliOutput('KeysRevoke'),
        examples: ['liaison keys revoke --certificate /media/usb/12D3KooW….kit.json']
      }
    },
    run: lazy(async () => await import('../key-commands.ts'), 'keysCommand')
  }
]
