/**
 * Command definitions of the group "Audit and reports": audit, report.
 *
 * @module
 */
import { flag, flagsOf, type CommandSpec, type Flags } from '../spec.ts'
import { apiOutput, cliOutput } from '../output.ts'
import { lazy } from './flags.ts'

export const AUDIT_COMMANDS: CommandSpec[] = [
  {
    name: 'audit',
    group: 'audit',
    summary: "the offline auditor's toolkit: verify, export, prove, checkpoint (stopped node or a copy)",
    subcommands: {
      verify: {
        summary: 'check the audit log, checkpoints, messages and receipts; exit 0 only if every check passed',
        flags: {
          bundle: flag.string('verify an exported bundle instead of a data directory', { placeholder: 'DIR' }),
          workers: flag.string('signature-checking threads (default: one per core)', { placeholder: 'N' }),
          'expect-node': flag.string("fail (NODE_MISMATCH) unless the record is this node's", { placeholder: 'PEER_ID' }),
          thorough: flag.boolean('also re-check every inclusion proof and envelope byte for byte'),
          openssl: flag.boolean('check signatures with node:crypto (OpenSSL) instead of libsodium')
        },
        output: cliOutput('VerifyReport'),
        examples: ['liaison audit verify --bundle /media/usb/audit-2026-03 --expect-node 12D3KooW…']
      },
      export: {
        summary: 'write an audit bundle an auditor can check without Liaison (VERIFY.md inside)',
        flags: {
          out: flag.string('the bundle directory to create, or a FILE.zip archive (never overwritten)', { placeholder: 'DIR|FILE.zip', required: true }),
          since: flag.string('only messages since this RFC 3339 time, or this long ago (30d)', { placeholder: 'WHEN' }),
          peer: flag.string('only messages exchanged with this peer', { placeholder: 'PEER_ID' })
        },
        output: cliOutput('AuditExport'),
        examples: ['liaison audit export --out /media/usb/audit-2026-03 --since 30d', 'liaison audit export --out audit-2026-03.zip']
      },
      prove: {
        summary: 'where a message is in the audit log, with inclusion proofs',
        args: 'DIGEST',
        output: cliOutput('DigestProof'),
        examples: ['liaison audit prove 3f2a…(64 hex digits)']
      },
      checkpoint: {
        summary: 'sign a checkpoint of the audit log now (uses the node key)',
        output: cliOutput('Checkpoint'),
        examples: ['liaison audit checkpoint']
      },
      witnesses: {
        summary: "peers' checkpoints this node cosigned, and inconsistency alerts (exit 1 if any)",
        output: apiOutput('witnesses'),
        examples: ['liaison audit witnesses --json']
      },
      'split-view': {
        summary: "a witness alert's two signed checkpoints as files for an auditor (default: the latest SPLIT_VIEW)",
        flags: {
          out: flag.string('the directory to write', { placeholder: 'DIR', required: true }),
          alert: flag.string('the alert number (see audit witnesses)', { placeholder: 'SEQ' })
        },
        output: cliOutput('SplitView'),
        examples: ['liaison audit split-view --out evidence/']
      }
    },
    run: lazy(async () => await import('../audit-commands.ts'), 'auditCommand')
  },
  {
    name: 'report',
    group: 'audit',
    summary: 'the cooperation report from the audit log, or verify one against the log',
    subcommands: {
      '': {
        summary: 'compute the report (running node: through its API; stopped: from the store; or from a bundle)',
        flags: {
          from: flag.string('first day (YYYY-MM-DD or RFC 3339)', { placeholder: 'DATE' }),
          to: flag.string('last day (YYYY-MM-DD or RFC 3339)', { placeholder: 'DATE' }),
          by: flag.list('group the counts by', {
            placeholder: 'DIMENSION',
            choices: ['peer', 'topic', 'agreement', 'kind', 'tlp', 'week', 'month', 'taskforce']
          }),
          format: flag.string('output format (--json is --format json)', { placeholder: 'FORMAT', choices: ['text', 'json', 'csv', 'html'], default: 'text' }),
          out: flag.string('write the report to this file', { placeholder: 'FILE' }),
          sign: flag.boolean('write the signed DSSE envelope of the JSON report (node key)'),
          bundle: flag.string('compute from an exported audit bundle', { placeholder: 'DIR' })
        },
        output: apiOutput('report'),
        examples: ['liaison report --from 2026-01-01 --to 2026-03-31 --by peer --by month --format html --out q1.html']
      },
      verify: {
        summary: 'recompute a report from the log and compare (exit 0 only if it matches); on a running node, the node recomputes it (local API)',
        args: 'REPORT',
        flags: { bundle: flag.string('compare with an exported audit bundle', { placeholder: 'DIR' }) },
        output: cliOutput('ReportVerdict'),
        examples: ['liaison report verify q1.report.dsse.json --bundle /media/usb/audit-2026-03']
      }
    },
    run: lazy(async () => await import('../report-commands.ts'), 'reportCommand')
  }
]

function auditSpec (): CommandSpec {
  const spec = AUDIT_COMMANDS.find(c => c.name === 'audit')
  if (spec == null) throw new Error('no audit command definition')
  return spec
}

/**
 * Every flag each `audit` subcommand takes besides the common ones, from its definition above:
 * the list test/unit/audit-cli-flags.test.ts walks, so a flag added here without a test that
 * shows its effect fails that test. (Here, not in audit-commands.ts, which this file loads
 * lazily: the handler module does not import its own definition back.)
 */
export const AUDIT_OPTIONS: Readonly<Record<string, Flags>> = Object.fromEntries(
  Object.entries(auditSpec().subcommands ?? {}).map(([sub, s]) => [sub, s.flags ?? {}])
)

/** Every flag `audit SUB` accepts, the common ones included (without leading dashes). */
export function auditFlags (sub: string): string[] {
  return Object.keys(flagsOf(auditSpec(), sub))
}
