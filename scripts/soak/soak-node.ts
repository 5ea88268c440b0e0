/**
 * One real `liaison` node for the soak and fault runs: init on a fixed loopback port (its
 * address survives restarts), trust through the CLI with the test agreement, start/stop/kill -9
 * through scripts/node-driver.ts, and read what a supervisor reads (API client, RSS, audit).
 *
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ApiClient } from '../../node/api/client.ts'
import { NodeProcess, cli, freePort, type CliResult } from '../node-driver.ts'

/** The agreement every soak trust record carries (same as the e2e tests' TEST_AGREEMENT). */
export const SOAK_AGREEMENT = 'EU-2024-17'

export interface SoakNodeInit {
  name: string
  root: string
  /** Merged into config.json's `exchange` (short retry caps by default). */
  exchange?: Record<string, unknown>
  logLevel?: string
}

export class SoakNode {
  readonly name: string
  readonly dir: string
  readonly process: NodeProcess
  peerId = ''
  address = ''

  private constructor (name: string, dir: string) {
    this.name = name
    this.dir = dir
    this.process = new NodeProcess(name, dir, `${dir}.log`)
  }

  static async create (init: SoakNodeInit): Promise<SoakNode> {
    const node = new SoakNode(init.name, join(init.root, init.name))
    const port = await freePort()
    const res = await cli(['init', '--data-dir', node.dir, '--name', init.name, '--listen', `/ip4/127.0.0.1/tcp/${port}`])
    if (res.code !== 0) throw new Error(`init ${init.name} failed: ${res.stderr}`)
    node.peerId = res.stdout.trim()
    node.address = `/ip4/127.0.0.1/tcp/${port}/p2p/${node.peerId}`
    const configFile = join(node.dir, 'config.json')
    const config = JSON.parse(await readFile(configFile, 'utf8'))
    config.exchange = { retryBaseMs: 50, retryCapMs: 500, ...init.exchange }
    config.logLevel = init.logLevel ?? 'info'
    await writeFile(configFile, JSON.stringify(config, null, 2))
    return node
  }

  get pid (): number | undefined {
    return this.process.child?.pid
  }

  async start (): Promise<void> {
    // The node's own output is kept in the log file; do not hold it in memory too.
    await this.process.start([], 60_000)
    const forget = (): void => {
      this.process.output = ''
    }
    forget()
    this.process.child?.stdout?.on('data', forget)
    this.process.child?.stderr?.on('data', forget)
  }

  async stop (): Promise<void> {
    await this.process.stop('SIGTERM')
  }

  async crash (): Promise<void> {
    await this.process.crash()
  }

  async client (): Promise<ApiClient> {
    const info = this.process.runtime
    if (info == null) throw new Error(`${this.name} is not running`)
    const token = (await readFile(join(this.dir, 'api-token'), 'utf8')).trim()
    return new ApiClient(info.apiUrl, token)
  }

  /** Trust `other` with the soak agreement and any extra `peers add` flags. */
  async trust (other: SoakNode, extra: string[] = []): Promise<void> {
    const res = await cli([
      'peers',
      'add',
      '--data-dir',
      this.dir,
      '--peer-id',
      other.peerId,
      '--name',
      other.name,
      '--address',
      other.address,
      '--agreement',
      `${SOAK_AGREEMENT}:2020-01-01:2099-12-31`,
      ...extra
    ])
    if (res.code !== 0) throw new Error(`peers add on ${this.name} failed: ${res.stderr}`)
  }

  /** Resident set size in kB (VmRSS from /proc), or undefined when not running. */
  async rssKb (): Promise<number | undefined> {
    const pid = this.pid
    if (pid == null) return undefined
    try {
      const m = /VmRSS:\s+(\d+)\s+kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))
      return m == null ? undefined : Number(m[1])
    } catch {
      return undefined
    }
  }
}

/** `liaison audit verify --data-dir DIR` (on a stopped node or a copy). */
export async function auditVerify (dir: string): Promise<CliResult> {
  return await cli(['audit', 'verify', '--data-dir', dir])
}
