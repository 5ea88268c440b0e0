/**
 * Walks every `liaison` command definition and checks the promises of the CLI (issue 14):
 * `--help` lists exactly the flags the parser accepts; docs/cli.md and
 * docs/cli-output.schema.json are in step with the definitions; `--json` output of the
 * data-printing commands parses and matches its documented JSON Schema (times RFC 3339 ms),
 * on real data directories (LevelDB in a temp dir, the commands run in-process through main());
 * and error paths exit with the code of the one table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { COMMANDS, flagsOf, allFlagNames, renderCommand, renderSubcommand, parseInvocation, generateDocs, EXIT, operatorError } from '../../node/cli/index.ts'
import { NodeError } from '../../node/errors.ts'
import { outputChecker, runCli, type OutputChecker } from '../helpers/cli-run.ts'

const run = runCli

/** Flag names in a block of help lines (`  --to PEER_ID…  …`, `  -h, --help  …`). */
function helpFlags (lines: string[]): string[] {
  return lines.map(l => /^ {2}(?:-\w, )?--([a-z][a-z0-9-]*)/.exec(l)?.[1]).filter((n): n is string => n != null)
}

function section (text: string, title: string): string[] {
  const lines = text.split('\n')
  const start = lines.indexOf(title)
  if (start < 0) return []
  const end = lines.indexOf('', start)
  return lines.slice(start + 1, end)
}

describe('every command definition', () => {
  it('--help lists every flag the parser accepts, and no other', () => {
    for (const spec of COMMANDS) {
      const text = renderCommand(spec)
      const subs = Object.keys(spec.subcommands ?? {})
      expect([...new Set(helpFlags(text.split('\n')))].sort(), spec.name).toEqual(allFlagNames(spec).sort())
      for (const sub of subs.length > 0 ? subs : [undefined]) {
        const own = sub != null ? Object.keys(spec.subcommands?.[sub]?.flags ?? {}) : Object.keys(spec.flags ?? {})
        const title = sub != null ? `Flags of liaison ${spec.name}${sub !== '' ? ' ' + sub : ''}:` : 'Flags:'
        expect(helpFlags(section(text, title)).sort(), `${spec.name} ${sub ?? ''}`).toEqual(own.sort())
        // The parser accepts each of them (a missing required flag or argument is another error).
        const words = sub != null && sub !== '' ? sub.split(' ') : []
        for (const [name, f] of Object.entries(flagsOf(spec, sub))) {
          const argv = [...words, `--${name}`, ...(f.type === 'string' ? [f.choices?.[0] ?? 'x'] : [])]
          try {
            parseInvocation(spec, argv)
          } catch (err) {
            expect((err as Error).message, `${spec.name} ${sub ?? ''} --${name}`).not.toMatch(/has no flag/)
          }
        }
        expect(() => parseInvocation(spec, [...words, '--no-such-flag']), `${spec.name} ${sub ?? ''}`).toThrow(/has no flag --no-such-flag/)
      }
      expect(spec.examples?.length ?? subs.map(s => spec.subcommands?.[s]?.examples?.length ?? 0).reduce((a, b) => a + b, 0), `${spec.name} has an example`)
        .toBeGreaterThan(0)
      // Each subcommand's own --help (what `liaison COMMAND SUB --help` prints) shows one too.
      for (const sub of subs) expect(renderSubcommand(spec, sub), `${spec.name} ${sub} --help has an example`).toContain('\nExamples:\n')
    }
  })

  it('every command line declares its output: a documented JSON shape, or none', () => {
    for (const spec of COMMANDS) {
      const subs = Object.keys(spec.subcommands ?? {})
      for (const sub of subs.length > 0 ? subs : [undefined]) {
        const declared = sub != null ? (spec.subcommands?.[sub]?.output ?? spec.output) : spec.output
        expect(declared, `${spec.name} ${sub ?? ''}`).toBeDefined()
      }
    }
  })

  it('docs/cli.md and docs/cli-output.schema.json are generated from the definitions (npm run docs:cli)', async () => {
    const { markdown, schemas } = await generateDocs(COMMANDS)
    expect(await readFile(new URL('../../docs/cli.md', import.meta.url), 'utf8')).toBe(markdown)
    expect(await readFile(new URL('../../docs/cli-output.schema.json', import.meta.url), 'utf8')).toBe(schemas)
  })
})

describe('the command line, run', () => {
  let root: string
  let a: string
  let b: string
  let bId: string
  let checker: OutputChecker
  async function json<T = Record<string, unknown>> (line: string, ...argv: string[]): Promise<T> {
    return await checker.json<T>(line, ...argv)
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'liaison-cli-commands-'))
    a = join(root, 'a')
    b = join(root, 'b')
    checker = await outputChecker()
  })
  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('prints JSON in the documented shape, every time RFC 3339 UTC with milliseconds', async () => {
    expect(
      (await json<{ peerId: string }>('init', 'init', '--data-dir', a, '--name', 'Alpha', '--jurisdiction', 'NL', '--listen', '/ip4/127.0.0.1/tcp/0')).peerId
    ).toMatch(/^12D3KooW/)
    bId = (await json<{ peerId: string }>('init', 'init', '--data-dir', b, '--name', 'Beta', '--listen', '/ip4/127.0.0.1/tcp/0')).peerId
    await json('id', 'id', '--data-dir', a)
    const config = await json<{ config: { jurisdiction?: string } }>('config show', 'config', 'show', '--data-dir', a)
    expect(config.config.jurisdiction).toBe('NL')
    await json('config check', 'config', 'check', join(a, 'config.json'))
    const card = await json<{ envelope: string, fingerprint: string }>('card export', 'card', 'export', '--data-dir', b)
    const cardFile = join(root, 'b.card.json')
    await writeFile(cardFile, card.envelope)
    // Inspecting a card shows what adding it would take, and adds nothing.
    const inspected = await json<{ fingerprint: string, card: { name: string, peerId: string }, keys: Array<{ role: string }>, known?: unknown }>(
      'card inspect',
      'card',
      'inspect',
      cardFile,
      '--data-dir',
      a
    )
    expect(inspected).toMatchObject({ fingerprint: card.fingerprint, card: { name: 'Beta', peerId: bId }, signature: 'valid' })
    expect(inspected.keys.map(k => k.role)).toEqual(['identity', 'courier', 'oprf'])
    expect(inspected.known).toBeUndefined()
    expect(await json<unknown[]>('peers list', 'peers', 'list', '--data-dir', a)).toEqual([])
    await json(
      'peers add',
      'peers',
      'add',
      '--data-dir',
      a,
      '--card',
      cardFile,
      '--fingerprint',
      card.fingerprint,
      '--agreement',
      'EU-2024-17:2020-01-01:2099-12-31',
      '--max-tlp-out',
      'RED'
    )
    await json('peers show', 'peers', 'show', bId, '--data-dir', a)
    await json('peers list', 'peers', 'list', '--data-dir', a)
    await json('peers update', 'peers', 'update', bId, '--data-dir', a, '--note', 'partner')
    await json('peers suspend', 'peers', 'suspend', bId, '--data-dir', a)
    await json('peers resume', 'peers', 'resume', bId, '--data-dir', a)
    await json('policy show', 'policy', 'show', '--data-dir', a)
    await json('policy check', 'policy', 'check', '--data-dir', a, '--to', bId, '--tlp', 'AMBER', '--topic', 'fraud', '--legal-basis', 'EU-2024-17')
    const body = join(root, 'body.json')
    await writeFile(body, JSON.stringify({ text: 'hello', at: '2026-01-01T00:00:00Z' }))
    const sent = await json<{ id: string, digest: string }>(
      'send',
      'send',
      '--data-dir',
      a,
      '--to',
      bId,
      '--tlp',
      'AMBER',
      '--topic',
      'fraud',
      '--legal-basis',
      'EU-2024-17',
      '--body',
      body
    )
    const outbox = await json<Array<{ queuedAt: string }>>('outbox', 'outbox', '--data-dir', a)
    expect(outbox[0].queuedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    await json('inbox', 'inbox', '--data-dir', a)
    const shown = await json<{ body: unknown, signature: { valid: boolean }, meta: { storedAt: string } }>(
      'message show',
      'message',
      'show',
      sent.id,
      '--data-dir',
      a
    )
    expect(shown.body).toEqual({ text: 'hello', at: '2026-01-01T00:00:00Z' })
    expect(shown.signature.valid).toBe(true)
    const text = await run('message', 'show', sent.id, '--data-dir', a)
    expect(text.stdout).toContain('"text": "hello"')
    expect(text.stdout).toMatch(/signature\s+valid/)
    await json('release list', 'release', 'list', '--data-dir', a)
    await json('keys status', 'keys', 'status', '--data-dir', a)
    await json('audit checkpoint', 'audit', 'checkpoint', '--data-dir', a)
    await json('audit prove', 'audit', 'prove', sent.digest, '--data-dir', a)
    await json('audit witnesses', 'audit', 'witnesses', '--data-dir', a)
    // Without --json the same commands print text, not JSON (issue 14: keys status, audit checkpoint and policy show always printed JSON).
    for (
      const argv of [
        ['keys', 'status'],
        ['audit', 'checkpoint'],
        ['audit', 'witnesses'],
        ['audit', 'prove', sent.digest],
        ['policy', 'show'],
        ['config', 'show'],
        ['id'],
        ['peers', 'list'],
        ['peers', 'show', bId],
        ['outbox'],
        ['inbox'],
        ['release', 'list'],
        ['message', 'show', sent.id]
      ]
    ) {
      const res = await run(...argv, '--data-dir', a)
      expect(res.code, `${argv.join(' ')}: ${res.stderr}`).toBe(EXIT.OK)
      expect(() => JSON.parse(res.stdout), `${argv.join(' ')} prints text by default`).toThrow()
    }
    await json('audit verify', 'audit', 'verify', '--data-dir', a, '--workers', '1')
    await json('audit export', 'audit', 'export', '--data-dir', a, '--out', join(root, 'bundle'))
    await json('purge', 'purge', '--data-dir', a)
    await json('store fsck', 'store', 'fsck', '--data-dir', a)
    await json('index add', 'index', 'add', '--data-dir', a, '--type', 'email', '--selector', 'someone@example.org', '--ref', 'case-1')
    await json('index list', 'index', 'list', '--data-dir', a)
    await json('index remove', 'index', 'remove', '--data-dir', a, '--type', 'email', '--selector', 'someone@example.org')
    await json('index rotate-key', 'index', 'rotate-key', '--data-dir', a)
    const col = await json<{ id: string }>('taxii collections add', 'taxii', 'collections', 'add', '--data-dir', a, '--inbound', '--title', 'in')
    await json('taxii collections list', 'taxii', 'collections', 'list', '--data-dir', a)
    await json('taxii clients add', 'taxii', 'clients', 'add', 'misp', '--collections', `${col.id}:r`, '--data-dir', a)
    await json('taxii clients list', 'taxii', 'clients', 'list', '--data-dir', a)
    await json('taxii clients remove', 'taxii', 'clients', 'remove', 'misp', '--data-dir', a)
    await json('taxii collections remove', 'taxii', 'collections', 'remove', col.id, '--data-dir', a)
    await json('peers revoke', 'peers', 'revoke', bId, '--data-dir', a)
    await json('peers remove', 'peers', 'remove', bId, '--data-dir', a)
    const pem = join(root, 'a.pem')
    await writeFile(pem, (await json<{ publicKeyPem: string }>('id', 'id', '--data-dir', a)).publicKeyPem)
    const env = join(root, 'msg.dsse.json')
    const raw = await run('message', 'show', sent.id, '--envelope', '--data-dir', a)
    await writeFile(env, raw.stdout)
    expect((await json<{ valid: boolean }>('envelope verify', 'envelope', 'verify', '--public-key', pem, '--in', env)).valid).toBe(true)
    // Commands that need a running node or a peer are checked by the e2e tests; these ran here:
    expect(checker.checked.size).toBeGreaterThanOrEqual(38)
  })

  it('exits with the code of the one table, and speaks of what was typed', async () => {
    const typo = await run('sned')
    expect(typo.code).toBe(EXIT.USAGE)
    expect(typo.stderr).toContain('did you mean send?')
    const flagTypo = await run('send', '--tpl', 'RED')
    expect(flagTypo.code).toBe(EXIT.USAGE)
    expect(flagTypo.stderr).toContain('did you mean --tlp?')
    const subTypo = await run('peers', 'lsit', '--data-dir', a)
    expect(subTypo.code).toBe(EXIT.USAGE)
    expect(subTypo.stderr).toContain('did you mean peers list?')
    const missing = await run('send', '--data-dir', a, '--to', bId, '--topic', 'x', '--legal-basis', 'y')
    expect(missing.code).toBe(EXIT.USAGE)
    expect(missing.stderr).toContain('needs --tlp TLP')
    const choice = await run('send', '--data-dir', a, '--to', bId, '--tlp', 'PURPLE', '--topic', 'x', '--legal-basis', 'y')
    expect(choice.code).toBe(EXIT.USAGE)
    expect(choice.stderr).toContain('--tlp PURPLE: expected one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED')
    const limit = await run('inbox', '--data-dir', a, '--limit', 'abc')
    expect(limit.code).toBe(EXIT.USAGE)
    expect(limit.stderr).not.toMatch(/query|limit:/)
    const month = await run('peers', 'add', '--data-dir', a, '--peer-id', bId, '--name', 'Beta', '--agreement', 'EU-1:2025-13-01:2026-01-01')
    expect(month.code).toBe(EXIT.USAGE)
    expect(month.stderr).not.toMatch(/validFrom|validUntil|RFC 3339 date-time/)
    const big = join(root, 'big.json')
    await writeFile(big, JSON.stringify({ text: 'x'.repeat(3 * 1024 * 1024) }))
    const tooBig = await run('send', '--data-dir', a, '--to', bId, '--tlp', 'AMBER', '--topic', 'x', '--legal-basis', 'y', '--body', big)
    expect(tooBig.code).toBe(EXIT.USAGE)
    expect(tooBig.stderr).toContain(`--body ${big} is 3.0 MiB`)
    expect(tooBig.stderr).not.toMatch(/request body|2097152/)
    const badPeer = await run('peers', 'add', '--data-dir', a, '--peer-id', 'not-a-peer', '--name', 'X')
    expect(badPeer.code).toBe(EXIT.USAGE)
    expect(badPeer.stderr).toMatch(/^error BAD_PEER_ID/)
    const notFound = await run('peers', 'show', bId, '--data-dir', a)
    expect(notFound.code).toBe(EXIT.REFUSED)
    expect(notFound.stderr).toMatch(/^error NOT_FOUND/)
    const notRunning = await run('policy', 'reload', '--data-dir', a)
    expect(notRunning.code).toBe(EXIT.UNAVAILABLE)
    const offline = await run('query', 'pending', '--data-dir', a)
    expect(offline.code).toBe(EXIT.UNAVAILABLE)
    // A card needs its fingerprint; a wrong one is refused without telling the right one.
    const card = await run('card', 'export', '--data-dir', b, '--json')
    const { envelope, fingerprint } = JSON.parse(card.stdout) as { envelope: string, fingerprint: string }
    const cardFile = join(root, 'b2.card.json')
    await writeFile(cardFile, envelope)
    const noFp = await run('peers', 'add', '--data-dir', a, '--card', cardFile)
    expect(noFp.code).toBe(EXIT.USAGE)
    expect(noFp.stderr).toContain('--no-fingerprint-check')
    const wrong = await run('peers', 'add', '--data-dir', a, '--card', cardFile, '--fingerprint', 'AAAA-BBBB-CCCC-DDDD-EEEE-FFFF')
    expect(wrong.code).toBe(EXIT.USAGE)
    expect(wrong.stderr).toMatch(/^error BAD_KEY/)
    expect(wrong.stderr).not.toContain(fingerprint)
    const unchecked = await run('peers', 'add', '--data-dir', a, '--card', cardFile, '--no-fingerprint-check')
    expect(unchecked.code).toBe(EXIT.OK)
    expect(unchecked.stdout).toContain('WITHOUT checking its fingerprint')
    // Inspection: the text says what to compare and knows the peer is on the list; a card that is not one is refused with its code.
    const shown = await run('card', 'inspect', cardFile, '--data-dir', a)
    expect(shown.code).toBe(EXIT.OK)
    expect(shown.stdout).toContain(`fingerprint   ${fingerprint}`)
    expect(shown.stdout).toMatch(/^self-signature valid$/m)
    expect(shown.stdout).toMatch(/^on the trust list already as Beta \(active\)$/m)
    const notCard = join(root, 'not-a.card.json')
    await writeFile(notCard, '{"payloadType":"x","payload":"","signatures":[]}')
    const refused = await run('card', 'inspect', notCard, '--data-dir', a)
    expect(refused.code).toBe(EXIT.REFUSED)
    expect(refused.stderr).toMatch(/^error BAD_PAYLOAD_TYPE/)
    // The skipped check is in the audit log (read here from an export bundle, as an auditor would).
    const bundle = join(root, 'bundle-unchecked')
    expect((await run('audit', 'export', '--data-dir', a, '--out', bundle)).code).toBe(EXIT.OK)
    expect(await readFile(join(bundle, 'audit', 'entries.jsonl'), 'utf8')).toContain('peer.added.fingerprint-unchecked')
  })

  it("a running node's request errors read as the flags the operator typed", () => {
    const api = new NodeError('BAD_ARGUMENT', 'invalid request: body/topic: Invalid string', {
      details: [{ in: 'body', path: '/topic', problem: 'invalid', message: 'Invalid string: must match pattern /^[a-z0-9]+(-[a-z0-9]+)*$/' }, {
        in: 'body',
        path: '/legalBasis',
        problem: 'missing',
        message: 'required'
      }]
    })
    const said = operatorError(api, { topic: 'Bad_Topic' }) as NodeError
    expect(said.code).toBe('BAD_ARGUMENT')
    expect(said.message).toBe('--topic Bad_Topic: expected the form /^[a-z0-9]+(-[a-z0-9]+)*$/; --legal-basis is required')
    const big = operatorError(new NodeError('TOO_LARGE', 'request body exceeds 2097152 bytes')) as NodeError
    expect(big.message).not.toMatch(/request body|2097152/)
  })

  it('completion scripts come from the same definitions', async () => {
    const bash = await run('completion', 'bash')
    expect(bash.code).toBe(EXIT.OK)
    expect(bash.stdout).toContain('--no-fingerprint-check')
    // What bash offers, asked as bash asks it.
    const offer = (...words: string[]): string[] =>
      execFileSync('bash', [
        '-c',
        `${bash.stdout}\nCOMP_WORDS=(${words.map(w => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _liaison; echo "\${COMPREPLY[@]}"`
      ], { encoding: 'utf8' }).trim().split(/\s+/)
    expect(offer('liaison', 'pe')).toEqual(['peers'])
    expect(offer('liaison', 'taxii', 'clients', '')).toEqual(['add', 'list', 'remove'])
    expect(offer('liaison', 'send', '--tlp', '')).toEqual(['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'])
    expect(offer('liaison', 'peers', 'add', '--no-f')).toEqual(['--no-fingerprint-check'])
    // The zsh script of every command parses in zsh (installed by .ci/run; skipped where zsh is absent).
    const zsh = await run('completion', 'zsh')
    expect(zsh.code).toBe(EXIT.OK)
    expect(zsh.stdout).toContain('--no-fingerprint-check')
    try {
      execFileSync('zsh', ['-n'], { input: zsh.stdout })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    expect((await run('completion', 'fish')).code).toBe(EXIT.USAGE)
  })
})
