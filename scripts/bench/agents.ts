/**
 * Spawning and driving benchmark agents (scripts/bench/agent.ts) as separate processes.
 *
 * Agents run what operators run: the compiled build (dist/scripts/bench/agent.js, built from
 * the current sources first if it is missing or stale) with the Node flags of `npm start`.
 *
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, startFlags } from '../node-driver.ts'
import { fileURLToPath } from 'node:url'
import { buildProblem, DIST_DIR } from '../build-stamp.ts'
import { initDataDir } from '../../node/config/data-dir.ts'
import { Store } from '../../node/store/index.ts'
import { TrustList } from '../../node/trust/trust-list.ts'
import { BENCH_LEGAL_BASIS, type AgentRequest } from './agent-api.ts'
import type { RuntimeInfo } from '../../node/runtime/liaison-node.ts'

const PROJECT = fileURLToPath(new URL('../../', import.meta.url))
const AGENT = join(PROJECT, DIST_DIR, 'scripts/bench/agent.js')

let built: Promise<void> | undefined
/** Build dist/ from the current sources unless it is current (once per process). */
async function ensureBuilt (): Promise<void> {
  built ??= (async () => {
    if (buildProblem(PROJECT) == null) return
    const { build } = await import('../build.ts')
    build(PROJECT)
  })()
  await built
}

export interface StartOptions {
  /** Node flags besides those of `npm start`, e.g. `--cpu-prof`. */
  execArgv?: string[]
  /** pino level inside the agent (default warn). */
  logLevel?: string
}

export class Agent {
  readonly name: string
  readonly dir: string
  readonly peerId: string
  readonly address: string
  private child: ChildProcess | undefined
  private seq = 0
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()

  private constructor (name: string, dir: string, peerId: string, address: string) {
    this.name = name
    this.dir = dir
    this.peerId = peerId
    this.address = address
  }

  static async create (name: string, root?: string, exchange: Record<string, unknown> = {}): Promise<Agent> {
    const base = root ?? await mkdtemp(join(tmpdir(), 'liaison-bench-'))
    const dir = join(base, name)
    const port = await freePort()
    const { peerId } = await initDataDir(dir, { name, listen: [`/ip4/127.0.0.1/tcp/${port}`] })
    const configFile = join(dir, 'config.json')
    const config = JSON.parse(await readFile(configFile, 'utf8'))
    config.exchange = { retryBaseMs: 50, retryCapMs: 1000, ...exchange }
    await writeFile(configFile, JSON.stringify(config))
    return new Agent(name, dir, peerId, `/ip4/127.0.0.1/tcp/${port}/p2p/${peerId}`)
  }

  /**
   * Add peers to this agent's trust list (before it starts), with an agreement that covers the
   * legal basis benchmark messages name, so the full policy check runs and passes.
   */
  async trust (peers: Agent[]): Promise<void> {
    const store = await Store.open(join(this.dir, 'store'))
    try {
      const list = await TrustList.load(store)
      const agreements = [{ id: BENCH_LEGAL_BASIS, validFrom: '2000-01-01T00:00:00.000Z', validUntil: '2099-12-31T23:59:59.999Z' }]
      for (const p of peers) await list.add({ peerId: p.peerId, name: p.name, addresses: [p.address], agreements })
    } finally {
      await store.close()
    }
  }

  get pid (): number | undefined {
    return this.child?.pid
  }

  async start (opts: StartOptions = {}): Promise<RuntimeInfo> {
    await ensureBuilt()
    const child = fork(AGENT, [this.dir, opts.logLevel ?? 'warn'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [...startFlags(), ...(opts.execArgv ?? [])]
    })
    this.child = child
    return await new Promise((resolve, reject) => {
      child.on('message', (msg: { ready?: RuntimeInfo, seq?: number, value?: unknown, error?: string }) => {
        if (msg.ready != null) {
          resolve(msg.ready)
          return
        }
        const w = this.waiting.get(msg.seq ?? -1)
        if (w == null) return
        this.waiting.delete(msg.seq as number)
        if (msg.error != null) w.reject(new Error(`${this.name}: ${msg.error}`))
        else w.resolve(msg.value)
      })
      child.once('exit', (code, signal) => {
        const err = new Error(`agent ${this.name} exited with ${code ?? signal}`)
        reject(err)
        for (const w of this.waiting.values()) w.reject(err)
        this.waiting.clear()
      })
    })
  }

  async request<T> (req: AgentRequest): Promise<T> {
    const seq = ++this.seq
    const child = this.child
    if (child == null || child.exitCode != null || child.signalCode != null) throw new Error(`agent ${this.name} is not running`)
    return await new Promise<T>((resolve, reject) => {
      this.waiting.set(seq, { resolve: resolve as (v: unknown) => void, reject })
      child.send({ ...req, seq })
    })
  }

  /** Graceful stop (the node closes its store; a --cpu-prof profile is written). */
  async stop (): Promise<void> {
    const child = this.child
    if (child == null || child.exitCode != null || child.signalCode != null) return
    const exited = new Promise(resolve => child.once('exit', resolve))
    await this.request({ op: 'stop' }).catch(() => {})
    await exited
  }

  /** Last resort on the way out after a failure. */
  kill (): void {
    const child = this.child
    if (child != null && child.exitCode == null && child.signalCode == null) child.kill('SIGKILL')
  }
}

/** A set of agents that are stopped together, and killed if stopping fails. */
export class Fleet {
  readonly agents: Agent[] = []

  add (agent: Agent): Agent {
    this.agents.push(agent)
    return agent
  }

  async stop (): Promise<void> {
    const results = await Promise.allSettled(this.agents.map(async a => {
      await a.stop()
    }))
    for (const a of this.agents) a.kill()
    const failed = results.find(r => r.status === 'rejected')
    if (failed != null) throw (failed as PromiseRejectedResult).reason
  }

  kill (): void {
    for (const a of this.agents) a.kill()
  }
}

export interface Pair {
  sender: Agent
  receiver: Agent
  fleet: Fleet
}

/** A sender and a receiver in separate processes, trusting each other, started. */
export async function startPair (root: string, opts: { sender?: StartOptions, receiver?: StartOptions } = {}): Promise<Pair> {
  const fleet = new Fleet()
  const sender = fleet.add(await Agent.create('sender', root))
  const receiver = fleet.add(await Agent.create('receiver', root))
  await sender.trust([receiver])
  await receiver.trust([sender])
  try {
    await Promise.all([sender.start(opts.sender), receiver.start(opts.receiver)])
  } catch (err) {
    fleet.kill()
    throw err
  }
  return { sender, receiver, fleet }
}
