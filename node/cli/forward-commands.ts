/**
 * `liaison forward MESSAGE_ID --to C` and `liaison release request|grant|deny|list`.
 *
 * @module
 */
import { parseDuration } from '../../protocol/time.ts'
import { NodeError } from '../errors.ts'
import { durationFlag, str, list, print } from './args.ts'
import type { Invocation } from './spec.ts'
import { openService } from './context.ts'
import { describeSendResult, outcomeCode } from './message-commands.ts'
import { EXIT } from './exit-codes.ts'
import type { LiaisonService, SendResult } from '../service/index.ts'
import type { MessageMeta } from '../store/index.ts'
import { DEFAULT_WAIT_TIMEOUT_MS } from '../defaults.ts'

/**
 * The legal basis of a forward when --legal-basis is not given: the message's own agreement if
 * it is valid now with every new recipient, else the one agreement valid now with all of them;
 * anything else is for the operator to decide, and the error names what each recipient holds.
 */
async function defaultBasis (s: LiaisonService, meta: MessageMeta, to: string[], now: number): Promise<string> {
  const valid = new Map<string, string[]>()
  for (const peerId of to) {
    const record = await s.peer(peerId).catch(() => undefined)
    if (record == null) throw new NodeError('UNKNOWN_PEER', `--to ${peerId}: not on the trust list (liaison peers list)`)
    valid.set(peerId, record.agreements.filter(a => Date.parse(a.validFrom) <= now && now <= Date.parse(a.validUntil)).map(a => a.id))
  }
  const lists = [...valid.values()]
  if (lists.every(l => l.includes(meta.legalBasis))) return meta.legalBasis
  const common = lists.reduce((acc, l) => acc.filter(id => l.includes(id)))
  if (common.length === 1) return common[0]
  const held = [...valid].map(([peer, ids]) => `${peer}: ${ids.length > 0 ? ids.join(', ') : 'none valid now'}`).join('; ')
  throw new NodeError(
    'AGREEMENT_INVALID',
    `message ${meta.id} came under ${meta.legalBasis}, which is not valid now with every new recipient, and ${
      common.length === 0 ? 'no other agreement is valid with all of them' : `${common.length} agreements are (${common.join(', ')})`
    }; name the one to use with --legal-basis (agreements valid now: ${held})`
  )
}

/** Wait until every queued recipient's forward is answered (like send --wait), or the timeout. */
async function waitForForwards (s: LiaisonService, original: string, result: SendResult, since: number, timeoutMs: number): Promise<SendResult> {
  const queued = new Set(result.recipients.filter(r => r.status === 'queued').map(r => r.peerId))
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const forwards = (await s.sent({ since })).filter(m => m.original?.digest === original)
    const deliveries = (await Promise.all(forwards.map(async m => (await s.message(m.digest)).deliveries ?? []))).flat().filter(d => queued.has(d.recipient))
    const settled = deliveries.length >= queued.size && deliveries.every(d => d.status !== 'pending')
    if (settled || Date.now() >= deadline) {
      const byPeer = new Map(deliveries.map(d => [d.recipient, d]))
      return {
        ...result,
        recipients: result.recipients.map(r => {
          const d = byPeer.get(r.peerId)
          if (r.status !== 'queued' || d == null) return r
          if (d.status === 'pending') return { peerId: r.peerId, status: 'pending', reason: 'TIMEOUT' }
          return { peerId: r.peerId, status: d.status, ...(d.reason != null ? { reason: d.reason } : {}) }
        })
      }
    }
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

export async function forwardCommand (p: Invocation): Promise<number> {
  const ref = p.positionals[0]
  const to = list(p, 'to')
  const wait = p.values.wait === true
  const timeoutMs = durationFlag(p, 'timeout') ?? DEFAULT_WAIT_TIMEOUT_MS
  const handle = await openService(p.dataDir)
  try {
    const s = handle.service
    if (wait && !handle.running) {
      throw new NodeError('NODE_NOT_RUNNING', '--wait needs a running node (start it with `liaison start`); without --wait the forward is queued')
    }
    const { meta } = await s.message(ref)
    if (meta.direction !== 'in') throw new NodeError('BAD_ARGUMENT', `message ${ref} was sent by this node; forward passes on a received message`)
    const since = Date.now()
    const basis = str(p, 'legal-basis') ?? await defaultBasis(s, meta, to, since)
    let result = await s.forward(ref, to, basis)
    if (wait) result = await waitForForwards(s, meta.digest, result, since - 1000, timeoutMs)
    if (p.json) print(result)
    else process.stdout.write(describeSendResult(result, 'forward', handle.running) + (str(p, 'legal-basis') == null ? `legal basis ${basis}\n` : ''))
    const code = outcomeCode(result)
    if (code === EXIT.UNAVAILABLE && !p.json) {
      const open = result.recipients.filter(r => r.status === 'pending').map(r => r.peerId)
      process.stderr.write(`error TIMEOUT: no final receipt from ${open.join(', ')} within --timeout ${str(p, 'timeout') ?? '60s'}; the forward stays queued\n`)
    }
    return code
  } finally {
    await handle.close()
  }
}

export async function releaseCommand (p: Invocation): Promise<number> {
  const sub = p.sub
  const handle = await openService(p.dataDir)
  try {
    const s = handle.service
    const id = (): string => {
      const v = p.positionals[0]
      if (v == null) throw new NodeError('BAD_ARGUMENT', `liaison release ${sub ?? ''} needs an ID`)
      return v
    }
    switch (sub) {
      case 'request': {
        const record = await s.requestRelease(id(), str(p, 'to', true) as string, str(p, 'reason', true) as string)
        if (p.values.json === true) print(record)
        else process.stdout.write(`release request ${record.requestId} sent to the originator ${record.originator}\n`)
        return 0
      }
      case 'grant':
      case 'deny': {
        const valid = str(p, 'valid')
        const reason = str(p, 'reason')
        const record = await s.answerRelease(id(), sub === 'grant' ? 'granted' : 'denied', {
          ...(valid != null ? { validMs: parseDuration(valid) } : {}),
          ...(reason != null ? { reason } : {})
        })
        if (p.values.json === true) print(record)
        else {process.stdout.write(
            `release ${record.requestId} ${record.status}${record.grantExpires != null && record.status === 'granted' ? ` until ${record.grantExpires}` : ''}\n`
          )}
        return 0
      }
      case 'list': {
        const records = await s.releases()
        if (p.values.json === true) print(records)
        else {for (const r of records) {
            process.stdout.write(
              `${r.requestId}  ${r.direction === 'in' ? 'asked of us' : 'we asked '}  ${
                r.status.padEnd(7)
              }  message ${r.messageId}  → ${r.recipient}  "${r.reason}"\n`
            )
          }}
        return 0
      }
      default:
        throw new NodeError('INTERNAL', `no handler for release ${sub}`)
    }
  } finally {
    await handle.close()
  }
}
