/**
 * Summaries of V8 CPU profiles (`node --cpu-prof`): self time per function and per category
 * (Ed25519, other node:crypto work, our protocol code, our node code, LevelDB, libp2p, Noise
 * encryption, GC, idle, …), so the report can say where the time of a run went.
 *
 * @module
 */

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}

interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}

export interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas?: number[]
}

export interface SelfTime {
  name: string
  location: string
  category: string
  /** Share of all samples (idle included). */
  pct: number
  ms: number
}

export interface ProfileSummary {
  samples: number
  durationMs: number
  /** Share of samples not idle. */
  busyPct: number
  top: SelfTime[]
  categories: Array<{ category: string, pct: number, ms: number }>
}

const NOISE = ['@chainsafe/libp2p-noise', '@noble/ciphers', '@chainsafe/as-chacha20poly1305', '@chainsafe/as-sha256']
const LIBP2P = [
  'libp2p',
  '@libp2p/',
  'it-',
  'uint8arraylist',
  '@multiformats/',
  'multiformats',
  'p-queue',
  'race-signal',
  'main-event',
  'progress-events',
  'uint8arrays',
  'abort-error',
  'p-defer',
  'any-signal'
]
const LEVEL = [
  'level',
  'classic-level',
  'abstract-level',
  'level-transcoder',
  'level-supports',
  'module-error',
  'maybe-combine-errors',
  'napi-macros',
  'node-gyp-build'
]

/** The package a node_modules path belongs to (`@scope/name` or `name`). */
export function packageOf (url: string): string | undefined {
  const at = url.lastIndexOf('/node_modules/')
  if (at < 0) return undefined
  const parts = url.slice(at + '/node_modules/'.length).split('/')
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]
}

function startsWithAny (name: string, prefixes: readonly string[]): boolean {
  return prefixes.some(p => p.endsWith('/') || p.endsWith('-') ? name.startsWith(p) : name === p)
}

/** Which part of the system a call frame belongs to. `root` is the project's file:// URL prefix. */
export function categoryOf (frame: Pick<CallFrame, 'functionName' | 'url'>, root: string): string {
  const { functionName: fn, url } = frame
  if (fn === '(idle)') return 'idle'
  if (fn === '(garbage collector)') return 'GC'
  if (fn === '(program)') return 'V8 / runtime (program)'
  if (url === '') return 'native builtins'
  const pkg = packageOf(url)
  if (pkg != null) {
    if (NOISE.includes(pkg)) return 'Noise encryption (JS)'
    if (pkg === '@chainsafe/libp2p-yamux') return 'yamux'
    if (startsWithAny(pkg, LEVEL)) return 'LevelDB (JS side)'
    if (startsWithAny(pkg, LIBP2P)) return 'libp2p'
    if (pkg === 'pino' || pkg.startsWith('pino-') || pkg === 'sonic-boom') return 'logging'
    if (pkg === 'zod') return 'zod'
    if (pkg === '@noble/hashes' || pkg === '@noble/ed25519') return 'noble'
    return pkg
  }
  if (url.startsWith(root)) {
    const rel = url.slice(root.length).replace(/^\/+/, '').replace(/^dist\//, '')
    if (rel.startsWith('protocol/')) return 'protocol/ (ours)'
    if (rel.startsWith('node/')) return 'node/ (ours)'
    if (rel.startsWith('scripts/')) return 'bench harness'
    return 'project (other)'
  }
  if (url.startsWith('node:internal/crypto/sig')) return 'Ed25519 sign/verify'
  if (url.startsWith('node:internal/crypto')) return 'crypto (hash, cipher, random)'
  if (/^node:(internal\/)?(stream|net|streams|socket|tcp|dgram|buffer)/.test(url)) return 'node streams / net'
  if (url.startsWith('node:')) return 'node internals'
  return 'other'
}

function locationOf (url: string, line: number, root: string): string {
  const pkg = packageOf(url)
  let where = url
  if (pkg != null) where = `${pkg}/…/${url.split('/').pop() ?? ''}`
  else if (url.startsWith(root)) where = url.slice(root.length).replace(/^\/+/, '')
  return where === '' ? '(native)' : `${where}:${line + 1}`
}

/**
 * Self time per function (top `limit`) and per category. A native frame (no URL, e.g. the
 * `run` of a node:crypto sign job or a socket `writeBuffer`) is named after its nearest caller
 * with a URL and counted in that caller's category, so native time lands where it was spent.
 */
export function summariseProfile (profile: CpuProfile, root: string, limit = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map(n => [n.id, n]))
  const parent = new Map<number, ProfileNode>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n)
  const callerWithUrl = (node: ProfileNode): ProfileNode | undefined => {
    for (let p = parent.get(node.id); p != null; p = parent.get(p.id)) if (p.callFrame.url !== '') return p
    return undefined
  }
  const total = profile.samples.length
  const durationMs = (profile.endTime - profile.startTime) / 1000
  const msPerSample = total > 0 ? durationMs / total : 0
  const counts = new Map<number, number>()
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1)
  const fns = new Map<string, { name: string, location: string, category: string, n: number }>()
  const cats = new Map<string, number>()
  let idle = 0
  for (const [id, n] of counts) {
    const node = byId.get(id)
    if (node == null) continue
    const frame = node.callFrame
    let category = categoryOf(frame, root)
    let name = frame.functionName === '' ? '(anonymous)' : frame.functionName
    let location = locationOf(frame.url, frame.lineNumber, root)
    const caller = category === 'native builtins' ? callerWithUrl(node) : undefined
    if (caller != null) {
      const c = caller.callFrame
      category = categoryOf(c, root)
      name = `${name} (native) ← ${c.functionName === '' ? '(anonymous)' : c.functionName}`
      location = locationOf(c.url, c.lineNumber, root)
    }
    if (category === 'idle') idle += n
    cats.set(category, (cats.get(category) ?? 0) + n)
    const key = `${name} ${location}`
    const entry = fns.get(key) ?? { name, location, category, n: 0 }
    entry.n += n
    fns.set(key, entry)
  }
  const pct = (n: number): number => total > 0 ? (100 * n) / total : 0
  return {
    samples: total,
    durationMs,
    busyPct: pct(total - idle),
    top: [...fns.values()]
      .filter(f => f.category !== 'idle')
      .sort((a, b) => b.n - a.n)
      .slice(0, limit)
      .map(f => ({ name: f.name, location: f.location, category: f.category, pct: pct(f.n), ms: f.n * msPerSample })),
    categories: [...cats].sort((a, b) => b[1] - a[1]).map(([category, n]) => ({ category, pct: pct(n), ms: n * msPerSample }))
  }
}
