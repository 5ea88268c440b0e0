/**
 * The `liaison` command line: dispatch, help, and uniform errors (`error CODE: message` on
 * stderr, exit 1; exit 2 for usage errors).
 *
 * @module
 */
import { errorCode, NodeError } from '../errors.ts'
import { ProtocolError } from '../../protocol/errors.ts'
import type { CommandSpec } from './spec.ts'
import { renderCommand } from './help.ts'
import type * as IdentityCommands from './identity-commands.ts'
import type * as NodeCommands from './node-commands.ts'
import type * as PeerCommands from './peer-commands.ts'
import type * as ForwardCommands from './forward-commands.ts'
import type * as MessageCommands from './message-commands.ts'
type Command = (argv: string[]) => Promise<number>

/**
 * Each command's module is loaded only when that command runs: most commands never touch
 * libp2p, and loading it for every CLI call doubled the start-up time.
 */
const lazy = <K extends string>(load: () => Promise<Record<K, Command>>, name: K): Command =>
  async (argv) => await (await load())[name](argv)

const identity = async (): Promise<typeof IdentityCommands> => await import('./identity-commands.ts')
const nodeCmds = async (): Promise<typeof NodeCommands> => await import('./node-commands.ts')
const peerCmds = async (): Promise<typeof PeerCommands> => await import('./peer-commands.ts')
const forwardCmds = async (): Promise<typeof ForwardCommands> => await import('./forward-commands.ts')
const messageCmds = async (): Promise<typeof MessageCommands> => await import('./message-commands.ts')

async function runSpec (spec: CommandSpec, argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(renderCommand(spec))
    return 0
  }
  try {
    return await spec.run(argv)
  } catch (err) {
    const code = errorCode(err)
    process.stderr.write(`error ${code}: ${(err as Error).message}\n`)
    return code === 'BAD_ARGUMENT' ? 2 : 1
  }
}

const COMMANDS: Record<string, { run: Command, help: string }> = {
  init: { run: lazy(identity, 'initCommand'), help: 'init --name NAME [--listen MULTIADDR…]      create identity, config and store' },
  id: { run: lazy(identity, 'idCommand'), help: 'id [--json]                                  print peer ID and public key (SPKI PEM)' },
  start: { run: lazy(nodeCmds, 'startCommand'), help: 'start [--log-level L] [--log-format json|pretty]   run the node in the foreground' },
  up: { run: lazy(nodeCmds, 'upCommand'), help: 'up [--name NAME] [--log-level L] [--log-format F]   init on first use, then start (npm start)' },
  config: { run: lazy(async () => await import('./config-commands.ts'), 'configCommand'), help: 'config show [--json] | check [FILE] [--policy FILE]   effective config (secrets never shown); validate without starting' },
  peers: { run: lazy(peerCmds, 'peersCommand'), help: 'peers add|update|show|list|suspend|resume|revoke|remove   manage the trust list (--card FILE, --agreement ID:FROM:UNTIL, --max-tlp-out T, --topics-in a,b, …)' },
  card: { run: lazy(peerCmds, 'cardCommand'), help: 'card export [--out FILE]                     this node\'s self-signed trust card and fingerprint' },
  policy: { run: lazy(async () => await import('./policy-commands.ts'), 'policyCommand'), help: 'policy show|reload|check --to ID --tlp T --topic T --legal-basis L   explain a decision without sending' },
  send: { run: lazy(messageCmds, 'sendCommand'), help: 'send --to ID[,ID…] --tlp T --topic T --legal-basis L [--kind K] [--expires 30d] [--handling C…] [--in-reply-to ID] [--body FILE|-] [--wait]' },
  forward: { run: lazy(forwardCmds, 'forwardCommand'), help: 'forward MESSAGE_ID --to C [--legal-basis L]   pass a received message on, under the originator\'s control' },
  release: { run: lazy(forwardCmds, 'releaseCommand'), help: 'release request MESSAGE_ID --to C --reason T | grant ID [--valid 7d] | deny ID | list' },
  keys: { run: lazy(async () => await import('./key-commands.ts'), 'keysCommand'), help: 'keys rotate | status | finish [--force] | approve OLD_PEER_ID | revoke --certificate KIT   identity key rotation; deliver a revocation kit to every peer' },
  inbox: { run: lazy(messageCmds, 'inboxCommand'), help: 'inbox [--since TIME] [--from ID] [--json]    list received messages' },
  outbox: { run: lazy(messageCmds, 'outboxCommand'), help: 'outbox [--json]                              delivery state per recipient' },
  message: { run: lazy(messageCmds, 'messageCommand'), help: 'message show ID|DIGEST [--envelope]          one message (envelope byte for byte)' },
  'message evidence': { run: async (argv) => await runSpec((await import('./message-evidence-command.ts')).MESSAGE_EVIDENCE, argv), help: 'message evidence ID|DIGEST --out DIR [--peer ID]   receipt evidence of a sent message (checkable with OpenSSL and sha256sum)' },
  envelope: { run: lazy(identity, 'envelopeCommand'), help: 'envelope sign --type message|receipt [--in FILE] | verify --public-key PEM [--in FILE]' },
  audit: { run: lazy(async () => await import('./audit-commands.ts'), 'auditCommand'), help: 'audit verify [--bundle DIR] [--workers N] [--expect-node ID] [--thorough] [--openssl] [--json] | export --out DIR [--since T] [--peer ID] | prove DIGEST | checkpoint | witnesses | split-view --out DIR [--alert SEQ]   offline audit (stopped node or a copy)' },
  taxii: { run: lazy(async () => await import('./taxii-commands.ts'), 'taxiiCommand'), help: 'taxii collections add --outbound --to ID[,ID…] --topic T --tlp L --legal-basis ID [--kind K] | add --inbound [--from ID] [--topic T] [--max-tlp L] | list | remove ID; taxii clients add NAME --collections ID:r|w|rw[,…] [--json] | list | remove NAME' },
  index: { run: lazy(async () => await import('./index-commands.ts'), 'indexCommand'), help: 'index add --type T (--selector V --ref R | --file FILE.csv [--ref-column C]) [--region CC] | remove --type T --selector V | list [--stats] | rotate-key   reference data for hit/no-hit queries' },
  query: { run: lazy(async () => await import('./query-commands.ts'), 'queryCommand'), help: 'query --to PEER --type T (--selector V | --file FILE) --legal-basis ID --purpose TEXT [--region CC] | follow-up HIT_REF --reason TEXT | pending | unpin PEER   hit/no-hit queries (running node)' },
  purge: { run: lazy(async () => await import('./purge-command.ts'), 'purgeCommand'), help: 'purge                                        delete expired message envelopes now (stopped node; a running node purges on its own)' },
  report: { run: lazy(async () => await import('./report-commands.ts'), 'reportCommand'), help: 'report [--from D] [--to D] [--by peer|topic|agreement|kind|tlp|week|month]… [--format text|json|csv|html] [--out FILE] [--sign] [--bundle DIR] | verify REPORT [--bundle DIR]   cooperation report from the audit log' },
  feedback: { run: lazy(async () => await import('./feedback-command.ts'), 'feedbackCommand'), help: 'feedback MESSAGE_ID --rating useful|not-useful|actioned|led-to-operation [--note TEXT]   rate a received message to its originator' }
}

export function usage (): string {
  return [
    'liaison — a sovereign node for signed, policy-checked intelligence exchange',
    '',
    'Usage: liaison <command> [options]   (every command takes --data-dir DIR; default $LIAISON_DATA_DIR or ./data)',
    '',
    ...Object.values(COMMANDS).map(c => '  ' + c.help),
    ''
  ].join('\n')
}

/** Subcommands defined as CommandSpecs in their own files, dispatched before COMMANDS. */
const SPEC_SUBCOMMANDS: Record<string, () => Promise<CommandSpec>> = {
  'message evidence': async () => (await import('./message-evidence-command.ts')).MESSAGE_EVIDENCE
}

export async function main (argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  const sub = SPEC_SUBCOMMANDS[`${name} ${rest[0]}`]
  if (sub != null) return await runSpec(await sub(), rest.slice(1))
  if (name == null || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage())
    return 0
  }
  const command = COMMANDS[name]
  if (command == null) {
    process.stderr.write(`error BAD_ARGUMENT: unknown command ${name}\n\n${usage()}`)
    return 2
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`liaison ${command.help}\n`)
    return 0
  }
  try {
    return await command.run(rest)
  } catch (err) {
    const code = errorCode(err)
    if (err instanceof NodeError || err instanceof ProtocolError) {
      process.stderr.write(`error ${code}: ${err.message}\n`)
      return code === 'BAD_ARGUMENT' ? 2 : 1
    }
    process.stderr.write(`error INTERNAL: ${(err as Error).stack ?? String(err)}\n`)
    return 1
  }
}
