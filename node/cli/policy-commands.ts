/**
 * `liaison policy show|reload|check`.
 *
 * @module
 */
import { NodeError } from '../errors.ts'
import type { MessageKind, Tlp } from '../../protocol/types.ts'
import { parse, str, list, print } from './args.ts'
import { openService } from './context.ts'

export async function policyCommand (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  const p = parse(rest, {
    to: { type: 'string' },
    tlp: { type: 'string' },
    topic: { type: 'string' },
    kind: { type: 'string' },
    'legal-basis': { type: 'string' },
    handling: { type: 'string', multiple: true }
  })
  const handle = await openService(p.dataDir)
  try {
    const s = handle.service
    switch (sub) {
      case 'show':
        print(await s.policy())
        return 0
      case 'reload':
        if (!handle.running) throw new NodeError('NODE_NOT_RUNNING', 'no running node to reload (a stopped node reads policy.json when it starts)')
        print(await s.reloadPolicy())
        return 0
      case 'check': {
        const decision = await s.checkPolicy({
          to: str(p, 'to', true) as string,
          tlp: str(p, 'tlp', true) as Tlp,
          topic: str(p, 'topic', true) as string,
          kind: (str(p, 'kind') ?? 'report') as MessageKind,
          legalBasis: str(p, 'legal-basis', true) as string,
          handling: list(p, 'handling')
        })
        if (p.values.json === true) print(decision)
        else {
          for (const c of decision.checks) process.stdout.write(`  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(32)} ${c.detail}${c.ok ? '' : `  [${c.reason}]`}\n`)
          process.stdout.write(decision.decision === 'accept' ? 'decision: accept\n' : `decision: reject ${decision.reason}\n`)
        }
        return decision.decision === 'accept' ? 0 : 1
      }
      default:
        throw new NodeError('BAD_ARGUMENT', 'usage: liaison policy show|reload|check …')
    }
  } finally {
    await handle.close()
  }
}
