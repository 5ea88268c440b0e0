/**
 * The machine a benchmark ran on — Node version, CPU model, cores, memory, load, git commit —
 * and the fsync latency of the disk the data directories live on, which bounds every
 * durable-write figure.
 *
 * @module
 */
import { execFileSync } from 'node:child_process'
import { open, rm } from 'node:fs/promises'
import { availableParallelism, cpus, loadavg, platform, arch, release, totalmem } from 'node:os'
import { join } from 'node:path'
import { percentile } from './stats.ts'

export interface MachineInfo {
  node: string
  v8: string
  cpuModel: string
  cores: number
  platform: string
  arch: string
  kernel: string
  totalMemoryMB: number
  loadAverage: number[]
  git: { commit: string | null, dirty: boolean | null }
}

function git (args: string[]): string | null {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return null
  }
}

export function machineInfo (): MachineInfo {
  const status = git(['status', '--porcelain', '--untracked-files=no'])
  return {
    node: process.version,
    v8: process.versions.v8,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    platform: platform(),
    arch: arch(),
    kernel: release(),
    totalMemoryMB: Math.round(totalmem() / 2 ** 20),
    loadAverage: loadavg().map(x => Math.round(x * 100) / 100),
    git: { commit: git(['rev-parse', 'HEAD']), dirty: status == null ? null : status !== '' }
  }
}

export interface FsyncLatency {
  samples: number
  p50: number
  p99: number
}

/** Latency of writing 1 KiB and fdatasync-ing it, in ms, in `dir` (where the stores live). */
export async function fsyncLatency (dir: string, samples = 200): Promise<FsyncLatency> {
  const file = join(dir, `fsync-probe-${process.pid}`)
  const handle = await open(file, 'w')
  const block = Buffer.alloc(1024, 0x61)
  const times: number[] = []
  try {
    for (let i = 0; i < samples; i++) {
      const t = performance.now()
      await handle.write(block)
      await handle.datasync()
      times.push(performance.now() - t)
    }
  } finally {
    await handle.close()
    await rm(file, { force: true })
  }
  return { samples, p50: percentile(times, 50), p99: percentile(times, 99) }
}
