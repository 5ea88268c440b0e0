/**
 * Command definitions of the group "Trust list and policy": peers, card, policy.
 *
 * @module
 */
import { flag, type CommandSpec, type Flags } from '../spec.ts'
import { apiOutput, cliOutput } from '../output.ts'
import { F, KINDS, TLP, lazy } from './flags.ts'
import type * as PeerCommands from '../peer-commands.ts'

const peerCmds = async (): Promise<typeof PeerCommands> => await import('../peer-commands.ts')

/** The editable fields of a trust record (`peers add` and `peers update`). */
const FIELDS: Flags = {
  name: flag.string("the agency's name", { placeholder: 'NAME' }),
  address: flag.list('multiaddr where the peer listens, ending /p2p/PEER_ID', { placeholder: 'MULTIADDR' }),
  jurisdiction: flag.string('ISO 3166-1 alpha-2 code, e.g. BE', { placeholder: 'CC' }),
  agreement: flag.list('legal agreement with its validity (replaces the list on update); dates are UTC days, inclusive', { placeholder: 'ID:FROM:UNTIL' }),
  'add-agreement': flag.list('add (or replace by id) an agreement, keeping the others', { placeholder: 'ID:FROM:UNTIL' }),
  'max-tlp-out': flag.string('highest TLP this node may send to the peer (default AMBER for a new peer)', { placeholder: 'TLP', choices: TLP }),
  'max-tlp-in': flag.string('highest TLP this node accepts from the peer (default AMBER for a new peer)', { placeholder: 'TLP', choices: TLP }),
  'topics-out': flag.list('topics this node may send to the peer (default *: any)', { placeholder: 'TOPIC' }),
  'topics-in': flag.list('topics this node accepts from the peer (default *: any)', { placeholder: 'TOPIC' }),
  kinds: flag.list('message kinds allowed both ways (default all)', { placeholder: 'KIND', choices: KINDS }),
  note: flag.string('free-text note kept with the record', { placeholder: 'TEXT' }),
  'auto-approve-rotation': flag.string("apply this peer's key rotations without `keys approve`", { placeholder: 'BOOL', choices: ['true', 'false'] }),
  'query-types': flag.string('selector types the peer may query in hit/no-hit queries, or none', { placeholder: 'TYPE,…' }),
  'query-quota': flag.string('queries a day the peer may make (default 1000/day)', { placeholder: 'N/day' }),
  'query-max': flag.string('selectors per query, 1–1000 (default 100)', { placeholder: 'N' })
}

const PEER_ARG = '[PEER_ID]'

export const TRUST_COMMANDS: CommandSpec[] = [
  {
    name: 'peers',
    group: 'trust',
    summary: 'manage the trust list: who this node exchanges with, under which agreements and ceilings',
    subcommands: {
      add: {
        summary: 'add a peer from its trust card (confirm its fingerprint out of band) or by peer ID',
        flags: {
          card: flag.string("the peer's self-signed trust card (from `liaison card export`)", { placeholder: 'FILE' }),
          fingerprint: flag.string("the card's key fingerprint, as the agency read it to you over a separate channel; required with --card", {
            placeholder: 'XXXX-XXXX-XXXX-XXXX-XXXX-XXXX'
          }),
          'no-fingerprint-check': flag.boolean('add from --card without comparing a fingerprint (recorded in the audit log)'),
          'peer-id': flag.string("the peer's ID, when adding without a card (then --name is required too)", { placeholder: 'PEER_ID' }),
          ...FIELDS
        },
        output: apiOutput('addPeerFromCard'),
        examples: [
          'liaison peers add --card antwerp.card.json --fingerprint ABCD-EFGH-IJKL-MNOP-QRST-UVWX --agreement EU-2024-17:2025-01-01:2026-12-31 --max-tlp-out ' +
          'AMBER'
        ]
      },
      update: {
        summary: "change fields of a peer's record; unnamed fields keep their value",
        args: PEER_ARG,
        flags: { 'peer-id': F.peerId, ...FIELDS },
        output: apiOutput('peer'),
        examples: ['liaison peers update 12D3KooW… --add-agreement EU-2025-03:2025-03-01:2027-02-28']
      },
      show: {
        summary: "one peer's record",
        args: PEER_ARG,
        flags: { 'peer-id': F.peerId },
        output: apiOutput('peer'),
        examples: ['liaison peers show 12D3KooW…']
      },
      list: { summary: 'every peer on the trust list', output: apiOutput('peers'), examples: ['liaison peers list --json'] },
      suspend: {
        summary: 'stop exchanging with a peer for now (its queued messages wait)',
        args: PEER_ARG,
        flags: { 'peer-id': F.peerId },
        output: apiOutput('setPeerStatus'),
        examples: ['liaison peers suspend 12D3KooW…']
      },
      resume: {
        summary: 'exchange with a suspended peer again',
        args: PEER_ARG,
        flags: { 'peer-id': F.peerId },
        output: apiOutput('setPeerStatus'),
        examples: ['liaison peers resume 12D3KooW…']
      },
      revoke: {
        summary: 'stop trusting a peer for good (its queued messages are cancelled), or act on a revocation certificate it sent',
        args: PEER_ARG,
        flags: {
          'peer-id': F.peerId,
          certificate: flag.string('a revocation certificate or kit the agency sent: revoke the key it names', { placeholder: 'FILE' })
        },
        output: cliOutput('PeersRevoke'),
        examples: ['liaison peers revoke --certificate antwerp.revocation.json']
      },
      remove: {
        summary: "delete a peer's record (prefer revoke: it keeps the history)",
        args: PEER_ARG,
        flags: { 'peer-id': F.peerId },
        output: apiOutput('removePeer'),
        examples: ['liaison peers remove 12D3KooW…']
      }
    },
    run: lazy(peerCmds, 'peersCommand')
  },
  {
    name: 'card',
    group: 'trust',
    summary: "this node's self-signed trust card, to give to a partner agency",
    subcommands: {
      export: {
        summary: 'write the card (to --out, else stdout) and print its fingerprint',
        flags: { out: flag.string('write the card to this file', { placeholder: 'FILE' }) },
        output: apiOutput('card'),
        examples: ['liaison card export --out rotterdam.card.json']
      },
      inspect: {
        summary: "what a partner's trust card says (name, peer ID, fingerprint, keys), its signature checked; adds nothing",
        args: 'FILE',
        output: apiOutput('inspectCard'),
        examples: ['liaison card inspect antwerp.card.json']
      }
    },
    run: lazy(peerCmds, 'cardCommand')
  },
  {
    name: 'policy',
    group: 'trust',
    summary: 'the node policy in force, reload it, or explain a decision without sending',
    subcommands: {
      show: { summary: 'the policy in force (policy.json with defaults)', output: apiOutput('policy'), examples: ['liaison policy show'] },
      reload: { summary: 'make a running node re-read policy.json', output: apiOutput('reloadPolicy'), examples: ['liaison policy reload'] },
      check: {
        summary: 'would a message to PEER be sent? every check, and the decision',
        flags: {
          to: flag.string("the recipient's peer ID", { placeholder: 'PEER_ID', required: true }),
          tlp: F.tlp,
          topic: F.topic,
          kind: F.kind,
          'legal-basis': F.legalBasis,
          handling: F.handling
        },
        output: apiOutput('checkPolicy'),
        examples: ['liaison policy check --to 12D3KooW… --tlp AMBER --topic fraud --legal-basis EU-2024-17']
      }
    },
    run: lazy(async () => await import('../policy-commands.ts'), 'policyCommand')
  }
]
