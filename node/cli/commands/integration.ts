/**
 * Command definitions of the group "Integration": taxii, index, query.
 *
 * @module
 */
import { flag, type CommandSpec, type Flags } from '../spec.ts'
import { apiOutput, cliOutput } from '../output.ts'
import { KINDS, TLP, lazy } from './flags.ts'

const COLLECTION_FLAGS: Flags = {
  outbound: flag.boolean('objects a TAXII client adds are sent as messages (needs --to, --topic, --tlp, --legal-basis)'),
  inbound: flag.boolean('received messages are served to TAXII clients (filtered by --from, --topic, --max-tlp)'),
  to: flag.list('outbound: the recipients of each message', { placeholder: 'PEER_ID' }),
  'task-force': flag.string('outbound: send to every current member of this task force instead of --to', { placeholder: 'ID' }),
  from: flag.string('inbound: only messages from this peer', { placeholder: 'PEER_ID' }),
  topic: flag.string("outbound: the messages' topic; inbound: only this topic", { placeholder: 'TOPIC' }),
  tlp: flag.string("outbound: the messages' TLP", { placeholder: 'TLP', choices: TLP }),
  'max-tlp': flag.string('inbound: only messages at most this TLP', { placeholder: 'TLP', choices: TLP }),
  'legal-basis': flag.string('outbound: the agreement the messages name', { placeholder: 'AGREEMENT' }),
  kind: flag.string("outbound: the messages' kind", { placeholder: 'KIND', choices: KINDS, default: 'report' }),
  title: flag.string("the collection's title, shown to TAXII clients", { placeholder: 'TEXT' }),
  description: flag.string("the collection's description", { placeholder: 'TEXT' })
}

const SELECTOR_TYPE = flag.string('selector type (PROTOCOL.md §19.1), e.g. phone, iban, email', { placeholder: 'TYPE', required: true })

export const INTEGRATION_COMMANDS: CommandSpec[] = [
  {
    name: 'taxii',
    group: 'integration',
    summary: "the TAXII 2.1 server's collections and clients",
    subcommands: {
      'collections add': {
        summary: 'add a collection (--outbound or --inbound); prints its id',
        flags: COLLECTION_FLAGS,
        output: apiOutput('addTaxiiCollection'),
        examples: ['liaison taxii collections add --outbound --to 12D3KooW… --topic malware --tlp GREEN --legal-basis EU-2024-17 --title "to Antwerp"']
      },
      'collections list': { summary: 'every collection', output: apiOutput('taxiiCollections'), examples: ['liaison taxii collections list'] },
      'collections remove': {
        summary: 'remove a collection',
        args: 'COLLECTION_ID',
        output: apiOutput('removeTaxiiCollection'),
        examples: ['liaison taxii collections remove 0190f2c4-…']
      },
      'clients add': {
        summary: 'add a TAXII client; prints its secret once',
        args: 'NAME',
        flags: { collections: flag.list('collections the client may read (r), write (w) or both (rw)', { placeholder: 'ID:r|w|rw', required: true }) },
        output: apiOutput('addTaxiiClient'),
        examples: ['liaison taxii clients add misp --collections 0190f2c4-…:rw']
      },
      'clients list': { summary: 'every client (never the secrets)', output: apiOutput('taxiiClients'), examples: ['liaison taxii clients list'] },
      'clients remove': {
        summary: 'remove a client (its secret stops working)',
        args: 'NAME',
        output: apiOutput('removeTaxiiClient'),
        examples: ['liaison taxii clients remove misp']
      }
    },
    run: lazy(async () => await import('../taxii-commands.ts'), 'taxiiCommand')
  },
  {
    name: 'index',
    group: 'integration',
    summary: "this node's reference data for hit/no-hit queries from peers",
    subcommands: {
      add: {
        summary: 'add selectors, one (--selector with --ref) or from a CSV file',
        flags: {
          type: SELECTOR_TYPE,
          selector: flag.string('one selector value', { placeholder: 'VALUE' }),
          ref: flag.string('your case reference for --selector (returned to you on a follow-up, never to the peer)', { placeholder: 'REF' }),
          file: flag.string('a CSV with a selector and a reference column', { placeholder: 'FILE' }),
          'selector-column': flag.string('the CSV column of the selectors (default selector, else the first)', { placeholder: 'COLUMN' }),
          'ref-column': flag.string('the CSV column of the references (default ref)', { placeholder: 'COLUMN' }),
          region: flag.string('default region for national phone numbers', { placeholder: 'CC' })
        },
        output: cliOutput('IndexAdd'),
        examples: ['liaison index add --type phone --file suspects.csv --ref-column case --region NL']
      },
      remove: {
        summary: 'remove one selector',
        flags: {
          type: SELECTOR_TYPE,
          selector: flag.string('the selector value', { placeholder: 'VALUE', required: true }),
          region: flag.string('default region for national phone numbers', { placeholder: 'CC' })
        },
        output: cliOutput('IndexRemove'),
        examples: ['liaison index remove --type iban --selector NL91ABNA0417164300']
      },
      list: { summary: 'selectors per type and the OPRF key', output: cliOutput('IndexList'), examples: ['liaison index list'] },
      'rotate-key': {
        summary: 'new OPRF key; every record is re-keyed (peers must re-pin it)',
        output: cliOutput('IndexRotate'),
        examples: ['liaison index rotate-key']
      }
    },
    run: lazy(async () => await import('../index-commands.ts'), 'indexCommand')
  },
  {
    name: 'query',
    group: 'integration',
    summary: 'ask a peer hit or no-hit for selectors (blinded: the peer never sees them); running node',
    subcommands: {
      '': {
        summary: 'ask PEER about selectors of one type',
        flags: {
          to: flag.string('the peer to ask', { placeholder: 'PEER_ID', required: true }),
          type: SELECTOR_TYPE,
          selector: flag.list('a selector value, as written (or --file)', { placeholder: 'VALUE', commas: false }),
          file: flag.string('selectors, one per line or a CSV with a selector column', { placeholder: 'FILE' }),
          'selector-column': flag.string('the CSV column of the selectors', { placeholder: 'COLUMN' }),
          'legal-basis': flag.string('the agreement the query is made under', { placeholder: 'AGREEMENT', required: true }),
          purpose: flag.string('why (recorded in both audit logs)', { placeholder: 'TEXT', required: true }),
          region: flag.string('default region for national phone numbers', { placeholder: 'CC' })
        },
        output: apiOutput('query'),
        examples: ['liaison query --to 12D3KooW… --type phone --selector +31612345678 --legal-basis EU-2024-17 --purpose "case 2026-0042"']
      },
      'follow-up': {
        summary: 'ask the peer for the details behind a hit',
        args: 'HIT_REF',
        flags: { reason: flag.string('why, for the peer', { placeholder: 'TEXT', required: true }) },
        output: apiOutput('queryFollowUp'),
        examples: ['liaison query follow-up 6f1c… --reason "warrant 2026/113"']
      },
      pending: { summary: 'follow-up requests peers sent this node', output: apiOutput('queryPending'), examples: ['liaison query pending'] },
      unpin: {
        summary: "forget a peer's pinned OPRF key (after it confirmed a rotation)",
        args: 'PEER_ID',
        output: apiOutput('queryUnpin'),
        examples: ['liaison query unpin 12D3KooW…']
      }
    },
    run: lazy(async () => await import('../query-commands.ts'), 'queryCommand')
  }
]
