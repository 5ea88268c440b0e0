/**
 * Spawning and driving benchmark agents (scripts/bench/agent.ts) as separate processes.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { initDataDir } from '../../node/data-dir.ts'
import { Store } from '../../node/store/store.ts'
import { TrustList } from '../../node/trust-list.ts'
import type { AgentRequest } from './agent.ts'
import type { RuntimeInfo } from '../../node/liaison-node.ts'

const AGENT = new URL('./agent.ts', import.meta.url).pathname

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      server.close(() => { resolve(port) })
    })
    server.on('error', reject)
  })
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

  /** Add peers to this agent's trust list (before it starts). */
  async trust (peers: Agent[]): Promise<void> {
    const store = await Store.open(join(this.dir, 'store'))
    const list = await TrustList.load(store)
    for (const p of peers) await list.add({ peerId: p.peerId, name: p.name, addresses: [p.address] })
    await store.close()
  }

  async start (execArgv: string[] = []): Promise<RuntimeInfo> {
    const child = fork(AGENT, [this.dir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv })
    this.child = child
    return await new Promise((resolve, reject) => {
      child.on('message', (msg: { ready?: RuntimeInfo, seq?: number, value?: unknown, error?: string }) => {
        if (msg.ready != null) { resolve(msg.ready); return }
        const w = this.waiting.get(msg.seq ?? -1)
        if (w == null) return
        this.waiting.delete(msg.seq as number)
        if (msg.error != null) w.reject(new Error(`${this.name}: ${msg.error}`))
        else w.resolve(msg.value)
      })
      child.once('exit', (code) => {
        reject(new Error(`${this.name} exited with ${code}`))
        for (const w of this.waiting.values()) w.reject(new Error(`${this.name} exited with ${code}`))
      })
    })
  }

  async request<T> (req: AgentRequest): Promise<T> {
    const seq = ++this.seq
    return await new Promise<T>((resolve, reject) => {
      this.waiting.set(seq, { resolve: resolve as (v: unknown) => void, reject })
      this.child?.send({ ...req, seq })
    })
  }

  async stop (): Promise<void> {
    if (this.child == null || this.child.exitCode != null) return
    const exited = new Promise(resolve => this.child?.once('exit', resolve))
    await this.request({ op: 'stop' }).catch(() => {})
    await exited
  }
}
