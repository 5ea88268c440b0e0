/**
 * Command definitions of the group "Messages": send, inbox, outbox, message, forward,
 * release, feedback, envelope.
 *
 * @module
 */
import { flag, type CommandSpec } from '../spec.ts'
import { apiOutput, cliOutput } from '../output.ts'
import { DEFAULT_EXPIRES, F, lazy } from './flags.ts'
import { DEFAULT_RELEASE_GRANT_VALIDITY_MS } from '../../defaults.ts'
import type * as MessageCommands from '../message-commands.ts'
import type * as ForwardCommands from '../forward-commands.ts'

const messageCmds = async (): Promise<typeof MessageCommands> => await import('../message-commands.ts')
const forwardCmds = async (): Promise<typeof ForwardCommands> => await import('../forward-commands.ts')

export const MESSAGE_COMMANDS: CommandSpec[] = [
  {
    name: 'send',
    group: 'messages',
    summary: 'sign a message and send it to one or more peers (policy is checked per recipient first)',
    flags: {
      to: flag.list('recipient peer ID(s) (required unless --task-force)', { placeholder: 'PEER_ID' }),
      'task-force': flag.string('send to every current member of this task force instead (PROTOCOL.md §21)', { placeholder: 'ID' }),
      tlp: F.tlp,
      topic: F.topic,
      'legal-basis': F.legalBasis,
      kind: F.kind,
      body: flag.string('the message body: a file holding one JSON object, or - for stdin (default {})', { placeholder: 'FILE' }),
      expires: flag.string('when the message expires: a duration from now (30d) or an RFC 3339 time', { placeholder: 'WHEN', default: DEFAULT_EXPIRES }),
      handling: F.handling,
      'in-reply-to': flag.string('the id of the message this answers', { placeholder: 'MESSAGE_ID' }),
      wait: F.wait,
      timeout: F.timeout
    },
    output: apiOutput('send'),
    examples: ['liaison send --to 12D3KooW… --tlp AMBER --topic fraud --legal-basis EU-2024-17 --body report.json --wait'],
    run: lazy(messageCmds, 'sendCommand')
  },
  {
    name: 'inbox',
    group: 'messages',
    summary: 'received messages, oldest first',
    flags: {
      since: flag.string('only messages stored at or after this RFC 3339 time', { placeholder: 'TIME' }),
      from: flag.string('only messages from this peer', { placeholder: 'PEER_ID' }),
      limit: flag.string('at most this many messages', { placeholder: 'N' })
    },
    output: apiOutput('inbox'),
    examples: ['liaison inbox --since 2026-03-01T00:00:00Z --from 12D3KooW…'],
    run: lazy(messageCmds, 'inboxCommand')
  },
  {
    name: 'outbox',
    group: 'messages',
    summary: 'delivery state of sent messages, per recipient',
    output: apiOutput('outbox'),
    examples: ['liaison outbox --json'],
    run: lazy(messageCmds, 'outboxCommand')
  },
  {
    name: 'message',
    group: 'messages',
    summary: 'one message: its body, signature and receipts, or its receipt evidence',
    subcommands: {
      show: {
        summary: "the message's fields and body (decoded), its signature and receipt status",
        args: 'MESSAGE_ID|DIGEST',
        flags: { envelope: flag.boolean('print the signed envelope byte for byte instead (with --json: base64 in the view)') },
        output: cliOutput('MessageShow'),
        examples: ['liaison message show 0190f2c4-…', 'liaison message show 0190f2c4-… --envelope > message.dsse.json']
      },
      evidence: {
        summary: 'export the receipt evidence of a sent message, checkable with OpenSSL and sha256sum (PROTOCOL.md §22.5)',
        args: 'MESSAGE_ID|DIGEST',
        flags: {
          out: flag.string('directory to write (one subdirectory per recipient)', { placeholder: 'DIR', required: true }),
          peer: flag.string('only the evidence from this recipient', { placeholder: 'PEER_ID' })
        },
        output: cliOutput('MessageEvidence'),
        examples: ['liaison message evidence 019bc0fd-89c0-7c4d-9e21-5a7703b8e16f --out evidence/']
      }
    },
    run: lazy(messageCmds, 'messageCommand')
  },
  {
    name: 'forward',
    group: 'messages',
    summary: "pass a received message on to another peer, under the originator's control",
    args: 'MESSAGE_ID',
    flags: {
      to: F.to,
      'legal-basis': flag.string("agreement with the new recipient(s) (default: the message's own, if valid toward every new recipient)", {
        placeholder: 'AGREEMENT'
      }),
      wait: F.wait,
      timeout: F.timeout
    },
    output: apiOutput('forward'),
    examples: ['liaison forward 0190f2c4-… --to 12D3KooW… --legal-basis EU-2024-17 --wait'],
    run: lazy(forwardCmds, 'forwardCommand')
  },
  {
    name: 'release',
    group: 'messages',
    summary: 'ask an originator to release a message to another peer, or answer such a request',
    subcommands: {
      request: {
        summary: 'ask the originator of MESSAGE_ID to let this node forward it to --to',
        args: 'MESSAGE_ID',
        flags: {
          to: flag.string('the peer the message would go to', { placeholder: 'PEER_ID', required: true }),
          reason: flag.string('why, for the originator', { placeholder: 'TEXT', required: true })
        },
        output: apiOutput('requestRelease'),
        examples: ['liaison release request 0190f2c4-… --to 12D3KooW… --reason "joint investigation 42"']
      },
      grant: {
        summary: 'grant a release request asked of this node',
        args: 'REQUEST_ID',
        flags: {
          valid: flag.string('how long the grant lasts', { placeholder: 'DURATION', default: `${DEFAULT_RELEASE_GRANT_VALIDITY_MS / 86_400_000}d` }),
          reason: flag.string('a note for the requester', { placeholder: 'TEXT' })
        },
        output: apiOutput('grantRelease'),
        examples: ['liaison release grant 0190f2d1-… --valid 14d']
      },
      deny: {
        summary: 'deny a release request asked of this node',
        args: 'REQUEST_ID',
        flags: { reason: flag.string('why, for the requester', { placeholder: 'TEXT' }) },
        output: apiOutput('denyRelease'),
        examples: ['liaison release deny 0190f2d1-… --reason "source protection"']
      },
      list: { summary: 'release requests asked of this node and by it', output: apiOutput('releases'), examples: ['liaison release list'] }
    },
    run: lazy(forwardCmds, 'releaseCommand')
  },
  {
    name: 'feedback',
    group: 'messages',
    summary: 'rate a received message to its originator (a signed rating)',
    args: 'MESSAGE_ID',
    flags: {
      rating: flag.string('how useful the message was', {
        placeholder: 'RATING',
        required: true,
        choices: ['useful', 'not-useful', 'actioned', 'led-to-operation']
      }),
      note: flag.string('a short note for the originator', { placeholder: 'TEXT' })
    },
    output: apiOutput('feedback'),
    examples: ['liaison feedback 0190f2c4-… --rating actioned --note "two arrests"'],
    run: lazy(async () => await import('../feedback-command.ts'), 'feedbackCommand')
  },
  {
    name: 'envelope',
    group: 'messages',
    summary: 'sign or verify a DSSE envelope offline (no clock, trust list or policy: PROTOCOL.md §17.5)',
    subcommands: {
      sign: {
        summary: 'sign a message or receipt (strict JSON naming this node) with the node key; prints the envelope',
        flags: {
          type: flag.string('what the JSON is', { placeholder: 'TYPE', required: true, choices: ['message', 'receipt'] }),
          in: flag.string('read the JSON from this file (default stdin)', { placeholder: 'FILE' })
        },
        output: 'none',
        examples: ['liaison envelope sign --type message --in message.json > message.dsse.json']
      },
      verify: {
        summary: 'verify an envelope under a public key; prints its digest, or the reason code (exit 1)',
        flags: {
          'public-key': flag.string("the signer's public key (SPKI PEM, from `liaison id`)", { placeholder: 'PEM', required: true }),
          in: flag.string('read the envelope from this file (default stdin)', { placeholder: 'FILE' })
        },
        output: cliOutput('EnvelopeVerify'),
        examples: ['liaison envelope verify --public-key antwerp.pem --in message.dsse.json']
      }
    },
    run: lazy(async () => await import('../identity-commands.ts'), 'envelopeCommand')
  }
]
