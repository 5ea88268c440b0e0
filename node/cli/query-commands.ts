/**
 * `liaison query --to PEER --type T (--selector V | --file FILE) --legal-basis ID --purpose TEXT`,
 * `liaison query follow-up HIT_REF --reason TEXT` and `liaison query pending`: hit/no-hit
 * queries (PROTOCOL.md §19), and `liaison query unpin PEER` (after a confirmed OPRF key
 * rotation), through the running node's local API. A query needs a running node
 * (it is an online exchange); the answers name each selector by its position and as given, on
 * this operator's terminal only — nothing here logs a selector.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { ApiClient } from '../api/client.ts'
import { readApiToken } from '../config/index.ts'
import { NodeError } from '../errors.ts'
import type { QueryOutcome } from '../query/exchange.ts'
import { parseCsv } from '../query/csv.ts'
import { print, str, type Parsed } from './args.ts'
import type { Invocation } from './spec.ts'
import { readRuntime } from './context.ts'

async function client (p: Parsed): Promise<ApiClient> {
  const runtime = await readRuntime(p.dataDir)
  if (runtime == null) throw new NodeError('NODE_NOT_RUNNING', 'a query is an online exchange: start the node first (liaison start)')
  return new ApiClient(runtime.apiUrl, await readApiToken(p.dataDir))
}

/** Selectors from a CSV with a `selector` column (or --selector-column), or one per line. */
async function selectorsFrom (file: string, column: string | undefined): Promise<string[]> {
  const text = await readFile(file, 'utf8')
  const first = text.split(/\r?\n/, 1)[0]
  if (column !== undefined || first.split(',').map(s => s.trim()).includes('selector')) {
    const { header, rows } = parseCsv(text)
    const col = column ?? 'selector'
    if (!header.includes(col)) throw new NodeError('BAD_ARGUMENT', `CSV has no column ${JSON.stringify(col)} (columns: ${header.join(', ')})`)
    return rows.map(r => r.cells[col])
  }
  return text.split(/\r?\n/).map(s => s.trim()).filter(s => s !== '')
}

export async function queryCommand (p: Invocation): Promise<number> {
  const sub = p.sub
  if (sub === 'follow-up') {
    const hitRef = p.positionals[0]
    const result = await (await client(p)).call('POST', '/v1/queries/follow-up', { hitRef, reason: str(p, 'reason', true) })
    if (p.values.json === true) print(result)
    else process.stdout.write(`follow-up sent (rfi ${(result as { digest?: string }).digest ?? ''})\n`)
    return 0
  }
  if (sub === 'unpin') {
    const peer = p.positionals[0]
    const result = await (await client(p)).call<{ unpinned: string }>('DELETE', `/v1/queries/pins/${encodeURIComponent(peer)}`)
    if (p.json) print(result)
    else process.stdout.write(`unpinned the OPRF key of ${result.unpinned}; the next query pins the key its card now names\n`)
    return 0
  }
  if (sub === 'pending') {
    const list = await (await client(p)).call<
      Array<{ message: string, from: string, type: string, hitRef: string, localRef: string | null, reason: string, received: string }>
    >('GET', '/v1/queries/pending')
    if (p.values.json === true) print(list)
    else if (list.length === 0) process.stdout.write('no pending follow-ups\n')
    else {for (const f of list) {
        process.stdout.write(
          `${f.received}  ${f.from}  ${f.type}  ref ${f.localRef ?? '(no longer indexed)'}  message ${f.message.slice(0, 16)}  reason: ${f.reason}\n`
        )
      }}
    return 0
  }
  const file = str(p, 'file')
  const given = (p.values.selector as string[] | undefined) ?? []
  if ((file === undefined) === (given.length === 0)) throw new NodeError('BAD_ARGUMENT', 'give --selector VALUE (repeatable) or --file FILE, not both')
  const selectors = file !== undefined ? await selectorsFrom(file, str(p, 'selector-column')) : given
  const region = str(p, 'region')
  const outcome = await (await client(p)).call<QueryOutcome>('POST', '/v1/queries', {
    to: str(p, 'to', true),
    type: str(p, 'type', true),
    selectors,
    legalBasis: str(p, 'legal-basis', true),
    purpose: str(p, 'purpose', true),
    ...(region !== undefined ? { region } : {})
  })
  if (p.values.json === true) {
    print(outcome)
    return 0
  }
  for (const r of outcome.results) {
    process.stdout.write(`${String(r.index + 1).padStart(4)}  ${r.result.padEnd(6)}  ${r.hitRef ?? '-'.padEnd(32)}  ${selectors[r.index]}\n`)
  }
  process.stdout.write(`${outcome.hits} hit(s) of ${outcome.count}; query ${outcome.queryId}\n`)
  if (outcome.keyChange !== undefined) {
    process.stdout.write(
      `the peer's OPRF key changed from ${outcome.keyChange.previousKeyId} to ${outcome.keyChange.keyId} (epoch ${outcome.keyChange.epoch}): its signed key ` +
        `notice was verified and the new key pinned (audited)\n`
    )
  }
  return 0
}
