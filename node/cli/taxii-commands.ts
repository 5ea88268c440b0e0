/**
 * `liaison taxii clients add|list|remove` and `liaison taxii collections add|list|remove`:
 * through the local API when the node runs, on the store otherwise (audited either way).
 *
 *     liaison taxii collections add --outbound (--to PEER[,PEER…] | --task-force ID) --topic T --tlp L --legal-basis ID --kind K [--title T]
 *     liaison taxii collections add --inbound [--from PEER] [--topic T] [--max-tlp L] [--title T]
 *     liaison taxii clients add NAME --collections ID:r|w|rw[,…] [--json]   (prints the secret once)
 *
 * @module
 */
import { ApiClient } from '../api/client.ts'
import { AuditLog } from '../audit/audit-log.ts'
import { dataDirPaths, isInitialised, loadIdentity, readApiToken } from '../config/index.ts'
import { NodeError } from '../errors.ts'
import { Store } from '../store/index.ts'
import type { Access, InboundFilter, OutboundMapping } from '../taxii/records.ts'
import { TaxiiStore, type CollectionInput } from '../taxii/taxii-store.ts'
import type { MessageKind, Tlp } from '../../protocol/types.ts'
import { list, print, str } from './args.ts'
import type { Invocation } from './spec.ts'
import { readRuntime } from './context.ts'

interface Admin {
  call: <T>(method: string, path: string, body?: unknown) => Promise<T>
  close: () => Promise<void>
}

async function openAdmin (dir: string): Promise<Admin> {
  if (!await isInitialised(dir)) throw new NodeError('NOT_INITIALISED', `${dir} holds no identity; run: liaison init --data-dir ${dir} --name NAME`)
  const runtime = await readRuntime(dir)
  if (runtime != null) {
    const client = new ApiClient(runtime.apiUrl, await readApiToken(dir))
    return { call: async (m, p, b) => await client.call(m, p, b), close: async () => {} }
  }
  const store = await Store.open(dataDirPaths(dir).store)
  const audit = await AuditLog.open(store, { signer: (await loadIdentity(dir)).signer, checkpointIntervalMs: 0 })
  const taxii = new TaxiiStore(store)
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const [, , , what, id] = path.split('/')
    if (what === 'collections') {
      if (method === 'GET') return await taxii.listCollections() as T
      if (method === 'POST') return await taxii.addCollection(body as CollectionInput) as T
      await taxii.removeCollection(id)
      return { removed: id } as T
    }
    if (method === 'GET') return await taxii.listClients() as T
    if (method === 'POST') {
      const b = body as { name: string, collections: Record<string, Access> }
      return await taxii.addClient(b.name, b.collections) as T
    }
    await taxii.removeClient(id)
    return { removed: id } as T
  }
  return {
    call,
    close: async () => {
      await audit.stop()
      await store.close()
    }
  }
}

function parseAccess (specs: string[]): Record<string, Access> {
  const out: Record<string, Access> = {}
  for (const spec of specs) {
    const m = /^([0-9a-f-]{36}):(r|w|rw)$/.exec(spec)
    if (m == null) throw new NodeError('BAD_ARGUMENT', `--collections: ${spec} is not COLLECTION_ID:r|w|rw`)
    out[m[1]] = m[2] as Access
  }
  return out
}

export async function taxiiCommand (p: Invocation): Promise<number> {
  const [noun, verb] = p.sub.split(' ') as ['clients' | 'collections', 'add' | 'list' | 'remove']
  const json = p.json
  const admin = await openAdmin(p.dataDir)
  try {
    const base = `/v1/taxii/${noun}`
    if (verb === 'list') {
      const items = await admin.call<unknown[]>('GET', base)
      if (json) print(items)
      else {for (const item of items as Array<Record<string, unknown>>) {
          process.stdout.write(
            noun === 'clients'
              ? `${String(item.name)}  ${Object.entries(item.collections as Record<string, string>).map(([c, a]) => `${c}:${a}`).join(',')}\n`
              : `${String(item.id)}  ${String(item.direction)}  ${String(item.title)}\n`
          )
        }}
      return 0
    }
    if (verb === 'remove') {
      const id = p.positionals[0]
      const removed = await admin.call('DELETE', `${base}/${encodeURIComponent(id)}`)
      if (json) print(removed)
      else process.stdout.write(`removed ${id}\n`)
      return 0
    }
    if (noun === 'clients') {
      const name = p.positionals[0]
      const res = await admin.call<{ name: string, secret: string, collections: Record<string, Access> }>('POST', base, {
        name,
        collections: parseAccess(list(p, 'collections'))
      })
      if (json) print(res)
      else process.stdout.write(`client ${res.name}\nsecret ${res.secret}\n(shown once: Basic auth is ${res.name}:SECRET, Bearer auth is the secret)\n`)
      return 0
    }
    const input: CollectionInput = {}
    const title = str(p, 'title')
    if (title != null) input.title = title
    const description = str(p, 'description')
    if (description != null) input.description = description
    if (p.values.outbound === true) {
      const out: OutboundMapping = {
        to: list(p, 'to'),
        ...(str(p, 'task-force') != null ? { taskForce: str(p, 'task-force') as string } : {}),
        topic: str(p, 'topic', true) as string,
        tlp: str(p, 'tlp', true) as Tlp,
        legalBasis: str(p, 'legal-basis', true) as string,
        kind: (str(p, 'kind') ?? 'report') as MessageKind
      }
      input.outbound = out
    }
    if (p.values.inbound === true) {
      const inbound: InboundFilter = {}
      const from = str(p, 'from')
      if (from != null) inbound.from = from
      const topic = str(p, 'topic')
      if (topic != null) inbound.topic = topic
      const maxTlp = str(p, 'max-tlp')
      if (maxTlp != null) inbound.maxTlp = maxTlp as Tlp
      input.inbound = inbound
    }
    const col = await admin.call<Record<string, unknown>>('POST', base, input)
    if (json) print(col)
    else process.stdout.write(`${String(col.id)}\n`)
    return 0
  } finally {
    await admin.close()
  }
}
