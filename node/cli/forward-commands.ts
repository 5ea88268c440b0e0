/**
 * `liaison forward MESSAGE_ID --to C` and `liaison release request|grant|deny|list`.
 *
 * @module
 */
import { parseDuration } from '../../protocol/time.ts'
import { NodeError } from '../errors.ts'
import { parse, str, list, print } from './args.ts'
import { openService } from './context.ts'

export async function forwardCommand (argv: string[]): Promise<number> {
  const p = parse(argv, { to: { type: 'string', multiple: true }, 'legal-basis': { type: 'string' } })
  const ref = p.positionals[0]
  if (ref == null) throw new NodeError('BAD_ARGUMENT', 'usage: liaison forward MESSAGE_ID --to PEER_ID [--legal-basis L]')
  const to = list(p, 'to')
  if (to.length === 0) throw new NodeError('BAD_ARGUMENT', '--to is required')
  const handle = await openService(p.dataDir)
  try {
    const result = await handle.service.forward(ref, to, str(p, 'legal-basis'))
    if (p.values.json === true) print(result)
    else {
      process.stdout.write(`forward ${result.id}\ndigest  ${result.digest}\n`)
      for (const r of result.recipients) process.stdout.write(`  ${r.peerId}  ${r.status}${r.reason != null ? ' ' + r.reason : ''}\n`)
    }
    return result.recipients.some(r => r.status === 'refused') ? 1 : 0
  } finally {
    await handle.close()
  }
}

export async function releaseCommand (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  const p = parse(rest, { to: { type: 'string' }, reason: { type: 'string' }, valid: { type: 'string' } })
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
        const record = await s.answerRelease(id(), sub === 'grant' ? 'granted' : 'denied', { ...(valid != null ? { validMs: parseDuration(valid) } : {}), ...(reason != null ? { reason } : {}) })
        if (p.values.json === true) print(record)
        else process.stdout.write(`release ${record.requestId} ${record.status}${record.grantExpires != null && record.status === 'granted' ? ` until ${record.grantExpires}` : ''}\n`)
        return 0
      }
      case 'list': {
        const records = await s.releases()
        if (p.values.json === true) print(records)
        else for (const r of records) process.stdout.write(`${r.requestId}  ${r.direction === 'in' ? 'asked of us' : 'we asked '}  ${r.status.padEnd(7)}  message ${r.messageId}  → ${r.recipient}  "${r.reason}"\n`)
        return 0
      }
      default:
        throw new NodeError('BAD_ARGUMENT', 'usage: liaison release request MESSAGE_ID --to C --reason TEXT | grant ID [--valid 7d] | deny ID [--reason TEXT] | list')
    }
  } finally {
    await handle.close()
  }
}
