/**
 * Test harness: real `liaison` node processes on loopback with their own data directories.
 * Each node gets a fixed free port so that its address survives restarts (crash tests).
 */
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { ApiClient } from '../../node/api/client.ts'
import { CLI, NodeProcess, cli, freePort, tempDir as driverTempDir, until as driverUntil } from '../../scripts/node-driver.ts'

export { CLI, cli, freePort }

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

/**
 * A node process of the tests: NodeProcess from scripts/node-driver.ts (start, stop, crash,
 * output) made by `create` with a fixed port, short retry caps and debug logs, plus the test
 * conveniences below. `start([], undefined, { execArgv, env })` runs Node with extra options
 * (fault tests preload scripts/soak/clock-shift.ts with it).
 */
export class TestNode extends NodeProcess {
  peerId = ''
  port = 0
  address = ''

  private constructor (name: string, dir: string) {
    super(name, dir)
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
      `${TEST_AGREEMENT}:2020-01-01:2099-12-31`,
      ...extra
    ])
    if (res.code !== 0) throw new Error(`peers add failed: ${res.stderr}`)
  }
}

/** Nodes made in `root` from `inits` (concurrently), each then trusting every other one in turn; none started. */
export async function createTrusting (root: string, inits: Array<Omit<TestNodeInit, 'root'>>): Promise<TestNode[]> {
  const nodes = await Promise.all(inits.map(async init => await TestNode.create({ ...init, root })))
  for (const x of nodes) for (const y of nodes) if (x !== y) await x.trust(y)
  return nodes
}

/** Starts `nodes` together; if any fails to start, stops those that did and throws its error. */
export async function startAll (nodes: TestNode[]): Promise<void> {
  const started = await Promise.allSettled(nodes.map(async n => await n.start()))
  const failed = started.find(r => r.status === 'rejected')
  if (failed === undefined) return
  await Promise.all(nodes.map(async n => await n.stop()))
  throw failed.reason
}

/**
 * Nodes named `names` in `root`, started, each then trusting every other one with TEST_AGREEMENT
 * through its API (no CLI process per peer, so many nodes set up quickly), and their API clients.
 */
export async function startTrustingViaApi (root: string, names: string[]): Promise<{ nodes: TestNode[], clients: ApiClient[] }> {
  const nodes = await Promise.all(names.map(async name => await TestNode.create({ name, root })))
  await startAll(nodes)
  const clients = await Promise.all(nodes.map(async n => await n.client()))
  const agreements = [{ id: TEST_AGREEMENT, validFrom: '2020-01-01T00:00:00.000Z', validUntil: '2099-12-31T23:59:59.999Z' }]
  await Promise.all(nodes.map(async (x, i) => {
    for (const y of nodes) if (y !== x) await clients[i].addPeer({ peerId: y.peerId, name: y.name, addresses: [y.address], agreements })
  }))
  return { nodes, clients }
}

/** Nodes `a` and `b` in `root` that trust each other, both started. */
export async function startTrustedPair (root: string): Promise<[TestNode, TestNode]> {
  const [a, b] = await createTrusting(root, [{ name: 'a' }, { name: 'b' }])
  await startAll([a, b])
  return [a, b]
}

/** Poll until `check` returns true (or throw after `timeoutMs`, default one minute in tests). */
export async function until (check: () => Promise<boolean> | boolean, timeoutMs = 60_000, what = 'condition'): Promise<void> {
  await driverUntil(check, timeoutMs, what)
}

export { run }
