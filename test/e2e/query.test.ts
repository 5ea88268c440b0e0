/**
 * Hit/no-hit queries between real nodes (PROTOCOL.md §19): three `liaison start` processes on
 * loopback. B indexes a few thousand selectors of two types; A (permitted for phone and email)
 * asks a mix of hits, misses and normalisation variants of hits; C (no grant) is refused; A's
 * per-query maximum and daily quota are enforced; a tampered proof is BAD_PROOF; B's removal of
 * a record turns a hit into a no-hit (and adding it back a hit) through incremental filter
 * sync; stale, replayed and forged filter updates are refused; after B's operator rotates its
 * OPRF key A accepts it from B's signed key notice (§19.9), and refuses a key change whose
 * notice is missing, not B's, or for another key (OPRF_KEY_CHANGED); a follow-up reaches B's
 * pending list with the local reference; and no plaintext selector appears outside the
 * documented places.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { cli, createTrusting, startAll, tempDir, TEST_AGREEMENT, type TestNode } from '../helpers/node-process.ts'
import type { ApiClient } from '../../node/api/client.ts'
import type { NodeError } from '../../node/errors.ts'
import { createHash, createPrivateKey, randomBytes } from 'node:crypto'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { signerFromPkcs8Pem } from '../../protocol/keys.ts'
import { decodeEnvelope, encodeEnvelope, signEnvelope } from '../../protocol/envelope.ts'
import { encodeFrame, FrameDecoder } from '../../protocol/frame.ts'
import { decodeQuery, evaluateQuery, oprfKeyId, QUERY_PAYLOAD_TYPES } from '../../protocol/query/index.ts'
import { KEY_NOTICE_PAYLOAD_TYPE } from '../../protocol/query/key-notice.ts'
import { deriveKeyPair, MODE } from '../../protocol/oprf/index.ts'
import { encodeBase64 } from '../../protocol/base64.ts'
import { IndexStore } from '../../node/query/index.ts'
import { QUERY_PROTOCOL } from '../../node/query/exchange.ts'

interface Outcome {
  queryId: string
  count: number
  hits: number
  results: Array<{ index: number, result: 'hit' | 'no-hit', hitRef: string | null }>
}

const PHONES = 2500
const EMAILS = 1500
const phone = (i: number): string => `+49151${String(10000000 + i)}`
const email = (i: number): string => `agent.${i}@example.org`

async function filesUnder (dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name))
  return out
}

/** Files under `dir` whose bytes contain `needle`, relative to `dir`. */
async function filesContaining (dir: string, needle: string): Promise<string[]> {
  const hits: string[] = []
  for (const f of await filesUnder(dir)) if ((await readFile(f)).includes(Buffer.from(needle))) hits.push(relative(dir, f))
  return hits
}

async function code (p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    return (err as NodeError).code
  }
  return 'none'
}

describe('hit/no-hit queries between three real nodes', () => {
  let root: string
  let a: TestNode, b: TestNode, c: TestNode
  let ca: ApiClient, cb: ApiClient, cc: ApiClient

  const ask = async (client: ApiClient, to: string, type: string, selectors: string[]): Promise<Outcome> =>
    await client.call<Outcome>('POST', '/v1/queries', { to, type, selectors, legalBasis: TEST_AGREEMENT, purpose: 'case 2026/117 fraud ring', region: 'DE' })

  beforeAll(async () => {
    root = await tempDir()
    ;[a, b, c] = await createTrusting(root, [{ name: 'a' }, { name: 'b' }, { name: 'c' }])
    const grant = await cli(['peers', 'update', a.peerId, '--data-dir', b.dir, '--query-types', 'phone,email', '--query-quota', '60/day', '--query-max', '20'])
    expect(grant.code, grant.stderr).toBe(0)
    const phones = ['selector,ref', ...Array.from({ length: PHONES }, (_, i) => `${phone(i)},P-${i}`)].join('\n')
    const emails = ['selector,ref', ...Array.from({ length: EMAILS }, (_, i) => `${email(i)},E-${i}`)].join('\n')
    await writeFile(join(root, 'phones.csv'), phones)
    await writeFile(join(root, 'emails.csv'), emails)
    for (const [type, file] of [['phone', 'phones.csv'], ['email', 'emails.csv']]) {
      const r = await cli(['index', 'add', '--data-dir', b.dir, '--type', type, '--file', join(root, file)])
      expect(r.code, r.stderr).toBe(0)
    }
    await startAll([a, b, c])
    ;[ca, cb, cc] = await Promise.all([a.client(), b.client(), c.client()])
  }, 300_000)

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it('answers exactly: hits, misses and normalisation variants of hits', async () => {
    const phones = [phone(7), '0151 100 00042', '+49 (151) 1000-1234', phone(PHONES + 5), '+49 151 99999999', phone(2499)]
    const r = await ask(ca, b.peerId, 'phone', phones)
    expect(r.results.map(x => x.result)).toEqual(['hit', 'hit', 'hit', 'no-hit', 'no-hit', 'hit'])
    expect(r.hits).toBe(4)
    expect(r.results.filter(x => x.result === 'hit').every(x => /^[0-9a-f]{32}$/.test(x.hitRef!))).toBe(true)
    // The key A checked the proof against is the one B's trust card publishes.
    const card = await cb.card()
    expect(card.card.oprfKey?.keyId).toBe((r as Outcome & { keyId: string }).keyId)
    const e = await ask(ca, b.peerId, 'email', ['  Agent.3@EXAMPLE.org ', email(EMAILS + 1), email(0)])
    expect(e.results.map(x => x.result)).toEqual(['hit', 'no-hit', 'hit'])
  })

  it('liaison query on the command line: --selector and --file, --json and the table', async () => {
    const file = join(root, 'ask.txt')
    await writeFile(file, `${phone(3)}\n${phone(PHONES + 9)}\n`)
    const r = await cli([
      'query',
      '--data-dir',
      a.dir,
      '--to',
      b.peerId,
      '--type',
      'phone',
      '--file',
      file,
      '--legal-basis',
      TEST_AGREEMENT,
      '--purpose',
      'case 2026/117 fraud ring',
      '--json'
    ])
    expect(r.code, r.stderr).toBe(0)
    expect((JSON.parse(r.stdout) as Outcome).results.map(x => x.result)).toEqual(['hit', 'no-hit'])
    const t = await cli([
      'query',
      '--data-dir',
      a.dir,
      '--to',
      b.peerId,
      '--type',
      'email',
      '--selector',
      email(5),
      '--legal-basis',
      TEST_AGREEMENT,
      '--purpose',
      'case 2026/117 fraud ring'
    ])
    expect(t.code, t.stderr).toBe(0)
    expect(t.stdout).toMatch(/1 hit\(s\) of 1/)
    const refused = await cli([
      'query',
      '--data-dir',
      c.dir,
      '--to',
      b.peerId,
      '--type',
      'email',
      '--selector',
      email(5),
      '--legal-basis',
      TEST_AGREEMENT,
      '--purpose',
      'x'
    ])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/QUERY_NOT_PERMITTED/)
    expect(refused.stderr).not.toContain(email(5))
  })

  it('refuses C (no grant: the default), a type A may not ask, and A past its maximum and quota', async () => {
    expect(await code(ask(cc, b.peerId, 'phone', [phone(1)]))).toBe('QUERY_NOT_PERMITTED')
    expect(await code(ask(ca, b.peerId, 'iban', ['DE89370400440532013000']))).toBe('SELECTOR_TYPE_NOT_PERMITTED')
    expect(await code(ask(ca, b.peerId, 'phone', Array.from({ length: 21 }, (_, i) => phone(i))))).toBe('QUOTA_EXCEEDED')
    // 12 used so far of 60 per day: 20 + 20 = 52, then 20 more is over, 8 fit exactly, then 1 is over.
    await ask(ca, b.peerId, 'phone', Array.from({ length: 20 }, (_, i) => phone(100 + i)))
    await ask(ca, b.peerId, 'phone', Array.from({ length: 20 }, (_, i) => phone(200 + i)))
    expect(await code(ask(ca, b.peerId, 'phone', Array.from({ length: 20 }, (_, i) => phone(300 + i))))).toBe('QUOTA_EXCEEDED')
    expect(await code(ask(ca, b.peerId, 'phone', Array.from({ length: 8 }, (_, i) => phone(300 + i))))).toBe('none')
    // The ledger survives a restart of B.
    await b.stop()
    await b.start()
    cb = await b.client()
    expect(await code(ask(ca, b.peerId, 'phone', [phone(1)]))).toBe('QUOTA_EXCEEDED')
    // Raise the quota again for the rest of the suite (through B's running node).
    await cb.call('PATCH', `/v1/peers/${a.peerId}`, { query: { types: ['phone', 'email'], quotaPerDay: 1000, maxPerQuery: 20 } })
  })

  it("B's removal turns a hit into a no-hit", async () => {
    expect((await ask(ca, b.peerId, 'phone', [phone(11)])).results[0].result).toBe('hit')
    const r = await cli(['index', 'remove', '--data-dir', b.dir, '--type', 'phone', '--selector', phone(11)])
    expect(r.code, r.stderr).toBe(0)
    expect((await ask(ca, b.peerId, 'phone', [phone(11)])).results[0].result).toBe('no-hit')
    // Indexed again: the next filter delta adds it back.
    const again = await cli(['index', 'add', '--data-dir', b.dir, '--type', 'phone', '--selector', phone(11), '--ref', 'P-11'])
    expect(again.code, again.stderr).toBe(0)
    expect((await ask(ca, b.peerId, 'phone', [phone(11), phone(12)])).results.map(x => x.result)).toEqual(['hit', 'hit'])
    expect(await cli(['index', 'remove', '--data-dir', b.dir, '--type', 'phone', '--selector', phone(11)])).toMatchObject({ code: 0 })
  })

  it("follow-up: an rfi with the selector and hit reference reaches B's pending list with its local reference", async () => {
    const r = await ask(ca, b.peerId, 'phone', [phone(42)])
    const hitRef = r.results[0].hitRef!
    await ca.call('POST', '/v1/queries/follow-up', { hitRef, reason: 'confirmed lead, request subscriber data' })
    let pending: Array<{ hitRef: string, localRef: string | null, selector: string, from: string }> = []
    for (let i = 0; i < 100 && pending.length === 0; i++) {
      pending = await cb.call('GET', '/v1/queries/pending')
      if (pending.length === 0) await new Promise(resolve => setTimeout(resolve, 200))
    }
    expect(pending).toHaveLength(1)
    expect(pending[0]).toMatchObject({ hitRef, localRef: 'P-42', selector: phone(42), from: a.peerId })
    expect(await code(ca.call('POST', '/v1/queries/follow-up', { hitRef: 'f'.repeat(32), reason: 'x' }))).toBe('NOT_FOUND')
    const shown = await cli(['query', 'pending', '--data-dir', b.dir])
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stdout).toContain('ref P-42')
    // B's operator answers with a normal response in reply to the rfi: no longer pending.
    const rfi = pending[0] as unknown as { messageId: string }
    await cb.send({
      to: [a.peerId],
      kind: 'response',
      tlp: 'AMBER',
      topic: 'query-follow-up',
      legalBasis: TEST_AGREEMENT,
      inReplyTo: rfi.messageId,
      body: { summary: 'subscriber data follows under the agreement' }
    }, { wait: true })
    expect(await cb.call('GET', '/v1/queries/pending')).toEqual([])
  })

  it("no plaintext selector outside the documented places (A's query records, the follow-up message, B's own index)", async () => {
    const misses = [phone(PHONES + 5), '+4915199999999', email(EMAILS + 1)]
    for (const s of misses) {
      expect(await filesContaining(b.dir, s), `B holds ${s}`).toEqual([])
      expect(b.output.includes(s) || a.output.includes(s), `a log holds ${s}`).toBe(false)
      for (const f of await filesContaining(a.dir, s)) expect(f.startsWith('query-asked/'), f).toBe(true)
    }
    // The grep sees what it looks for: A's own query records hold its hits.
    expect(await filesContaining(join(a.dir, 'query-asked'), phone(7))).not.toEqual([])
    for (const s of [phone(7), phone(42), email(0)]) {
      expect(b.output.includes(s) || a.output.includes(s) || c.output.includes(s), `a log holds ${s}`).toBe(false)
      for (const f of await filesContaining(a.dir, s)) expect(f.startsWith('query-asked/') || (s === phone(42) && f.startsWith('store/')), f).toBe(true)
      for (const f of await filesContaining(b.dir, s)) expect(f.startsWith('query-index/') || (s === phone(42) && f.startsWith('store/')), f).toBe(true)
      expect(await filesContaining(c.dir, s)).toEqual([])
    }
  })

  it("after B rotates its OPRF key (through its running node) A accepts B's signed key notice with the answer, re-pins and hits again", async () => {
    const rotated = await cli(['index', 'rotate-key', '--data-dir', b.dir, '--json'])
    expect(rotated.code, rotated.stderr).toBe(0)
    const rotation = JSON.parse(rotated.stdout) as { keyId: string, previousKeyId: string, records: number }
    expect(rotation.records).toBeGreaterThan(PHONES)
    const r = await ask(ca, b.peerId, 'phone', [phone(5), phone(11)]) as Outcome & {
      keyId: string,
      keyChange?: { previousKeyId: string, keyId: string, epoch: number, notice: string }
    }
    expect(r.results.map(x => x.result)).toEqual(['hit', 'no-hit'])
    expect(r.keyId).toBe(rotation.keyId)
    expect(r.keyChange).toMatchObject({
      previousKeyId: rotation.previousKeyId,
      keyId: rotation.keyId,
      notice: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown as string
    })
    expect((await cb.card()).card.oprfKey?.keyId).toBe(r.keyId)
    // Pinned now: the next answer needs no notice.
    const again = await ask(ca, b.peerId, 'email', [email(0)]) as Outcome & { keyChange?: unknown }
    expect(again.results.map(x => x.result)).toEqual(['hit'])
    expect(again.keyChange).toBeUndefined()
    // Unpinning (after a change confirmed out of band) still works: the next answer pins the key it names.
    const unpinned = await cli(['query', 'unpin', b.peerId, '--data-dir', a.dir])
    expect(unpinned.code, unpinned.stderr).toBe(0)
    expect((await ask(ca, b.peerId, 'phone', [phone(5)])).results.map(x => x.result)).toEqual(['hit'])
    // A key from B's card, on A's trust record: a second rotation (B's API) moves the record's key, audited as a peer change.
    const card = (await cb.card()).card.oprfKey!
    await ca.call('PATCH', `/v1/peers/${b.peerId}`, { oprfKey: card })
    const second = await cb.call<{ keyId: string, previousKeyId: string }>('POST', '/v1/queries/index/rotate-key', {})
    expect(second.previousKeyId).toBe(card.keyId)
    const r2 = await ask(ca, b.peerId, 'phone', [phone(5)]) as Outcome & { keyChange?: { keyId: string } }
    expect(r2.results.map(x => x.result)).toEqual(['hit'])
    expect(r2.keyChange?.keyId).toBe(second.keyId)
    expect((await ca.call<{ oprfKey?: { keyId: string } }>('GET', `/v1/peers/${b.peerId}`)).oprfKey?.keyId).toBe(second.keyId)
  })

  it(
    "a tampered proof or evaluation is BAD_PROOF; a stale, replayed or forged filter update is FILTER_STALE or BAD_SIGNATURE; a key change without B's " +
      'signed notice is OPRF_KEY_CHANGED; never a result',
    async () => {
      // B's node stops; a host with B's identity key and B's real OPRF key answers in its place:
      // answers whose proof no longer holds (swapped evaluations, a flipped proof byte), then
      // valid answers followed by filter updates that do not apply to the filter A holds.
      await b.stop()
      const pem = await readFile(join(b.dir, 'identity.key'), 'utf8')
      const signer = signerFromPkcs8Pem(pem)
      const other = signerFromPkcs8Pem(await readFile(join(c.dir, 'identity.key'), 'utf8'))
      const seed = new Uint8Array(Buffer.from(createPrivateKey(pem).export({ format: 'jwk' }).d!, 'base64url'))
      const index = await IndexStore.open(join(b.dir, 'query-index'))
      const key = index.publicKey()
      const host = await createLibp2p({
        privateKey: await generateKeyPairFromSeed('Ed25519', seed),
        addresses: { listen: [`/ip4/127.0.0.1/tcp/${b.port}`] },
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()]
      })
      let mode: 'swap' | 'flip' | 'stale' | 'replay' | 'forged' | 'notice-foreign' | 'notice-none' | 'notice-other-key' = 'swap'
      // For the notice modes: a key that is not B's, announced by a notice B did not sign (or none,
      // or one B signed that replaces a key A does not hold). A must refuse each, and keep its pin.
      const rogue = deriveKeyPair(MODE.voprf, randomBytes(32), new TextEncoder().encode('rogue'))
      const rogueKey = { publicKey: encodeBase64(rogue.publicKey), keyId: oprfKeyId(rogue.publicKey) }
      const haves: Array<{ keyId: string, seq: number } | undefined> = []
      const envelope = (type: string, value: unknown, by = signer): Uint8Array =>
        encodeEnvelope(signEnvelope(type, new TextEncoder().encode(JSON.stringify(value)), by))
      await host.handle(QUERY_PROTOCOL, async (stream) => {
        const decoder = new FrameDecoder(4 * 1024 * 1024)
        let frame: Uint8Array | undefined
        for await (const chunk of stream) {
          const f = decoder.push(chunk as Uint8Array)
          if (f.length > 0) {
            frame = f[0]
            break
          }
        }
        const env = decodeEnvelope(frame!)
        const q = decodeQuery(env.payload)
        haves.push(q.have)
        const notices = mode.startsWith('notice-')
        const ev = evaluateQuery(notices ? rogue : index.keys, q.blinded)
        if (mode === 'swap') ev.evaluated.reverse()
        if (mode === 'flip') {
          const p = Buffer.from(ev.proof, 'base64')
          p[40] ^= 1
          ev.proof = p.toString('base64')
        }
        const created = new Date().toISOString()
        const answer = {
          v: 1,
          query: q.id,
          queryDigest: createHash('sha256').update(env.payload).digest('hex'),
          from: b.peerId,
          to: a.peerId,
          created,
          keyId: notices ? rogueKey.keyId : key.keyId,
          ...ev
        }
        const notice = { v: 1, peerId: b.peerId, previousKeyId: mode === 'notice-other-key' ? 'ab'.repeat(16) : q.keyId, epoch: 9, ...rogueKey, created }
        const keyNotice = mode === 'notice-foreign' || mode === 'notice-other-key'
          ? { keyNotice: encodeBase64(envelope(KEY_NOTICE_PAYLOAD_TYPE, notice, mode === 'notice-foreign' ? other : signer)) }
          : {}
        const seq = q.have?.seq ?? 0
        const part = {
          v: 1,
          query: mode === 'replay' ? '01890a5d-ac96-774b-bcce-b302099a8057' : q.id,
          from: b.peerId,
          to: a.peerId,
          created,
          type: 'phone',
          keyId: key.keyId,
          since: mode === 'stale' ? seq + 1 : seq,
          seq: seq + 2,
          size: 1,
          part: 0,
          last: true,
          added: [],
          removed: []
        }
        stream.send(
          encodeFrame(
            new TextEncoder().encode(
              JSON.stringify({
                answer: encodeBase64(envelope(QUERY_PAYLOAD_TYPES.answer, answer)),
                oprfKey: notices ? rogueKey.publicKey : key.publicKey,
                ...keyNotice
              })
            )
          )
        )
        stream.send(encodeFrame(envelope(QUERY_PAYLOAD_TYPES.filter, part, mode === 'forged' ? other : signer)))
        await stream.close()
      })
      try {
        expect(await code(ask(ca, b.peerId, 'phone', [phone(1), phone(PHONES + 1)]))).toBe('BAD_PROOF')
        mode = 'flip'
        expect(await code(ask(ca, b.peerId, 'phone', [phone(1)]))).toBe('BAD_PROOF')
        // A holds a versioned filter from B's earlier answers and asks for a delta on it.
        expect(haves[0]).toMatchObject({ keyId: key.keyId, seq: expect.any(Number) as unknown as number })
        mode = 'stale'
        expect(await code(ask(ca, b.peerId, 'phone', [phone(1)]))).toBe('FILTER_STALE')
        // A dropped the filter it could no longer trust: its next query asks for a full one.
        expect(haves.at(-1)).toBeDefined()
        mode = 'replay'
        expect(await code(ask(ca, b.peerId, 'phone', [phone(1)]))).toBe('FILTER_STALE')
        expect(haves.at(-1)).toBeUndefined()
        mode = 'forged'
        expect(await code(ask(ca, b.peerId, 'phone', [phone(1)]))).toBe('BAD_SIGNATURE')
        // A key change not signed by B's pinned identity, or not replacing the key A pinned, is never taken.
        for (const m of ['notice-foreign', 'notice-none', 'notice-other-key'] as const) {
          mode = m
          expect(await code(ask(ca, b.peerId, 'phone', [phone(1)])), m).toBe('OPRF_KEY_CHANGED')
        }
      } finally {
        await host.stop()
        await index.close()
      }
      // B back: a full filter, and the right answers again.
      await b.start()
      cb = await b.client()
      const r = await ask(ca, b.peerId, 'phone', [phone(1), phone(PHONES + 1)])
      expect(r.results.map(x => x.result)).toEqual(['hit', 'no-hit'])
    }
  )

  it('metrics count queries, selectors, hits, refusals by code and quota, with no selector in any label', async () => {
    const scrape = async (node: TestNode): Promise<string> =>
      await (await fetch(new URL('/metrics', node.runtime!.apiUrl), {
        headers: { authorization: `Bearer ${(await readFile(join(node.dir, 'api-token'), 'utf8')).trim()}` }
      })).text()
    const [ma, mb] = [await scrape(a), await scrape(b)]
    const value = (text: string, series: string): number => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)
    expect(value(ma, `liaison_queries_asked_total{peer="${b.peerId}",type="phone",outcome="result"}`)).toBeGreaterThan(5)
    expect(value(ma, `liaison_queries_asked_total{peer="${b.peerId}",type="phone",outcome="QUOTA_EXCEEDED"}`)).toBeGreaterThan(0)
    expect(value(ma, `liaison_queries_asked_total{peer="${b.peerId}",type="phone",outcome="FILTER_STALE"}`)).toBe(2)
    expect(value(ma, `liaison_query_hits_total{peer="${b.peerId}",type="phone"}`)).toBeGreaterThan(3)
    expect(value(mb, `liaison_queries_answered_total{peer="${a.peerId}",type="phone",outcome="evaluated"}`)).toBeGreaterThan(0)
    expect(value(mb, `liaison_query_selectors_evaluated_total{peer="${a.peerId}",type="phone"}`)).toBeGreaterThan(0)
    expect(value(mb, `liaison_query_quota_limit{peer="${a.peerId}"}`)).toBe(1000)
    expect(value(mb, `liaison_query_quota_used{peer="${a.peerId}"}`)).toBeGreaterThan(0)
    for (const sel of [phone(1), phone(7), email(0), '15110000001']) expect(ma.includes(sel) || mb.includes(sel), sel).toBe(false)
    expect(ma.includes(TEST_AGREEMENT) || mb.includes('fraud ring')).toBe(false)
  })

  it('both audit logs verify and hold the query events (digest, peer, type, count, legal basis, purpose, hits), no selector', async () => {
    await Promise.all([a.stop(), b.stop()])
    for (const [node, roles] of [[a, ['query.sent', 'query.result', 'query.refused']], [b, ['query.answered', 'query.refused']]] as const) {
      const verified = await cli(['audit', 'verify', '--data-dir', node.dir, '--json'])
      expect(verified.code, verified.stdout + verified.stderr).toBe(0)
      const out = join(root, `bundle-${node.name}`)
      const exported = await cli(['audit', 'export', '--data-dir', node.dir, '--out', out])
      expect(exported.code, exported.stderr).toBe(0)
      const lines = (await readFile(join(out, 'audit', 'entries.jsonl'), 'utf8')).split('\n').filter(l => l.includes('"query"'))
      const events = lines.map(l => JSON.parse(l) as Record<string, unknown>)
      for (const role of roles) expect(events.some(e => JSON.stringify(e).includes(`"${role}"`)), role).toBe(true)
      const text = lines.join('\n')
      expect(text).toContain(TEST_AGREEMENT)
      expect(text).toContain('case 2026/117 fraud ring')
      for (const s of [phone(7), phone(42), email(0), phone(PHONES + 5), '+4915199999999', '15110000042']) expect(text.includes(s), s).toBe(false)
    }
    const result = (await readFile(join(root, 'bundle-a', 'audit', 'entries.jsonl'), 'utf8')).split('\n').find(l => l.includes('"query.result"'))
    expect(result).toMatch(/"hits":4/)
    const entriesA = await readFile(join(root, 'bundle-a', 'audit', 'entries.jsonl'), 'utf8')
    for (const refused of ['BAD_PROOF', 'FILTER_STALE', 'BAD_SIGNATURE', 'OPRF_KEY_CHANGED']) {
      expect(entriesA).toMatch(new RegExp(`"query.refused".*"${refused}"|"${refused}".*"query.refused"`))
    }
    // The key change, on both sides: B rotated (operator, through its running node) and announced it, A accepted it once.
    const notices = async (node: string): Promise<Array<Record<string, unknown>>> =>
      (await readFile(join(root, `bundle-${node}`, 'audit', 'entries.jsonl'), 'utf8')).trim().split('\n').map(l => JSON.parse(l) as Record<string, unknown>)
    const [ea, eb] = [await notices('a'), await notices('b')]
    expect(eb.filter(e => e.type === 'query.key-rotated').map(e => e.reason)).toEqual(['operator', 'operator'])
    const announced = eb.filter(e => e.type === 'query.key-notice')
    const accepted = ea.filter(e => e.type === 'query.key-notice')
    expect(announced.map(e => [e.role, e.peer])).toEqual([['announced', a.peerId], ['announced', a.peerId]])
    expect(accepted.map(e => [e.role, e.peer, e.previousKeyId, e.keyId, e.notice])).toEqual(
      announced.map(n => ['accepted', b.peerId, n.previousKeyId, n.keyId, n.notice])
    )
    expect(ea.filter(e => e.type === 'peer.updated' && e.action === 'peer.oprf-key-changed')).toHaveLength(1)
  })
})
