/**
 * `liaison policy show|reload|check`.
 *
 * @module
 */
import { NodeError } from '../errors.ts'
import type { MessageKind, Tlp } from '../../protocol/types.ts'
import { str, list, print } from './args.ts'
import type { Invocation } from './spec.ts'
import { openService } from './context.ts'

export async function policyCommand (p: Invocation): Promise<number> {
  const sub = p.sub
  const handle = await openService(p.dataDir)
  try {
    const s = handle.service
    switch (sub) {
      case 'show':
      case 'reload': {
        if (sub === 'reload' && !handle.running) {
          throw new NodeError('NODE_NOT_RUNNING', 'no running node to reload (a stopped node reads policy.json when it starts)')
        }
        const policy = sub === 'show' ? await s.policy() : await s.reloadPolicy()
        if (p.json) print(policy)
        else process.stdout.write((sub === 'reload' ? 'policy reloaded; in force now:\n' : '') + outline(policy))
        return 0
      }
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
          for (const c of decision.checks) {
            process.stdout.write(`  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(32)} ${c.detail}${c.ok ? '' : `  [${c.reason}]`}\n`)
          }
          process.stdout.write(decision.decision === 'accept' ? 'decision: accept\n' : `decision: reject ${decision.reason}\n`)
        }
        return decision.decision === 'accept' ? 0 : 1
      }
      default:
        throw new NodeError('INTERNAL', `no handler for policy ${sub}`)
    }
  } finally {
    await handle.close()
  }
}

/** A JSON value as aligned `dotted.key  value` lines (lists comma-separated). */
export function outline (value: unknown): string {
  const rows: Array<[string, string]> = []
  const walk = (v: unknown, key: string): void => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const entries = Object.entries(v)
      if (entries.length === 0) rows.push([key, '(none)'])
      for (const [k, inner] of entries) walk(inner, key === '' ? k : `${key}.${k}`)
    } else if (Array.isArray(v)) {
      rows.push([key, v.length === 0 ? '(none)' : v.every(x => typeof x !== 'object' || x === null) ? v.join(', ') : JSON.stringify(v)])
    } else {
      rows.push([key, String(v)])
    }
  }
  walk(value, '')
  const width = Math.max(0, ...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n'
}
