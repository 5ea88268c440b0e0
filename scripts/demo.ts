/**
 * `npm run demo`: three agencies in three jurisdictions on one machine, end to end, driven
 * through the `liaison` CLI exactly as operators would drive it. Real node processes, real
 * TCP on loopback, real LevelDB stores, each agency in its own data directory under one
 * temporary folder (or `--dir DIR`), kept afterwards for inspection.
 *
 * It narrates: trust cards exchanged and fingerprints compared; permissions set; a signed
 * TLP:AMBER report A→B answered by B's signed receipt; a TLP:RED message that A's policy
 * refuses to send to C; an untrusted fourth node refused at connection; a forward B→C refused
 * without A's release and accepted with it; the nodes stopped gracefully; `audit verify` on
 * all three; a bundle exported for an auditor. Exit 0 when every step behaves as described,
 * 1 as soon as one deviates.
 *
 * @module
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { cli, freePort, tempDir, until, NodeProcess, type CliResult } from './node-driver.ts'
import { checkReceiptEvidence, parseReceiptEvidence } from '../protocol/receipt-evidence.ts'
import { openNodeCheckpoint } from '../node/audit/checkpoints.ts'

const AGREEMENT = 'JIT-PORTS-2025'
const AGREEMENT_FLAG = `${AGREEMENT}:2024-01-01:2030-12-31`
const TOPIC = 'drug-trafficking'
const DEADLINE_MS = 120_000

interface Agency {
  key: string
  label: string
  name: string
  jurisdiction?: string
  dir: string
  peerId: string
  fingerprint: string
  card: string
  node: NodeProcess
}

const tty = process.stdout.isTTY
const paint = (code: string) => (s: string): string => tty ? `\x1b[${code}m${s}\x1b[0m` : s
const dim = paint('2')
const bold = paint('1')
const green = paint('32')
const red = paint('31')
const out = (line = ''): void => {
  process.stdout.write(line + '\n')
}

class Deviation extends Error {}

function expect (condition: unknown, what: string, detail?: string): asserts condition {
  if (condition !== true && (condition == null || condition === false)) throw new Deviation(`${what}${detail != null ? `\n     ${detail}` : ''}`)
}

const ok = (text: string): void => {
  out(`   ${green('✓')} ${text}`)
}
const say = (text: string): void => {
  out(`   ${text}`)
}
let stepNo = 0
let stepAt = Date.now()
const step = (title: string): void => {
  if (process.env.LIAISON_DEMO_TIMING === '1' && stepNo > 0) out(dim(`   (${Date.now() - stepAt} ms)`))
  stepAt = Date.now()
  out('')
  out(bold(`${++stepNo}. ${title}`))
}

/** Run the demo in `root`; every node it creates is pushed to `nodes` (the caller stops them). */
export async function demo (root: string, nodes: NodeProcess[] = []): Promise<void> {
  const agencies: Agency[] = []
  /** Peer IDs shown as <A>, <B>… in the narrated commands. */
  const shorten = (s: string): string => agencies.reduce((t, a) => a.peerId !== '' ? t.split(a.peerId).join(`<${a.label}>`) : t, s).split(root).join('$DEMO')
  const run = async (who: Agency, args: string[], opts: { quiet?: boolean } = {}): Promise<CliResult> => {
    if (opts.quiet !== true) out(dim(`   [${who.label}] $ liaison ${shorten(args.map(a => /\s/.test(a) ? `'${a}'` : a).join(' '))}`))
    const t0 = Date.now()
    const res = await cli([...args, '--data-dir', who.dir])
    if (process.env.LIAISON_DEMO_TIMING === '1') out(dim(`      ${Date.now() - t0} ms`))
    return res
  }
  const json = <T>(res: CliResult, what: string): T => {
    expect(res.code === 0, `${what} failed (exit ${res.code})`, res.stderr.trim())
    return JSON.parse(res.stdout) as T
  }

  out(bold('Liaison demo: three agencies, one machine, everything through the CLI'))
  out(`Data directories under ${root}`)

  // ---------------------------------------------------------------------------------------
  step('Three agencies initialise their nodes (identity key, config, API token)')
  const specs = [
    { key: 'a', label: 'A', name: 'Rotterdam Port Police', jurisdiction: 'NL' },
    { key: 'b', label: 'B', name: 'Hamburg Customs Investigation', jurisdiction: 'DE' },
    { key: 'c', label: 'C', name: 'Antwerp Judicial Police', jurisdiction: 'BE' },
    { key: 'd', label: 'D', name: 'Unlisted node' }
  ]
  for (const s of specs) {
    const dir = join(root, s.key)
    const agency: Agency = {
      ...s,
      dir,
      peerId: '',
      fingerprint: '',
      card: join(root, 'cards', `${s.key}.card.json`),
      node: new NodeProcess(s.name, dir, join(root, `${s.key}.log`))
    }
    agencies.push(agency)
    nodes.push(agency.node)
  }
  await mkdir(join(root, 'cards'), { recursive: true })
  await Promise.all(agencies.map(async a => {
    const port = await freePort()
    const res = await cli(['init', '--data-dir', a.dir, '--name', a.name, '--listen', `/ip4/127.0.0.1/tcp/${port}`])
    expect(res.code === 0, `init of ${a.name} failed`, res.stderr)
    a.peerId = res.stdout.trim()
    // The operator edits config.json: jurisdiction for the trust card, short retries for a demo.
    const file = join(a.dir, 'config.json')
    const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>
    if (a.jurisdiction != null) config.jurisdiction = a.jurisdiction
    config.exchange = { retryBaseMs: 100, retryCapMs: 1000 }
    await writeFile(file, JSON.stringify(config, null, 2) + '\n')
    const check = await cli(['config', 'check', file])
    expect(check.code === 0, `config check of ${a.name} failed`, check.stderr)
  }))
  const [A, B, C, D] = agencies
  for (const a of agencies) ok(`${a.label}  ${a.name.padEnd(30)} ${(a.jurisdiction ?? '--')}  ${a.peerId}`)
  say(dim('(D is a fourth node nobody has agreed to work with.)'))

  // ---------------------------------------------------------------------------------------
  step('Each agency starts its node')
  await Promise.all(agencies.map(async a => {
    await a.node.start()
  }))
  for (const a of agencies) ok(`${a.label} running, API ${a.node.runtime?.apiUrl ?? '?'}, log ${shorten(a.node.logFile ?? '')}`)

  // ---------------------------------------------------------------------------------------
  step('They exchange self-signed trust cards and compare fingerprints out of band')
  await Promise.all(agencies.map(async a => {
    const res = await run(a, ['card', 'export', '--out', a.card], { quiet: true })
    expect(res.code === 0, `card export at ${a.label} failed`, res.stderr)
    a.fingerprint = /fingerprint (\S+)/.exec(res.stdout)?.[1] ?? ''
    expect(a.fingerprint !== '', `card export at ${a.label} printed no fingerprint`)
  }))
  out(dim('   [each] $ liaison card export --out cards/X.card.json'))
  for (const a of agencies) ok(`${a.label} fingerprint ${a.fingerprint}  (read out over the phone)`)

  // ---------------------------------------------------------------------------------------
  step(`They put each other on their trust lists under agreement ${AGREEMENT} (up to TLP:AMBER each way)`)
  const trust = async (who: Agency, other: Agency, extra: string[] = []): Promise<void> => {
    const res = await run(who, ['peers', 'add', '--card', other.card, '--fingerprint', other.fingerprint, '--agreement', AGREEMENT_FLAG, ...extra])
    expect(res.code === 0, `${who.label} could not add ${other.label}`, res.stderr)
  }
  // One command at a time per node; nodes in parallel.
  await Promise.all([
    (async () => {
      await trust(A, B)
      await trust(A, C)
    })(),
    (async () => {
      await trust(B, A)
      await trust(B, C)
    })(),
    (async () => {
      await trust(C, A)
      await trust(C, B)
    })(),
    trust(D, A)
  ])
  ok('A, B and C trust each other; D has added A, but A has never heard of D')

  // ---------------------------------------------------------------------------------------
  step("A sends a signed TLP:AMBER report to B and waits for B's signed receipt")
  const bodyFile = join(root, 'report.json')
  await writeFile(
    bodyFile,
    JSON.stringify(
      {
        summary: 'Container MSKU 720431-6, Santos → Rotterdam → Hamburg: suspected cocaine in the refrigeration unit',
        vessel: 'MV Example Trader',
        eta: '2025-06-02'
      },
      null,
      2
    ) + '\n'
  )
  const sent = json<{ id: string, digest: string, recipients: Array<{ peerId: string, status: string, reason?: string }> }>(
    await run(A, [
      'send',
      '--to',
      B.peerId,
      '--kind',
      'report',
      '--tlp',
      'AMBER',
      '--topic',
      TOPIC,
      '--legal-basis',
      AGREEMENT,
      '--handling',
      'no-judicial-use-without-consent',
      '--body',
      bodyFile,
      '--wait',
      '--timeout',
      '30s',
      '--json'
    ]),
    'send A→B'
  )
  expect(sent.recipients[0]?.status === 'delivered', 'the report was not delivered to B', JSON.stringify(sent.recipients))
  ok(`delivered: message ${sent.id}`)
  // Exchange v2: B's answer is a proof in B's audit log; A exports it as receipt evidence.
  const evidenceDir = join(root, 'evidence')
  const exported = await run(A, ['message', 'evidence', sent.id, '--out', evidenceDir])
  expect(exported.code === 0, "A cannot export B's receipt evidence", exported.stdout + exported.stderr)
  const evidenceBytes = new Uint8Array(await readFile(join(evidenceDir, B.peerId, 'evidence.json')))
  let proved: { size: number } | undefined
  let problem: string | undefined
  const evidence = parseReceiptEvidence(evidenceBytes)
  try {
    proved = checkReceiptEvidence(evidence)
    openNodeCheckpoint(evidence.checkpoint, [B.peerId])
  } catch (err) {
    problem = (err as Error).message
  }
  expect(problem === undefined, "B's receipt does not verify under B's public key", problem)
  expect(
    evidence.status === 'accepted' && evidence.for === sent.digest,
    "B's receipt evidence names another outcome",
    JSON.stringify({ status: evidence.status, for: evidence.for })
  )
  ok(
    `B's receipt verifies under B's key (its checkpoint of ${proved?.size ?? 0} log entries, the message's entry and the inclusion proof: ${
      join(evidenceDir, B.peerId)
    }, checkable with OpenSSL by PROTOCOL.md §22.5)`
  )
  const inboxB = json<Array<{ id: string, from: string, tlp: string }>>(await run(B, ['inbox', '--json']), 'inbox at B')
  expect(inboxB.some(m => m.id === sent.id && m.from === A.peerId && m.tlp === 'AMBER'), "the report is not in B's inbox")
  ok("the report is in B's inbox, from A, TLP:AMBER")

  // ---------------------------------------------------------------------------------------
  step("A tries to send TLP:RED to C: A's own policy refuses before anything is signed")
  const explain = await run(A, ['policy', 'check', '--to', C.peerId, '--tlp', 'RED', '--topic', TOPIC, '--legal-basis', AGREEMENT])
  expect(explain.code === 1 && explain.stdout.includes('TLP_NOT_PERMITTED'), '`policy check` did not explain the refusal', explain.stdout + explain.stderr)
  for (const line of explain.stdout.trim().split('\n').filter(l => l.includes('FAIL') || l.startsWith('decision'))) say(dim(line.trim()))
  const redFile = join(root, 'red.json')
  await writeFile(redFile, JSON.stringify({ summary: 'Name of the informant inside the terminal' }) + '\n')
  const red = await run(A, ['send', '--to', C.peerId, '--tlp', 'RED', '--topic', TOPIC, '--legal-basis', AGREEMENT, '--body', redFile])
  expect(
    red.code !== 0 && red.stderr.includes('RECIPIENT_REFUSED') && red.stderr.includes('TLP_NOT_PERMITTED'),
    'the TLP:RED message was not refused',
    red.stdout + red.stderr
  )
  ok(`refused: ${shorten(red.stderr.trim().split('\n')[0])}`)

  // ---------------------------------------------------------------------------------------
  step('D, whom A does not trust, tries to deliver to A: refused at the connection')
  const dFile = join(root, 'stranger.json')
  await writeFile(dFile, JSON.stringify({ summary: 'hello from nowhere' }) + '\n')
  const dSend = await run(D, ['send', '--to', A.peerId, '--tlp', 'GREEN', '--topic', TOPIC, '--legal-basis', AGREEMENT, '--body', dFile])
  expect(dSend.code === 0, 'D could not even queue its message', dSend.stderr)
  const refusal = (): string | undefined => A.node.output.split('\n').find(l => l.includes('connection refused') && l.includes(D.peerId))
  await until(() => refusal() != null, 20_000, 'A to log the refused connection from D', 100)
  const line = JSON.parse(refusal() as string) as { msg: string, peer: string, direction: string, component?: string }
  ok(`A's log: "${line.msg}" (${line.direction}, peer ${shorten(line.peer)})`)
  const inboxA = json<Array<{ from: string }>>(await run(A, ['inbox', '--json']), 'inbox at A')
  expect(!inboxA.some(m => m.from === D.peerId), "a message from D reached A's inbox")
  ok("nothing from D in A's inbox; D's message stays queued at D")
  const dExit = await D.node.stop('SIGTERM')
  expect(dExit === 0, `D did not stop cleanly (exit ${String(dExit)})`)

  // ---------------------------------------------------------------------------------------
  step("B wants to pass A's report on to C: refused without A's release, accepted with it")
  const refused = await run(B, ['forward', sent.id, '--to', C.peerId])
  expect(refused.code !== 0 && refused.stderr.includes('FORWARD_NOT_PERMITTED'), 'the forward without release was not refused', refused.stdout + refused.stderr)
  ok(`refused: ${shorten(refused.stderr.trim().split('\n')[0])}`)
  const request = json<{ requestId: string }>(
    await run(B, ['release', 'request', sent.id, '--to', C.peerId, '--reason', 'the consignee sits in Antwerp', '--json']),
    'release request at B'
  )
  ok(`B asked A (the originator) for release, request ${request.requestId}`)
  type Release = { requestId: string, status: string, messageId: string, recipient: string }
  let atA: Release | undefined
  await until(
    async () => {
      atA = json<Release[]>(await run(A, ['release', 'list', '--json'], { quiet: true }), 'release list at A').find(r => r.requestId === request.requestId)
      return atA != null
    },
    20_000,
    'the release request to reach A',
    200
  )
  out(dim('   [A] $ liaison release list --json'))
  expect(atA?.status === 'pending' && atA.messageId === sent.id && atA.recipient === C.peerId, 'A sees the wrong request', JSON.stringify(atA))
  ok('A sees the pending request: message, recipient C, reason')
  const grant = await run(A, ['release', 'grant', request.requestId, '--valid', '7d'])
  expect(grant.code === 0, 'A could not grant the release', grant.stderr)
  ok(grant.stdout.trim())
  await until(
    async () =>
      json<Release[]>(await run(B, ['release', 'list', '--json'], { quiet: true }), 'release list at B').some(r =>
        r.requestId === request.requestId && r.status === 'granted'
      ),
    20_000,
    "A's signed grant to reach B",
    200
  )
  ok("B holds A's signed grant")
  const forwarded = json<{ id: string, recipients: Array<{ status: string }> }>(await run(B, ['forward', sent.id, '--to', C.peerId, '--json']), 'forward at B')
  expect(forwarded.recipients[0]?.status === 'queued', 'the granted forward was not queued', JSON.stringify(forwarded))
  type Meta = { id: string, from: string, original?: { id: string, from: string } }
  let atC: Meta | undefined
  await until(
    async () => {
      atC = json<Meta[]>(await run(C, ['inbox', '--json'], { quiet: true }), 'inbox at C').find(m => m.id === forwarded.id)
      return atC != null
    },
    20_000,
    'the forward to reach C',
    200
  )
  out(dim('   [C] $ liaison inbox --json'))
  expect(atC?.from === B.peerId && atC.original?.id === sent.id && atC.original.from === A.peerId, 'C received something else', JSON.stringify(atC))
  ok("C accepted the forward: signed by B, carrying A's original byte for byte and A's grant")

  // ---------------------------------------------------------------------------------------
  step('The agencies stop their nodes (SIGTERM: graceful, exit 0)')
  for (const a of [A, B, C]) {
    const code = await a.node.stop('SIGTERM')
    expect(code === 0, `${a.label} exited with ${String(code)}`)
  }
  ok('A, B and C stopped cleanly')

  // ---------------------------------------------------------------------------------------
  step('Each agency verifies its audit log')
  const help = await cli(['help'])
  const hasAudit = /^\s+audit\s/m.test(help.stdout)
  if (!hasAudit) {
    say('audit verify: not available yet')
  } else {
    for (const a of [A, B, C]) {
      const res = await run(a, ['audit', 'verify'])
      // A log with no entries beside stored messages means the node never wrote its audit log.
      const hint = res.code !== 0 && /log\s+0 entries/.test(res.stdout)
        ? '\n     (the log has no entries at all: is the audit log wired into the running node?)'
        : ''
      expect(
        res.code === 0,
        `audit verify failed at ${a.label} (exit ${res.code})`,
        (res.stdout + res.stderr).trim().split('\n').slice(0, 8).join('\n     ') + hint
      )
      ok(`${a.label}: ${res.stdout.trim().split('\n')[0] ?? 'ok'}`)
    }
  }

  // ---------------------------------------------------------------------------------------
  step('A exports a bundle for an external auditor')
  if (!hasAudit) {
    say('audit export: not available yet')
  } else {
    const bundle = join(root, 'auditor', 'a-bundle')
    await mkdir(join(root, 'auditor'), { recursive: true })
    const res = await run(A, ['audit', 'export', '--out', bundle])
    expect(res.code === 0, `audit export failed (exit ${res.code})`, (res.stdout + res.stderr).trim())
    ok(`bundle written to ${shorten(bundle)}`)
    // The auditor checks it with nothing but the bundle: no data directory, no key.
    out(dim(`   [auditor] $ liaison audit verify --bundle ${shorten(bundle)}`))
    const checked = await cli(['audit', 'verify', '--bundle', bundle])
    expect(
      checked.code === 0,
      `the auditor's check of the bundle failed (exit ${checked.code})`,
      (checked.stdout + checked.stderr).trim().split('\n').slice(0, 8).join('\n     ')
    )
    ok(`auditor: ${checked.stdout.trim().split('\n')[0] ?? 'ok'}`)
  }

  out('')
  out(green(bold('Every step behaved as described.')))
  out('Data directories (kept for you to explore, e.g. `npx liaison inbox --data-dir DIR`):')
  for (const a of agencies) out(`  ${a.label}  ${a.dir}   log ${a.node.logFile ?? ''}`)
  out(`Remove them with: rm -rf ${root}`)
}

async function main (): Promise<number> {
  const { values } = parseArgs({ options: { dir: { type: 'string' } }, allowPositionals: false })
  const root = values.dir ?? await tempDir('liaison-demo-')
  await mkdir(root, { recursive: true })
  const nodes: NodeProcess[] = []
  const started = Date.now()
  const watchdog = setTimeout(() => {
    process.stderr.write(red(`\n✗ the demo took longer than ${DEADLINE_MS / 1000} s\n`))
    for (const n of nodes) n.child?.kill('SIGKILL')
    process.exit(1)
  }, DEADLINE_MS)
  watchdog.unref()
  try {
    await demo(root, nodes)
    out(dim(`(${((Date.now() - started) / 1000).toFixed(1)} s)`))
    return 0
  } catch (err) {
    out('')
    out(red(`✗ ${err instanceof Deviation ? 'deviation: ' : ''}${(err as Error).message}`))
    if (!(err instanceof Deviation)) out(dim((err as Error).stack ?? ''))
    out(`Data directories and logs are in ${root}`)
    return 1
  } finally {
    await Promise.all(nodes.map(async n => {
      if (n.running) await n.stop('SIGTERM')
    }))
    clearTimeout(watchdog)
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main()
