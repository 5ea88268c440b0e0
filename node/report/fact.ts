/**
 * What a report fact is: one countable thing, attributed to a counterpart peer, the message's
 * dimensions and a time (the normaliser in facts.ts emits them; dimensions.ts, figures.ts and
 * queries.ts read them). Kept apart from the normaliser so its readers need not import it.
 *
 * @module
 */
import type { Cell } from './types.ts'

/** What dimensions an entry tells about a message (absent: `-`): topic, agreement, kind, tlp and any registered message dimension. */
export type MessageDims = Readonly<Record<string, string>>

export type Direction = 'out' | 'in'

interface Base {
  /** Epoch ms the fact is attributed to (its period). */
  at: number
  /** The counterpart: recipient, sender, requester, originator, witness, queried or querying node. */
  peer: string
  dims: MessageDims
}

/** Where a delivery stands: put in the outbox, left it with a receipt, or, at the checkpoint, still waiting / expired / no longer tracked. */
export type OutboxPhase = 'queued' | 'left' | 'waiting' | 'expired' | 'untracked'

export type Fact =
  | (Base & { type: 'message', direction: Direction })
  | (Base & { type: 'outcome', direction: Direction, status: 'accepted' | 'rejected', reason: string | null, delayMs: number | null })
  | (Base & {
    type: 'outbox',
    phase: OutboxPhase,
    payload: string,
    delayMs: number | null,
    /** For `left`: when the delivery was first transmitted (epoch ms, the receipt entry's `sentAt`); null when the entry does not say. */
    sentMs?: number | null
  })
  | (Base & { type: 'rfi', direction: Direction })
  | (Base & { type: 'answer', direction: Direction, delayMs: number })
  | (Base & { type: 'release', direction: Direction, phase: 'requested' | 'granted' | 'denied', delayMs: number | null })
  | (Base & { type: 'forward', direction: Direction })
  | (Base & { type: 'trust', action: 'suspended' | 'resumed' | 'revoked' | 'key-rotated' | 'witness-alert' })
  | (Base & { type: 'feedback', direction: Direction, rating: string })
  | (Base & {
    type: 'query',
    direction: Direction,
    phase: 'asked' | 'answered' | 'refused',
    selectorType: string,
    selectors: number,
    hits: number | null,
    reason: string | null
  })
  /** A plug-in capability's own fact (its entry hook emits it, its registered figure counts it). */
  | (Base & { type: 'ext', name: string, values: Readonly<Record<string, Cell>> })
  | (Base & { type: 'taskforce', direction: Direction, taskForce: string, version: number | null, action: string | null })

/** An entry as JSON.parse gives it (only the members the normaliser reads are typed). */
export type RawEntry = Record<string, unknown> & { type: string, at: string }

export const NO_DIMS: MessageDims = Object.freeze({})
