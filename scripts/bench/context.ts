/**
 * What every benchmark item gets (the run's options, where to put scratch files, a logger) and
 * what it hands back (figures, raw details, charts, notes), plus the integrity check that
 * stops the whole run when a measurement lost a message or a receipt did not verify.
 *
 * @module
 */
import type { Figure } from './figures.ts'
import type { DeliveryCheck, InboxResult } from './agent-api.ts'
import type { Agent } from './agents.ts'
import type { ChartSpec } from './charts.ts'

export interface BenchContext {
  quick: boolean
  /** Scratch directory for this run (profiles, data dirs); git-ignored. */
  scratch: string
  cores: number
  log: (line: string) => void
  /** Figures of earlier items in this run, by id (e.g. the ingest rate that sets the open-loop rate). */
  figures: Map<string, Figure>
}

export interface ItemResult {
  figures: Figure[]
  details: Record<string, unknown>
  charts: ChartSpec[]
  notes: string[]
}

/** A run that lost a message, or whose receipts do not verify: nothing may be reported. */
export class IntegrityError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'IntegrityError'
  }
}

/** Every one of `expected` deliveries ended as delivered, with a stored receipt that verifies. */
export function assertDelivered (what: string, check: DeliveryCheck, expected: number): void {
  if (check.expected !== expected) throw new IntegrityError(`${what}: the sender made ${check.expected} deliveries, expected ${expected}`)
  if (check.notDelivered !== 0) throw new IntegrityError(`${what}: ${check.notDelivered} of ${expected} deliveries did not end as delivered`)
  if (check.receiptsChecked !== expected) throw new IntegrityError(`${what}: ${check.receiptsChecked} receipts checked, expected ${expected}`)
  if (check.problems.length > 0) throw new IntegrityError(`${what}: receipts failed verification: ${check.problems.join('; ')}`)
}

/** Ask the sender to check its last operation (after the clock stopped) and assert the result. */
export async function checkLastRun (sender: Agent, what: string, expected: number): Promise<void> {
  assertDelivered(what, await sender.request<DeliveryCheck>({ op: 'check' }), expected)
}

/** The receiver's inbox grew by exactly the number of messages sent, and each was accepted once. */
export function assertInboxGrowth (what: string, before: InboxResult, after: InboxResult, sent: number): void {
  const grew = after.count - before.count
  const accepted = after.accepted - before.accepted
  if (grew !== sent) throw new IntegrityError(`${what}: the receiver's inbox grew by ${grew}, but ${sent} messages were sent`)
  if (accepted !== sent) throw new IntegrityError(`${what}: the receiver accepted ${accepted} messages, but ${sent} were sent`)
}
