/**
 * `liaison index add|remove|list|rotate-key`: the node's own reference data for hit/no-hit
 * queries (PROTOCOL.md §19.3), in DATA_DIR/query-index. Output never repeats a refused value:
 * refusals name the CSV line (or entry) and the rule.
 *
 * @module
 */
import { join, resolve } from 'node:path'
import { NodeError } from '../errors.ts'
import { IndexStore, openCsv, type IndexEntry } from '../query/index.ts'
import { SELECTOR_TYPE_NAMES } from '../../protocol/selectors/index.ts'
import { print, str } from './args.ts'
import type { Invocation } from './spec.ts'
import { rotateIndexKey } from './index-rotate-key.ts'

/** The index's LevelDB directory inside a data directory. */
export function indexDir (dataDir: string): string {
  return join(resolve(dataDir), 'query-index')
}

function selectorType (value: string | undefined): string {
  if (value === undefined) throw new NodeError('BAD_ARGUMENT', `--type is required (one of ${SELECTOR_TYPE_NAMES.join(', ')})`)
  if (!SELECTOR_TYPE_NAMES.includes(value)) {
    throw new NodeError('BAD_ARGUMENT', `unknown selector type ${JSON.stringify(value)} (one of ${SELECTOR_TYPE_NAMES.join(', ')})`)
  }
  return value
}

/** The CSV's entries, streamed (a file of any size is read in bounded memory). */
async function entriesFrom (file: string, selectorColumn: string | undefined, refColumn: string | undefined): Promise<AsyncIterable<IndexEntry>> {
  const { header, rows } = await openCsv(file)
  const sel = selectorColumn ?? (header.includes('selector') ? 'selector' : header[0])
  const ref = refColumn ?? (header.includes('ref') ? 'ref' : undefined)
  if (!header.includes(sel)) throw new NodeError('BAD_ARGUMENT', `CSV has no column ${JSON.stringify(sel)} (columns: ${header.join(', ')})`)
  if (ref === undefined || !header.includes(ref)) {
    throw new NodeError('BAD_ARGUMENT', `CSV needs a reference column: --ref-column C (columns: ${header.join(', ')})`)
  }
  return (async function* () {
    for await (const r of rows) yield { value: r.cells[sel], ref: r.cells[ref], origin: `line ${r.line}` }
  })()
}

export async function indexCommand (p: Invocation): Promise<number> {
  const sub = p.sub
  if (sub === 'rotate-key') {
    // Through the running node (which holds the store) or directly on a stopped one: audited either way.
    const r = await rotateIndexKey(p.dataDir)
    if (p.values.json === true) print(r)
    else process.stdout.write(`OPRF key epoch ${r.epoch}, id ${r.keyId} (was ${r.previousKeyId}); ${r.records} records re-keyed\n`)
    return 0
  }
  const store = await IndexStore.open(indexDir(p.dataDir))
  try {
    const region = str(p, 'region')
    const options = region === undefined ? undefined : { defaultRegion: region.toUpperCase() }
    switch (sub) {
      case 'add': {
        const type = selectorType(str(p, 'type'))
        const file = str(p, 'file')
        const selector = str(p, 'selector')
        if ((file === undefined) === (selector === undefined)) throw new NodeError('BAD_ARGUMENT', 'give exactly one of --selector VALUE or --file FILE.csv')
        const entries = file !== undefined
          ? await entriesFrom(file, str(p, 'selector-column'), str(p, 'ref-column'))
          : [{ value: selector!, ref: str(p, 'ref', true)!, origin: '--selector' }]
        const result = await store.add(type, entries, options)
        if (p.values.json === true) print(result)
        else {
          process.stdout.write(`${type}: ${result.added} added, ${result.updated} updated, ${result.refusedTotal} refused\n`)
          for (const r of result.refused) process.stdout.write(`  ${r.origin}: ${r.code} ${r.reason}\n`)
          if (result.refusedTotal > result.refused.length) process.stdout.write(`  … and ${result.refusedTotal - result.refused.length} more refused\n`)
        }
        return result.refusedTotal > 0 && result.added + result.updated === 0 ? 1 : 0
      }
      case 'remove': {
        const type = selectorType(str(p, 'type'))
        const removed = await store.remove(type, str(p, 'selector', true)!, options)
        if (!removed) throw new NodeError('NOT_FOUND', `no such ${type} selector in the index`)
        if (p.values.json === true) print({ removed: true })
        else process.stdout.write(`${type}: removed\n`)
        return 0
      }
      case 'list': {
        const stats = await store.stats()
        const key = store.publicKey()
        if (p.values.json === true) print({ types: stats, oprfKey: key })
        else {
          for (const [type, n] of Object.entries(stats)) process.stdout.write(`${type.padEnd(10)} ${n}\n`)
          process.stdout.write(`OPRF key epoch ${key.epoch}, id ${key.keyId}, since ${key.created}\n`)
        }
        return 0
      }
      default:
        throw new NodeError('INTERNAL', `no handler for index ${sub}`)
    }
  } finally {
    await store.close()
  }
}
