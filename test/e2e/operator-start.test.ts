import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CLI, cli, tempDir, until } from '../../scripts/node-driver.ts'
import { DEFAULT_DELIVERY_WINDOW } from '../../node/defaults.ts'

const FINGERPRINT = /[A-Z2-7]{4}(-[A-Z2-7]{4}){5}/

/** `npm start` is `liaison up` (from dist/, see npm-start-build.test.ts); the same command from the sources: run it until the banner, then Ctrl-C. */
async function npmStart (env: NodeJS.ProcessEnv, signal: NodeJS.Signals = 'SIGINT'): Promise<{ code: number | null, output: string }> {
  const child = spawn(process.execPath, [CLI, 'up'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString()
  })
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString()
  })
  const exited = new Promise<number | null>(resolve => {
    child.once('exit', code => {
      resolve(code)
    })
  })
  try {
    await until(() => output.includes('Stop with Ctrl-C.') || child.exitCode != null, 30_000, 'the banner')
  } catch (err) {
    child.kill('SIGKILL')
    throw new Error(`${(err as Error).message}\n${output}`)
  }
  child.kill(signal)
  return { code: await exited, output }
}

describe('npm start (liaison up)', () => {
  let root: string
  let dir: string

  beforeAll(async () => {
    root = await tempDir('liaison-op-start-')
    dir = join(root, 'data')
  })

  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('initialises a fresh data dir from LIAISON_DATA_DIR and LIAISON_NAME, prints who it is and what next, and stops cleanly on Ctrl-C', async () => {
    const { code, output } = await npmStart({ LIAISON_DATA_DIR: dir, LIAISON_NAME: 'Operator Test Agency', LIAISON_LOG_LEVEL: 'warn' })
    expect(code).toBe(0)
    const id = await cli(['id', '--data-dir', dir])
    const peerId = id.stdout.split('\n')[0]
    expect(output).toContain(`Initialised a new node "Operator Test Agency" in ${dir}`)
    expect(output).toContain('Liaison node "Operator Test Agency" is running.')
    expect(output).toMatch(new RegExp(`peer ID +${peerId}`))
    expect(output).toMatch(new RegExp(`fingerprint +${FINGERPRINT.source}`))
    expect(output).toMatch(new RegExp(`listening +/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${peerId}`))
    expect(output).toMatch(/local API +http:\/\/127\.0\.0\.1:\d+/)
    // The operator console (issue 21) is served at / of the local API; the banner names it.
    expect(output).toMatch(/console +http:\/\/127\.0\.0\.1:\d+\/ /)
    // The TAXII 2.1 server runs on every node, loopback by default (issue 15): its base URL is in the banner.
    expect(output).toMatch(/TAXII 2\.1 +http:\/\/127\.0\.0\.1:\d+\/taxii2\/ /)
    expect(output).toContain(join(dir, 'config.json'))
    expect(output).toContain(join(dir, 'api-token'))
    expect(output).toContain('liaison card export')
    expect(output).toContain('liaison peers add')
    // The fingerprint is the one the trust card carries.
    const card = await cli(['card', 'export', '--data-dir', dir])
    expect(output).toContain(/fingerprint (\S+)/.exec(card.stderr)?.[1])
    // Never the token or the key.
    const token = (await readFile(join(dir, 'api-token'), 'utf8')).trim()
    expect(output).not.toContain(token)
    expect(output).not.toContain('PRIVATE KEY')
    // A clean stop removes the runtime file.
    await expect(stat(join(dir, 'node.json'))).rejects.toThrow()
  })

  it('starts the same node again on the second run (no re-initialisation) and stops cleanly on SIGTERM', async () => {
    const before = (await cli(['id', '--data-dir', dir])).stdout
    const { code, output } = await npmStart({ LIAISON_DATA_DIR: dir, LIAISON_NAME: 'Someone Else', LIAISON_LOG_LEVEL: 'warn' }, 'SIGTERM')
    expect(code).toBe(0)
    expect(output).not.toContain('Initialised')
    expect(output).toContain('"Operator Test Agency" is running')
    expect((await cli(['id', '--data-dir', dir])).stdout).toBe(before)
  })

  it('refuses to start on an invalid config, naming path, value and expectation (CONFIG_INVALID, exit 1)', async () => {
    const file = join(dir, 'config.json')
    const good = await readFile(file, 'utf8')
    try {
      await writeFile(file, JSON.stringify({ ...JSON.parse(good), api: { port: 'eighty' }, colour: 'blue' }))
      const res = await cli(['start', '--data-dir', dir])
      expect(res.code).toBe(1)
      expect(res.stderr).toContain('error CONFIG_INVALID')
      expect(res.stderr).toContain('api.port: got "eighty"; expected a number')
      expect(res.stderr).toMatch(/colour: unknown key; expected one of name, .*logLevel/)
    } finally {
      await writeFile(file, good)
    }
  })

  it('refuses to bind the API beyond loopback unless the config explicitly allows it', async () => {
    const file = join(dir, 'config.json')
    const good = await readFile(file, 'utf8')
    try {
      await writeFile(file, JSON.stringify({ ...JSON.parse(good), api: { host: '0.0.0.0' } }))
      const res = await cli(['start', '--data-dir', dir])
      expect(res.code).toBe(1)
      expect(res.stderr).toContain('error CONFIG_INVALID')
      expect(res.stderr).toContain('api.allowNonLoopback')
    } finally {
      await writeFile(file, good)
    }
  })

  it('rejects an unknown --log-level as a usage error', async () => {
    const res = await cli(['start', '--data-dir', dir, '--log-level', 'chatty'])
    expect(res.code).toBe(2)
    expect(res.stderr).toContain('error BAD_ARGUMENT: --log-level chatty: expected one of fatal, error, warn, info, debug, trace, silent')
  })
})

describe('liaison config show | check', () => {
  let root: string
  let dir: string

  beforeAll(async () => {
    root = await tempDir('liaison-op-config-')
    dir = join(root, 'n')
    const res = await cli(['init', '--data-dir', dir, '--name', 'Config Agency'])
    expect(res.code).toBe(0)
  })

  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('shows the effective config with environment overrides marked and secrets only by location', async () => {
    const res = await cli(['config', 'show', '--data-dir', dir], { env: { LIAISON_API_PORT: '4711', LIAISON_LOG_LEVEL: 'debug' } })
    expect(res.code).toBe(0)
    expect(res.stdout).toContain('api.port ← LIAISON_API_PORT')
    expect(res.stdout).toContain('"port": 4711')
    expect(res.stdout).toContain('"logLevel": "debug"')
    expect(res.stdout).toContain(`"deliveryWindow": ${DEFAULT_DELIVERY_WINDOW}`) // defaults applied
    expect(res.stdout).toMatch(/API token +.*api-token +\(mode 600; contents never shown\)/)
    const token = (await readFile(join(dir, 'api-token'), 'utf8')).trim()
    const key = await readFile(join(dir, 'identity.key'), 'utf8')
    expect(res.stdout).not.toContain(token)
    for (const line of key.split('\n').filter(l => l !== '' && !l.startsWith('-----'))) expect(res.stdout).not.toContain(line)
    const asJson = JSON.parse((await cli(['config', 'show', '--data-dir', dir, '--json'])).stdout) as Record<string, unknown>
    expect(asJson).toMatchObject({ config: { name: 'Config Agency' }, secrets: { apiToken: { file: join(dir, 'api-token'), present: true, mode: '600' } } })
    expect(JSON.stringify(asJson)).not.toContain(token)
  })

  it('checks a config file without starting anything, and the shipped examples pass', async () => {
    const ok = await cli(['config', 'check', join(dir, 'config.json')])
    expect(ok).toMatchObject({ code: 0 })
    expect(ok.stdout).toContain('valid')
    const example = new URL('../../config/config.example.json', import.meta.url).pathname
    const policy = new URL('../../config/policy.example.json', import.meta.url).pathname
    const both = await cli(['config', 'check', example, '--policy', policy])
    expect(both.stderr).toBe('')
    expect(both.code).toBe(0)
    const bad = join(root, 'bad.json')
    await writeFile(bad, '{ "name": "x", "exchange": { "retryCapMs": 99999 } }')
    const res = await cli(['config', 'check', bad])
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('exchange.retryCapMs: got 99999; expected a number at most 30000')
  })

  it('names the environment variable when an override is what makes the config invalid', async () => {
    const res = await cli(['config', 'check', join(dir, 'config.json')], { env: { LIAISON_API_PORT: '80a' } })
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('api.port: got "80a" (from LIAISON_API_PORT); expected a number')
  })
})
