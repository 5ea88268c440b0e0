/**
 * Where the time goes: one extra 1 KiB ingest run with the V8 CPU profiler on in both agents,
 * then a self-time summary of the sender's and the receiver's profile. The profiler is started
 * and stopped through the inspector around exactly the measured run (same .cpuprofile format
 * as `node --cpu-prof`, but without start-up, warm-up and shutdown in it). The profiled run's
 * rate is not a figure — the profiler slows both processes; it only explains the figures.
 *
 * @module
 */
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Pair } from './agents.ts'
import { measureIngest } from './ingest.ts'
import type { BenchContext } from './context.ts'
import { summariseProfile, type CpuProfile, type ProfileSummary } from './profile-summary.ts'

/** Profiles of one measured activity, one summary per process or thread. */
export interface ProfileSet {
  id: 'ingest' | 'audit'
  title: string
  description: string
  threads: Array<{ who: string, summary: ProfileSummary }>
}

export interface ProfileRun {
  count: number
  rate: number
  sender: ProfileSummary
  receiver: ProfileSummary
  /** The raw .cpuprofile files (scratch; open them in Chrome DevTools or speedscope). */
  files: { sender: string, receiver: string }
}

export const PROJECT_ROOT = pathToFileURL(new URL('../../', import.meta.url).pathname).href
const SAMPLING_INTERVAL_US = 500

export async function runProfile (ctx: BenchContext, pair: Pair): Promise<ProfileRun> {
  const dir = join(ctx.scratch, 'profiles')
  await mkdir(dir, { recursive: true })
  const files = { sender: join(dir, 'sender-ingest-1k.cpuprofile'), receiver: join(dir, 'receiver-ingest-1k.cpuprofile') }
  const count = ctx.quick ? 2000 : 10_000
  const { sender, receiver } = pair
  await Promise.all([sender, receiver].map(async a => await a.request({ op: 'profile-start', intervalUs: SAMPLING_INTERVAL_US })))
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    await sender.request({ op: 'profile-stop', file: files.sender })
    await receiver.request({ op: 'profile-stop', file: files.receiver })
  }
  let rate: number
  try {
    rate = (await measureIngest(pair, 'profiled ingest', 1024, count, stop)).rate
  } finally {
    await stop()
  }
  const load = async (file: string): Promise<CpuProfile> => JSON.parse(await readFile(file, 'utf8')) as CpuProfile
  return {
    count,
    rate,
    sender: summariseProfile(await load(files.sender), PROJECT_ROOT),
    receiver: summariseProfile(await load(files.receiver), PROJECT_ROOT),
    files
  }
}

/** The ingest profile as a ProfileSet for the report. */
export function ingestProfileSet (run: ProfileRun): ProfileSet {
  return {
    id: 'ingest',
    title: 'Ingest, 1 KiB',
    description: `One extra 1 KiB ingest run of ${
      run.count.toLocaleString('en-US')
    } messages with the V8 CPU profiler on in both processes, started and stopped through the inspector around exactly the measured run (${
      Math.round(run.rate).toLocaleString('en-US')
    } msg/s under the profiler; not a figure).`,
    threads: [{ who: 'Sender', summary: run.sender }, { who: 'Receiver', summary: run.receiver }]
  }
}
