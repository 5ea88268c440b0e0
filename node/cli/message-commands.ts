/**
 * `liaison send`, `inbox`, `outbox`, `message show`.
 *
 * @module
 */
import { parseDuration } from '../../protocol/time.ts'
import { parseStrictJson, utf8Decode } from '../../protocol/json.ts'
import type { MessageKind, Tlp } from '../../protocol/types.ts'
import { NodeError } from '../errors.ts'
import type { SendInput } from '../service.ts'
import { parse, str, list, print, readInput } from './args.ts'
import { openService } from './context.ts'

export async function sendCommand (argv: string[]): Promise<number> {
  const p = parse(argv, {
    to: { type: 'string', multiple: true },
    'task-force': { type: 'string' },
    kind: { type: 'string' },
    tlp: { type: 'string' },
    topic: { type: 'string' },
    'legal-basis': { type: 'string' },
    expires: { type: 'string' },
    handling: { type: 'string', multiple: true },
    'in-reply-to': { type: 'string' },
    body: { type: 'string' },
    wait: { type: 'boolean', default: false },
    timeout: { type: 'string' }
  })
  const bodyFile = str(p, 'body')
  let body: unknown = {}
  if (bodyFile != null) {
    try {
      body = parseStrictJson(utf8Decode(await readInput(bodyFile)))
    } catch (err) {
      throw new NodeError('BAD_ARGUMENT', `--body: ${(err as Error).message}`, { cause: err })
    }
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new NodeError('BAD_ARGUMENT', '--body must hold a JSON object')
  const input: SendInput = {
    to: list(p, 'to'),
    kind: (str(p, 'kind') ?? 'report') as MessageKind,
    tlp: str(p, 'tlp', true) as Tlp,
    topic: str(p, 'topic', true) as string,
    legalBasis: str(p, 'legal-basis', true) as string,
    handling: list(p, 'handling'),
    body: body as Record<string, unknown>
  }
  const expires = str(p, 'expires')
  if (expires != null) {
    if (/^\d+(ms|s|m|h|d)$/.test(expires)) input.ttlMs = parseDuration(expires)
    else input.expires = expires
  }
  const taskForce = str(p, 'task-force')
  if (taskForce != null) input.taskForce = taskForce
  const inReplyTo = str(p, 'in-reply-to')
  if (inReplyTo != null) input.inReplyTo = inReplyTo
  const timeout = str(p, 'timeout')
  const handle = await openService(p.dataDir)
  try {
    const result = await handle.service.send(input, { wait: p.values.wait === true, ...(timeout != null ? { timeoutMs: parseDuration(timeout) } : {}) })
    if (p.values.json === true) print(result)
    else {
      process.stdout.write(`id      ${result.id}\ndigest  ${result.digest}\n`)
      for (const r of result.recipients) process.stdout.write(`  ${r.peerId}  ${r.status}${r.reason != null ? ' ' + r.reason : ''}${r.detail != null ? ': ' + r.detail : ''}\n`)
      if (!handle.running) process.stdout.write('(node not running: queued; it is delivered when the node starts)\n')
    }
    const bad = result.recipients.some(r => r.status === 'refused' || r.status === 'rejected' || r.status === 'expired' || r.status === 'cancelled')
    return bad ? 1 : 0
  } finally {
    await handle.close()
  }
}

export async function inboxCommand (argv: string[]): Promise<number> {
  const p = parse(argv, { since: { type: 'string' }, from: { type: 'string' }, limit: { type: 'string' } })
  const query: { since?: number, from?: string, limit?: number } = {}
  const since = str(p, 'since')
  if (since != null) {
    const t = Date.parse(since)
    if (Number.isNaN(t)) throw new NodeError('BAD_ARGUMENT', `--since: ${since} is not a date`)
    query.since = t
  }
  const from = str(p, 'from')
  if (from != null) query.from = from
  const limit = str(p, 'limit')
  if (limit != null) query.limit = Number(limit)
  const handle = await openService(p.dataDir)
  try {
    const messages = await handle.service.inbox(query)
    if (p.values.json === true) print(messages)
    else for (const m of messages) process.stdout.write(`${new Date(m.storedAt).toISOString()}  ${m.id}  ${m.from}  ${m.kind}  TLP:${m.tlp}  ${m.topic}\n`)
    return 0
  } finally {
    await handle.close()
  }
}

export async function outboxCommand (argv: string[]): Promise<number> {
  const p = parse(argv, {})
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

export async function messageCommand (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub !== 'show') throw new NodeError('BAD_ARGUMENT', 'usage: liaison message show ID|DIGEST [--envelope]')
  const p = parse(rest, { envelope: { type: 'boolean', default: false } })
  const ref = p.positionals[0]
  if (ref == null) throw new NodeError('BAD_ARGUMENT', 'message show needs an ID or DIGEST')
  const handle = await openService(p.dataDir)
  try {
    const view = await handle.service.message(ref, { envelope: p.values.envelope === true })
    if (p.values.envelope === true && p.values.json !== true) {
      if (view.envelope == null) throw new NodeError('NOT_FOUND', `the envelope of ${ref} is no longer stored (purged)`)
      process.stdout.write(Buffer.from(view.envelope, 'base64'))
      return 0
    }
    print(view)
    return 0
  } finally {
    await handle.close()
  }
}
