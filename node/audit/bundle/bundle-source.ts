/**
 * Where an audit bundle's files come from, for the bundle checks (check-bundle.ts): a directory
 * on disk (`liaison audit verify --bundle`), or the files an auditor picked in a browser (the
 * auditor's page, web/auditor/). Paths are relative to the bundle and '/'-separated.
 *
 * @module
 */

export interface BundleSource {
  /** The bytes of a file, or undefined if there is none at `path`. */
  read: (path: string) => Promise<Uint8Array | undefined>
  /** Every file of the bundle (not directories), sorted. */
  files: () => Promise<string[]>
}

/** The names directly under `dir` (a '/'-free prefix like 'keys'), files and directories alike, sorted. */
export function childNames (files: readonly string[], dir: string): string[] {
  const prefix = dir + '/'
  const names = new Set<string>()
  for (const f of files) if (f.startsWith(prefix)) names.add(f.slice(prefix.length).split('/')[0])
  return [...names].sort()
}

/** Names directly under `dir` that have something below them (directories). */
export function childDirs (files: readonly string[], dir: string): string[] {
  const prefix = dir + '/'
  const names = new Set<string>()
  for (const f of files) {
    if (!f.startsWith(prefix)) continue
    const rest = f.slice(prefix.length).split('/')
    if (rest.length > 1) names.add(rest[0])
  }
  return [...names].sort()
}

/** A BundleSource over an in-memory map of path → bytes (the browser's picked files, tests). */
export function memorySource (entries: ReadonlyMap<string, Uint8Array>): BundleSource {
  const sorted = [...entries.keys()].sort()
  return {
    read: async (path) => entries.get(path),
    files: async () => sorted
  }
}
