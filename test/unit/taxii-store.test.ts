/**
 * TAXII client credentials in the node's store (node/taxii/taxii-store.ts), on a real LevelDB:
 * the generated secret is returned once and only its SHA-256 is kept (no key or value of the
 * database holds the secret), Bearer is the secret alone, Basic the secret with its client's
 * name, and a removed client's secret opens nothing. Collections and clients are kept in memory
 * between writes: each add and remove is seen by the next read, and a second TaxiiStore on the
 * same database (a restarted node) reads the same.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateSigner } from '../../protocol/keys.ts'
import { AuditLog } from '../../node/audit/audit-log.ts'
import { Store } from '../../node/store/index.ts'
import { TaxiiStore, sha256Hex } from '../../node/taxii/taxii-store.ts'

describe('TAXII client credentials', () => {
  let root: string
  let store: Store
  let audit: AuditLog
  let taxii: TaxiiStore

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'liaison-taxii-store-'))
    store = await Store.open(join(root, 'store'))
    audit = await AuditLog.open(store, { signer: generateSigner().signer, checkpointIntervalMs: 0 })
    taxii = new TaxiiStore(store)
  })

  afterAll(async () => {
    await audit.stop()
    await store.close()
    await rm(root, { recursive: true, force: true })
  })

  /** Every key and value in the database, as text. */
  async function everything (): Promise<string[]> {
    const out: string[] = []
    for await (const [k, v] of store.db.iterator({ keyEncoding: 'utf8', valueEncoding: 'utf8' })) out.push(k, String(v))
    return out
  }

  it('keeps only the SHA-256 of a secret; Bearer is the secret, Basic the secret with its name; removed, it opens nothing', async () => {
    const col = await taxii.addCollection({ inbound: {} })
    const { secret } = await taxii.addClient('misp', { [col.id]: 'rw' })
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const stored = await everything()
    expect(stored.some(s => s.includes(secret))).toBe(false)
    expect(stored.some(s => s.includes(sha256Hex(secret)))).toBe(true)
    expect(JSON.stringify(await taxii.listClients())).not.toContain(sha256Hex(secret))

    expect((await taxii.authenticate(secret))?.name).toBe('misp')
    expect((await taxii.authenticate(secret, 'misp'))?.collections).toEqual({ [col.id]: 'rw' })
    expect(await taxii.authenticate(secret, 'opencti')).toBeUndefined()
    expect(await taxii.authenticate(sha256Hex(secret))).toBeUndefined()

    await taxii.removeClient('misp')
    expect(await taxii.authenticate(secret)).toBeUndefined()
    expect(await taxii.listClients()).toEqual([])
  })
  it('sees every add and remove of a collection or client at once, and a fresh TaxiiStore reads the same', async () => {
    expect(await taxii.listCollections()).toHaveLength(1)
    const a = await taxii.addCollection({ inbound: { topic: 'fraud' } })
    const { secret } = await taxii.addClient('opencti', { [a.id]: 'r' })
    expect((await taxii.authenticate(secret))?.collections).toEqual({ [a.id]: 'r' })
    const b = await taxii.addCollection({ inbound: { topic: 'drugs' } })
    expect((await taxii.listCollections()).map(c => c.id).slice(-2)).toEqual([a.id, b.id])
    expect((await taxii.getCollection(b.id))?.inbound).toEqual({ topic: 'drugs' })
    await taxii.removeCollection(a.id)
    expect(await taxii.getCollection(a.id)).toBeUndefined()
    const fresh = new TaxiiStore(store)
    expect(await fresh.listCollections()).toEqual(await taxii.listCollections())
    expect((await fresh.authenticate(secret))?.name).toBe('opencti')
    await taxii.removeClient('opencti')
    expect(await taxii.authenticate(secret)).toBeUndefined()
  })
})
