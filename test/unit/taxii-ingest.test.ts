/**
 * A TAXII POST split into several messages: each message's write carries its sent-record and
 * the indexer's mark, the last one also the status resource (one write per message, none
 * extra); when the last message is refused the status is written on its own. The exchange is
 * a stand-in here (it commits what `alongside` returns); the store is a real LevelDB. The
 * indexer leaves the marks while POSTs keep coming, and takes them when a reader asks or the
 * backlog is long.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateSigner } from '../../protocol/keys.ts'
import { AuditLog } from '../../node/audit/audit-log.ts'
import { NodeError } from '../../node/errors.ts'
import type { LocalService } from '../../node/service/local-service.ts'
import type { SendAlongside, SendInput } from '../../node/service/liaison-service.ts'
import { Store } from '../../node/store/index.ts'
import { ingest } from '../../node/taxii/ingest.ts'
import type { TaxiiCollection } from '../../node/taxii/records.ts'
import { TaxiiStore } from '../../node/taxii/taxii-store.ts'
import { TaxiiIndexer } from '../../node/taxii/indexer.ts'

const indicator = (n: number): Record<string, unknown> => ({
  type: 'indicator',
  spec_version: '2.1',
  id: `indicator--8e2e2d2b-17d4-4cbf-938f-${n.toString(16).padStart(12, '0')}`,
  created: '2026-01-15T09:30:00.000Z',
  modified: '2026-01-15T09:30:00.000Z',
  name: `split ${n}`,
  pattern: "[ipv4-addr:value = '198.51.100.7']",
  pattern_type: 'stix',
  valid_from: '2026-01-15T09:30:00Z'
})

describe('TAXII ingest across several messages', () => {
  let root: string
  let store: Store
  let audit: AuditLog
  let taxii: TaxiiStore
  let collection: TaxiiCollection
  const peer = generateSigner().signer.peerId
  const client = { name: 'misp', secretSha256: '', collections: {}, createdAt: '' }
  /** Sends (the stand-in's), with the records each one's write carried. */
  let sends: Array<{ objects: number, ops: number, events: number }> = []
  let refuseFrom = Infinity

  const service = {
    send: async (input: SendInput, opts: { alongside?: SendAlongside }) => {
      const n = sends.length
      if (n >= refuseFrom) {
        throw new NodeError('RECIPIENT_REFUSED', 'every recipient was refused', { details: [{ peerId: peer, status: 'refused', reason: 'TLP_NOT_PERMITTED' }] })
      }
      const digest = n.toString(16).padStart(64, '0')
      const extra = opts.alongside?.({ digest, storedAt: Date.now(), queued: input.to, refused: [] }) ?? { ops: [], events: [] }
      await store.commit(extra.ops, extra.events)
      sends.push({ objects: (input.body as { objects: unknown[] }).objects.length, ops: extra.ops.length, events: extra.events.length })
      return { id: `m${n}`, digest, recipients: input.to.map(peerId => ({ peerId, status: 'queued' as const })) }
    }
  } as unknown as LocalService

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'liaison-taxii-ingest-'))
    store = await Store.open(join(root, 'store'))
    audit = await AuditLog.open(store, { signer: generateSigner().signer, checkpointIntervalMs: 0 })
    taxii = new TaxiiStore(store)
    collection = await taxii.addCollection({ outbound: { to: [peer], topic: 'malware', tlp: 'AMBER', legalBasis: 'EU-2024-17', kind: 'report' } })
  })

  afterAll(async () => {
    await audit.stop()
    await store.close()
    await rm(root, { recursive: true, force: true })
  })

  const post = async (count: number): Promise<Awaited<ReturnType<typeof ingest>>> =>
    await ingest({ store, taxii, service, maxMessageBytes: () => 6 * 1024 + 1400 }, client, collection, {
      objects: Array.from({ length: count }, (_, i) => indicator(i))
    })

  it('writes the status with the last message, and a mark per message for the indexer', async () => {
    sends = []
    const status = await post(10)
    expect(sends.length).toBeGreaterThan(2)
    expect(sends.reduce((a, s) => a + s.objects, 0)).toBe(10)
    // sent + mark in every message's write; the last adds the status and the objects.add event.
    expect(sends.slice(0, -1).map(s => [s.ops, s.events])).toEqual(sends.slice(0, -1).map(() => [2, 0]))
    expect(sends[sends.length - 1]).toMatchObject({ ops: 3, events: 1 })
    expect(await taxii.statuses.get(status.id)).toEqual(status)
    expect(status.entries.map(e => e.id)).toEqual(Array.from({ length: 10 }, (_, i) => indicator(i).id))
    expect(new Set(status.entries.map(e => e.digest)).size).toBe(sends.length)
    expect(await marks()).toHaveLength(sends.length)
  })

  const marks = async (): Promise<string[]> => {
    const out: string[] = []
    for await (const key of taxii.outboundMarks.keys()) out.push(key)
    return out
  }

  it('the indexer leaves the marks while POSTs keep coming, and takes them at once when a reader asks or many wait', async () => {
    const indexer = new TaxiiIndexer(store, taxii)
    /** The pass notify() started (the indexer's own promise of it). */
    const passDone = async (): Promise<void> => await (indexer as unknown as { running?: Promise<void> }).running
    try {
      await indexer.sync()
      expect(await marks()).toEqual([])
      sends = []
      await post(10)
      // A POST "now" (an hour ahead: still within the burst whenever the pass runs).
      indexer.outboundWritten(sends.length, Date.now() + 3_600_000)
      indexer.notify()
      await passDone()
      expect(await marks()).toHaveLength(sends.length)
      await indexer.sync()
      expect(await marks()).toEqual([])
      // Within the burst, but more than the backlog allows: indexed alongside.
      await post(10)
      indexer.outboundWritten(10_001, Date.now() + 3_600_000)
      indexer.notify()
      await passDone()
      expect(await marks()).toEqual([])
    } finally {
      await indexer.stop()
    }
  })

  it('when the last message is refused, its objects are failures and the status is written on its own', async () => {
    sends = []
    refuseFrom = 1
    const status = await post(10)
    refuseFrom = Infinity
    expect(sends).toHaveLength(1)
    const refused = status.entries.filter(e => e.digest == null)
    expect(refused.length).toBe(10 - sends[0].objects)
    expect(refused.every(e => e.failures[0] === `TLP_NOT_PERMITTED: recipient ${peer} refused by policy`)).toBe(true)
    expect(await taxii.statuses.get(status.id)).toEqual(status)
  })
})
