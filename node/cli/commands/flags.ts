/**
 * Flags several commands share, defined once (the same name means the same thing everywhere),
 * and the lazy loader every command definition uses: a command's module (and libp2p, LevelDB,
 * …) is loaded only when that command runs, so `--help` and a typo answer at once.
 *
 * @module
 */
import { HANDLING_CODES, MESSAGE_KINDS, TLP_LEVELS } from '../../../protocol/types.ts'
import { flag, type Invocation } from '../spec.ts'
import { DEFAULT_MESSAGE_TTL_MS, DEFAULT_WAIT_TIMEOUT_MS } from '../../defaults.ts'

/** The default lifetime of a message, as a flag value (30d). */
export const DEFAULT_EXPIRES = `${DEFAULT_MESSAGE_TTL_MS / 86_400_000}d`

export const TLP = [...TLP_LEVELS]
export const KINDS = [...MESSAGE_KINDS]

export const F = {
  to: flag.list('recipient peer ID(s)', { placeholder: 'PEER_ID', required: true }),
  tlp: flag.string('TLP 2.0 label of the message', { placeholder: 'TLP', required: true, choices: TLP }),
  topic: flag.string('topic slug, e.g. fraud', { placeholder: 'TOPIC', required: true }),
  legalBasis: flag.string('id of an agreement valid with every recipient', { placeholder: 'AGREEMENT', required: true }),
  kind: flag.string('message kind', { placeholder: 'KIND', choices: KINDS, default: 'report' }),
  handling: flag.list(`handling code(s) the recipients must honour (PROTOCOL.md §10.1: ${HANDLING_CODES.join(', ')})`, { placeholder: 'CODE' }),
  wait: flag.boolean('wait until every recipient answered with a signed receipt (or --timeout passed)'),
  timeout: flag.string('how long --wait waits', { placeholder: 'DURATION', default: `${DEFAULT_WAIT_TIMEOUT_MS / 1000}s` }),
  peerId: flag.string('peer ID on the trust list (or give it as the argument)', { placeholder: 'PEER_ID' })
}

type Handler = (inv: Invocation) => Promise<number>

/** `run` of a command definition: loads `module` on first use and calls its `name` export. */
export function lazy<K extends string> (load: () => Promise<Record<K, Handler>>, name: K): (argv: string[], inv: Invocation) => Promise<number> {
  return async (_argv, inv) => await (await load())[name](inv)
}
