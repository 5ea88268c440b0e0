/**
 * `liaison send`, `inbox`, `outbox`, `message show`.
 *
 * @module
 */
import { parseDuration } from '../../protocol/time.ts'
import { parseStrictJson, utf8Decode } from '../../protocol/json.ts'
import type { MessageKind, Tlp } from '../../protocol/types.ts'
import { NodeError } from '../errors.ts'
import type { SendInput, SendResult } from '../service/index.ts'
import { MAX_MESSAGE_PAYLOAD_BYTES } from '../../protocol/limits.ts'
import { isPeerId } from '../../protocol/peer-id.ts'
import { DEFAULT_EXPIRES } from './commands/flags.ts'
import { describeMessage, showMessage } from './message-view.ts'
import { durationFlag, str, list, print, readInput } from './args.ts'
import type { Invocation } from './spec.ts'
import { openService } from './context.ts'
import { EXIT } from './exit-codes.ts'

/** Read and check --body: one JSON object that fits in a message. */
async function readBody (file: string | undefined): Promise<Record<string, unknown>> {
  if (file == null) return {}
  const where = file === '-' ? 'the body on stdin' : `--body ${file}`
  let bytes: Buffer
  try {
    bytes = await readInput(file)
  } catch (err) {
    throw new NodeError('BAD_ARGUMENT', `${where}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err })
  }
  // The whole message (fields and body) must fit in MAX_MESSAGE_PAYLOAD_BYTES; say so before parsing megabytes.
  if (bytes.length > MAX_MESSAGE_PAYLOAD_BYTES) {
    throw new NodeError(
      'BAD_ARGUMENT',
      `${where} is ${mib(bytes.length)}; a message, body and fields together, may be at most ${
        mib(MAX_MESSAGE_PAYLOAD_BYTES)
      }: send a smaller body, or a reference to where the rest can be fetched`
    )
  }
  let body: unknown
  try {
    body = parseStrictJson(utf8Decode(bytes))
  } catch (err) {
    throw new NodeError('BAD_ARGUMENT', `${where} is not valid JSON: ${(err as Error).message}`, { cause: err })
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new NodeError(
      'BAD_ARGUMENT',
      `${where} holds ${Array.isArray(body) ? 'an array' : body === null ? 'null' : `a ${typeof body}`}; expected one JSON object, e.g. {"text": "…"}`
    )
  }
  return body as Record<string, unknown>
}

const mib = (n: number): string => n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`

/** --expires: a duration from now, or an RFC 3339 time (checked by the message rules). */
function expiresInput (text: string): Pick<SendInput, 'ttlMs' | 'expires'> {
  if (/^\d+(ms|s|m|h|d)$/.test(text)) return { ttlMs: parseDuration(text) }
  if (!RFC3339.test(text) || Number.isNaN(Date.parse(text))) {
    throw new NodeError('BAD_ARGUMENT', `--expires ${text}: expected a duration such as 30d or 12h, or an RFC 3339 time such as 2026-12-31T23:59:59.000Z`)
  }
  return { expires: new Date(Date.parse(text)).toISOString() }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/

/** Exit 1 when any recipient refused or did not get the message. */
/**
 * The exit code of a send or forward (node/cli/exit-codes.ts): 1 if any recipient refused,
 * rejected, expired or was cancelled; else 3 if --wait ran out of time with a recipient still
 * pending (reason TIMEOUT: retrying, or waiting longer, may help); else 0.
 */
export function outcomeCode (result: SendResult): number {
  if (result.recipients.some(r => r.status === 'refused' || r.status === 'rejected' || r.status === 'expired' || r.status === 'cancelled')) return EXIT.REFUSED
  return result.recipients.some(r => r.status === 'pending' && r.reason === 'TIMEOUT') ? EXIT.UNAVAILABLE : EXIT.OK
}

export function describeSendResult (result: SendResult, label: string, running: boolean): string {
  return `${label.padEnd(7)} ${result.id}\ndigest  ${result.digest}\n` +
    result.recipients.map(r => `  ${r.peerId}  ${r.status}${r.reason != null ? ' ' + r.reason : ''}${r.detail != null ? ': ' + r.detail : ''}\n`).join('') +
    (running ? '' : '(node not running: queued; it is delivered when the node starts)\n')
}

export async function sendCommand (p: Invocation): Promise<number> {
  const body = await readBody(str(p, 'body'))
  const input: SendInput = {
    to: list(p, 'to'),
    kind: (str(p, 'kind') ?? 'report') as MessageKind,
    tlp: str(p, 'tlp', true) as Tlp,
    topic: str(p, 'topic', true) as string,
    legalBasis: str(p, 'legal-basis', true) as string,
    handling: list(p, 'handling'),
    body,
    ...expiresInput(str(p, 'expires') ?? DEFAULT_EXPIRES)
  }
  const taskForce = str(p, 'task-force')
  if (taskForce != null) input.taskForce = taskForce
  if (input.to.length === 0 && taskForce == null) {
    throw new NodeError('BAD_ARGUMENT', 'liaison send: say who receives it: --to PEER_ID[,PEER_ID…] or --task-force ID')
  }
  const inReplyTo = str(p, 'in-reply-to')
  if (inReplyTo != null) input.inReplyTo = inReplyTo
  const timeoutMs = durationFlag(p, 'timeout')
  const handle = await openService(p.dataDir)
  try {
    const result = await handle.service.send(input, { wait: p.values.wait === true, ...(timeoutMs != null ? { timeoutMs } : {}) })
    if (p.json) print(result)
    else process.stdout.write(describeSendResult(result, 'id', handle.running))
    return outcomeCode(result)
  } finally {
    await handle.close()
  }
}

export async function inboxCommand (p: Invocation): Promise<number> {
  const query: { since?: number, from?: string, limit?: number } = {}
  const since = str(p, 'since')
  if (since != null) {
    const t = Date.parse(since)
    if (!/^\d{4}-\d{2}-\d{2}/.test(since) || Number.isNaN(t)) {
      throw new NodeError('BAD_ARGUMENT', `--since ${since}: expected an RFC 3339 time such as 2026-03-01T00:00:00Z (or a date, 2026-03-01)`)
    }
    query.since = t
  }
  const from = str(p, 'from')
  if (from != null) {
    if (!isPeerId(from)) throw new NodeError('BAD_ARGUMENT', `--from ${from}: expected a peer ID (12D3KooW…, see liaison peers list)`)
    query.from = from
  }
  const limit = str(p, 'limit')
  if (limit != null) {
    if (!/^[1-9]\d{0,8}$/.test(limit)) throw new NodeError('BAD_ARGUMENT', `--limit ${limit}: expected a whole number of messages, 1 or more`)
    query.limit = Number(limit)
  }
  const handle = await openService(p.dataDir)
  try {
    const messages = await handle.service.inbox(query)
    if (p.json) print(messages)
    else for (const m of messages) process.stdout.write(`${new Date(m.storedAt).toISOString()}  ${m.id}  ${m.from}  ${m.kind}  TLP:${m.tlp}  ${m.topic}\n`)
    return 0
  } finally {
    await handle.close()
  }
}

export async function outboxCommand (p: Invocation): Promise<number> {
  const handle = await openService(p.dataDir)
  try {
    const records = await handle.service.outbox()
    if (p.values.json === true) print(records)
    else for (const r of records) process.stdout.write(`${r.messageId}  ${r.recipient}  ${r.status}${r.reason != null ? ' ' + r.reason : ''}\n`)
    return 0
  } finally {
    await handle.close()
  }
}

export async function messageCommand (p: Invocation): Promise<number> {
  if (p.sub === 'evidence') return await (await import('./message-evidence-command.ts')).messageEvidenceCommand(p)
  const ref = p.positionals[0]
  const envelope = p.values.envelope === true
  const handle = await openService(p.dataDir)
  try {
    const view = await handle.service.message(ref, { envelope: true })
    if (envelope && !p.json) {
      if (view.envelope == null) {
        throw new NodeError('NOT_FOUND', `the envelope of message ${ref} is no longer stored (purged); liaison message show ${ref} prints what remains`)
      }
      process.stdout.write(Buffer.from(view.envelope, 'base64'))
      return 0
    }
    const shown = showMessage(view, envelope)
    if (p.json) print(shown)
    else process.stdout.write(describeMessage(shown))
    return 0
  } finally {
    await handle.close()
  }
}
