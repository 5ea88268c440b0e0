/**
 * Test harness: real `liaison` node processes on loopback with their own data directories.
 * Each node gets a fixed free port so that its address survives restarts (crash tests).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { ApiClient } from '../../node/api/client.ts'
import { CLI, cli, freePort, tempDir as driverTempDir, until as driverUntil } from '../../scripts/node-driver.ts'

export { CLI, cli, freePort }

import type { RuntimeInfo } from '../../node/liaison-node.ts'

export async function tempDir (prefix = 'liaison-test-'): Promise<string> {
  return await driverTempDir(prefix)
}

const run = promisify(execFile)

/** The agreement `TestNode.trust` records with every peer; test messages name it as legalBasis. */
export const TEST_AGREEMENT = 'EU-2024-17'
export interface TestNodeInit {
  name: string
  root: string
  /** Extra exchange settings merged into config.json (tests use short retry caps). */
  exchange?: Record<string, unknown>
}

export class TestNode {
  readonly name: string
  readonly dir: string
  peerId = ''
  port = 0
  address = ''
  child: ChildProcess | undefined
  runtime: RuntimeInfo | undefined
  output = ''
  private exited: Promise<number | null> | undefined

  private constructor (name: string, dir: string) {
    this.name = name
    this.dir = dir
  }

  static async create (init: TestNodeInit): Promise<TestNode> {
    const node = new TestNode(init.name, join(init.root, init.name))
    node.port = await freePort()
    const res = await cli(['init', '--data-dir', node.dir, '--name', init.name, '--listen', `/ip4/127.0.0.1/tcp/${node.port}`])
    if (res.code !== 0) throw new Error(`init failed: ${res.stderr}`)
    node.peerId = res.stdout.trim()
    node.address = `/ip4/127.0.0.1/tcp/${node.port}/p2p/${node.peerId}`
    const configFile = join(node.dir, 'config.json')
    const config = JSON.parse(await readFile(configFile, 'utf8'))
    config.exchange = { retryBaseMs: 50, retryCapMs: 500, ...init.exchange }
    config.logLevel = 'debug'
    await writeFile(configFile, JSON.stringify(config, null, 2))
    return node
  }

  /**
   * Start `liaison start` and wait until it is up. `execArgv` goes to Node before the CLI
   * (fault tests preload scripts/soak/clock-shift.ts with it); `env` is merged into ours.
   */
  async start (opts: { execArgv?: string[], env?: NodeJS.ProcessEnv } = {}): Promise<RuntimeInfo> {
    await rm(join(this.dir, 'node.json'), { force: true })
    const child = spawn(process.execPath, [...(opts.execArgv ?? []), CLI, 'start', '--data-dir', this.dir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } })
    this.child = child
    child.stdout?.on('data', (d: Buffer) => { this.output += d.toString() })
    child.stderr?.on('data', (d: Buffer) => { this.output += d.toString() })
    this.exited = new Promise(resolve => { child.once('exit', (code) => { resolve(code) }) })
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      try {
        const info = JSON.parse(await readFile(join(this.dir, 'node.json'), 'utf8')) as RuntimeInfo
        if (info.pid === child.pid) {
          this.runtime = info
          return info
        }
      } catch {}
      if (child.exitCode != null) throw new Error(`${this.name} exited with ${child.exitCode}:\n${this.output}`)
      await new Promise(resolve => setTimeout(resolve, 25))
    }
    throw new Error(`${this.name} did not start:\n${this.output}`)
  }

  /** Graceful stop; resolves with the exit code. */
  async stop (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child == null || this.child.exitCode != null) return this.child?.exitCode ?? null
    this.child.kill(signal)
    const code = await this.exited
    this.child = undefined
    return code ?? null
  }

  /** kill -9: no cleanup at all. */
  async crash (): Promise<void> {
    if (this.child == null) return
    this.child.kill('SIGKILL')
    await this.exited
    this.child = undefined
  }

  async client (): Promise<ApiClient> {
    if (this.runtime == null) throw new Error(`${this.name} is not running`)
    const token = (await readFile(join(this.dir, 'api-token'), 'utf8')).trim()
    return new ApiClient(this.runtime.apiUrl, token)
  }

  /**
   * Put `other` on this node's trust list (through the CLI, running or not), with the test
   * agreement TEST_AGREEMENT valid, and any extra flags (`--max-tlp-in RED`, …).
   */
  async trust (other: TestNode, extra: string[] = []): Promise<void> {
    const res = await cli(['peers', 'add', '--data-dir', this.dir, '--peer-id', other.peerId, '--name', other.name, '--address', other.address, '--agreement', `${TEST_AGREEMENT}:2020-01-01:2099-12-31`, ...extra])
    if (res.code !== 0) throw new Error(`peers add failed: ${res.stderr}`)
  }
}

/** Poll until `check` returns true (or throw after `timeoutMs`, default one minute in tests). */
export async function until (check: () => Promise<boolean> | boolean, timeoutMs = 60_000, what = 'condition'): Promise<void> {
  await driverUntil(check, timeoutMs, what)
}

export { run }
