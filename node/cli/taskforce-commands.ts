/**
 * `liaison taskforce propose|show|list|sign|decline|amend|leave|dissolve|verify`: joint task
 * forces (PROTOCOL.md §21, docs/taskforces.md), through the running node's local API — a
 * proposal or a signature is a notice to the other members, queued in the node's outbox.
 * `verify` is offline: it checks an exported history (`show ID --history --json`) with the
 * signatures alone. Messages to a task force: `liaison send --task-force ID …`.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { parseDuration } from '../../protocol/time.ts'
import { memberIds, verifyHistory } from '../../protocol/taskforce/index.ts'
import { ApiClient } from '../api/client.ts'
import { readApiToken } from '../config/index.ts'
import { NodeError } from '../errors.ts'
import type { TaskForceDetail, TaskForceSummary } from '../taskforce/index.ts'
import { list, parse, print, str, type Parsed } from './args.ts'
import { readRuntime } from './context.ts'
import { flagsOf, type CommandSpec } from './spec.ts'

/** `liaison taskforce SUB …`; `TASKFORCE` is its definition (commands/taskforce.ts, which loads this module lazily and hands itself in). */
export async function taskforceCommand (argv: string[], TASKFORCE: CommandSpec): Promise<number> {
  const [sub, ...rest] = argv
  const spec = sub != null ? TASKFORCE.subcommands?.[sub] : undefined
  if (sub == null || spec == null) throw new NodeError('BAD_ARGUMENT', `usage: liaison taskforce ${Object.keys(TASKFORCE.subcommands ?? {}).join('|')} …`)
  const p = parse(rest, flagsOf(TASKFORCE, sub))
  for (const [name, f] of Object.entries(spec.flags ?? {})) {
    if (f.required === true && p.values[name] == null) throw new NodeError('BAD_ARGUMENT', `--${name} is required`)
  }
  if (sub === 'verify') return await verify(p)
  const api = await client(p)
  const id = (): string => {
    const v = p.positionals[0]
    if (v == null) throw new NodeError('BAD_ARGUMENT', `usage: liaison taskforce ${sub} ID`)
    return encodeURIComponent(v)
  }
  switch (sub) {
    case 'list': {
      const all = await api.call<TaskForceSummary[]>('GET', '/v1/taskforces')
      if (p.values.json === true) print(all)
      else if (all.length === 0) process.stdout.write('no task forces\n')
      else {for (const t of all) {
          process.stdout.write(
            `${t.id}  ${t.state.padEnd(19)}  v${t.version ?? '-'}/${t.latest}${t.awaitingMySignature ? '  (awaits your signature)' : ''}  ${t.name}\n`
          )
        }}
      return 0
    }
    case 'show':
      return show(p, await api.call<TaskForceDetail>('GET', `/v1/taskforces/${id()}${p.values.history === true ? '?history=true' : ''}`))
    case 'propose':
      return show(
        p,
        await api.call<TaskForceDetail>('POST', '/v1/taskforces', {
          name: str(p, 'name', true),
          purpose: str(p, 'purpose', true),
          legalBasis: str(p, 'legal-basis', true),
          members: list(p, 'member'),
          topics: list(p, 'topic'),
          maxTlp: str(p, 'max-tlp', true),
          ...common(p)
        })
      )
    case 'sign':
      return show(p, await api.call<TaskForceDetail>('POST', `/v1/taskforces/${id()}/sign`, { ...optional(p, 'digest') }))
    case 'decline':
      return show(p, await api.call<TaskForceDetail>('POST', `/v1/taskforces/${id()}/decline`, { ...optional(p, 'digest'), ...optional(p, 'reason') }))
    case 'amend': {
      const body: Record<string, unknown> = { ...common(p), ...optional(p, 'name'), ...optional(p, 'purpose') }
      const basis = str(p, 'legal-basis')
      if (basis != null) body.legalBasis = basis
      for (const [flagName, key] of [['add', 'add'], ['remove', 'remove'], ['topic', 'topics']] as const) {
        if (list(p, flagName).length > 0) body[key] = list(p, flagName)
      }
      const tlp = str(p, 'max-tlp')
      if (tlp != null) body.maxTlp = tlp
      return show(p, await api.call<TaskForceDetail>('POST', `/v1/taskforces/${id()}/amend`, body))
    }
    default:
      return show(p, await api.call<TaskForceDetail>('POST', `/v1/taskforces/${id()}/${sub}`))
  }
}

async function client (p: Parsed): Promise<ApiClient> {
  const runtime = await readRuntime(p.dataDir)
  if (runtime == null) {
    throw new NodeError('NODE_NOT_RUNNING', 'task forces are managed through the running node (liaison start); `taskforce verify` works offline')
  }
  return new ApiClient(runtime.apiUrl, await readApiToken(p.dataDir))
}

function optional (p: Parsed, name: string): Record<string, string> {
  const v = str(p, name)
  return v != null ? { [name]: v } : {}
}

/** The flags propose and amend share, as API fields. */
function common (p: Parsed): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const handling = list(p, 'handling')
  if (handling.length > 0) out.handling = handling
  const from = str(p, 'from')
  if (from != null) out.validFrom = instantOf(from, 'from')
  const until = str(p, 'until')
  if (until != null) out.validUntil = instantOf(until, 'until')
  const quorum = str(p, 'quorum')
  if (quorum != null) {
    if (!/^[1-9]\d*$/.test(quorum)) throw new NodeError('BAD_ARGUMENT', `--quorum ${quorum} is not a positive integer`)
    out.quorum = Number(quorum)
  }
  return out
}

/** RFC 3339 with milliseconds, from a time, a date (its last millisecond, UTC) or a duration from now. */
export function instantOf (text: string, flagName: string, nowMs = Date.now()): string {
  if (/^\d+(ms|s|m|h|d)$/.test(text)) return new Date(nowMs + parseDuration(text)).toISOString()
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T23:59:59.999Z`) : Date.parse(text)
  if (Number.isNaN(ms)) throw new NodeError('BAD_ARGUMENT', `--${flagName} ${text} is not a time, a date or a duration like 90d`)
  return new Date(ms).toISOString()
}

function show (p: Parsed, t: TaskForceDetail): number {
  if (p.values.json === true) {
    print(t)
    return 0
  }
  const c = t.charter
  process.stdout.write([
    `${t.id}  ${c.name}`,
    `state     ${t.state}${t.version != null ? ` (version ${t.version} of ${t.latest})` : ` (latest version ${t.latest})`}${
      t.awaitingMySignature ? '; a version awaits your signature' : ''
    }`,
    `purpose   ${c.purpose}`,
    `basis     ${c.legalBasis}   valid ${c.validFrom} … ${c.validUntil}`,
    `topics    ${c.topics.join(', ')}   max TLP:${c.maxTlp}   handling ${c.handling.join(', ') || '-'}   quorum ${c.governance.quorum} of ${c.members.length}`,
    'members',
    ...c.members.map(m => `  ${m.peerId}  ${m.name}${m.jurisdiction != null ? ` (${m.jurisdiction})` : ''}`),
    'versions',
    ...t.versions.map(v =>
      `  v${v.version}  ${v.status.padEnd(10)} ${(v.kind ?? '-').padEnd(11)} ${v.digest.slice(0, 16)}  signed by ${v.signers.length}: ${
        v.signers.map(s => s.slice(-6)).join(' ')
      }${v.declines.length > 0 ? `; declined by ${v.declines.map(d => d.peerId.slice(-6)).join(' ')}` : ''}`
    ),
    ''
  ].join('\n'))
  return 0
}

/** `taskforce verify FILE`: the file is `show ID --history --json` output (or a JSON array of base64 envelopes). */
async function verify (p: Parsed): Promise<number> {
  const file = p.positionals[0]
  if (file == null) throw new NodeError('BAD_ARGUMENT', 'usage: liaison taskforce verify FILE')
  let doc: unknown
  try {
    doc = JSON.parse(await readFile(file, 'utf8'))
  } catch (err) {
    throw new NodeError('BAD_ARGUMENT', `${file}: ${(err as Error).message}`, { cause: err })
  }
  const history = Array.isArray(doc) ? doc : (doc as { history?: unknown } | null)?.history
  if (!Array.isArray(history) || history.some(h => typeof h !== 'string')) {
    throw new NodeError('BAD_ARGUMENT', `${file} holds no history (export one with: liaison taskforce show ID --history --json)`)
  }
  const chain = verifyHistory(history.map(h => new Uint8Array(Buffer.from(h as string, 'base64'))))
  const out = {
    valid: chain.valid.map(l => ({ version: l.charter.version, digest: l.digest, kind: l.kind, members: memberIds(l.charter), signers: l.signers })),
    pending: chain.pending.map(s => ({ version: s.charter.version, digest: s.digest, signers: s.signers })),
    superseded: chain.superseded.map(s => ({ version: s.charter.version, digest: s.digest, signers: s.signers }))
  }
  if (p.values.json === true) print(out)
  else {
    for (const v of out.valid) {
      process.stdout.write(`v${v.version}  valid    ${v.kind.padEnd(11)} ${v.digest}  ${v.signers.length} signature(s) of ${v.members.length} members\n`)
    }
    for (const v of out.pending) {
      process.stdout.write(`v${v.version}  pending  ${''.padEnd(11)} ${v.digest}  ${v.signers.length} signature(s): not enough for the quorum\n`)
    }
  }
  return out.superseded.length === 0 ? 0 : 1
}
