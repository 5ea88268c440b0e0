/**
 * `npm run build` — compile the node to plain JavaScript in dist/ (tsconfig.build.json), the
 * code that `npm start`, the systemd unit and the benchmark agents run. Running .ts sources
 * makes Node load its TypeScript stripper (a WebAssembly build of SWC) into every process and
 * keep a stripped copy of each module: about 30 MB more resident memory per node, for nothing
 * once the code is compiled. Development keeps running the sources directly (tests, CLI).
 *
 *     node scripts/build.ts            build unless dist/ is current (npm's prepare, prestart)
 *     node scripts/build.ts --force    build even if it is
 *     node scripts/build.ts --check    build nothing; exit 1 when dist/ is missing or stale
 *
 * Emit only (`noCheck`): type errors are `npm run check`'s business, and a build that fails on
 * a colleague's half-finished types would block `npm ci`. tsc rewrites relative import
 * specifiers from .ts to .js; this script does the same for worker entry points
 * (`new URL('./x.ts', import.meta.url)`), and refuses output that still imports a .ts file. The
 * new build is written beside dist/ and moved into place whole, with a stamp of its inputs
 * (see build-stamp.ts) that makes a stale build refuse to start.
 *
 * @module
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { parseArgs } from 'node:util'
import ts from 'typescript'
import { buildProblem, DIST_DIR, hashFile, STAMP_FILE, type BuildStamp } from './build-stamp.ts'

export const PROJECT_ROOT = resolve(new URL('..', import.meta.url).pathname)
const CONFIG = 'tsconfig.build.json'

/** `new URL('./worker.ts', import.meta.url)` → `.js`: what tsc does for import specifiers. */
const WORKER_URL = /(new URL\(\s*(['"`])\.{1,2}\/[^'"`\n]*?)\.ts(\2\s*,\s*import\.meta\.url\s*\))/g
/** A relative import of a .ts file still in the output (would fail at run time). */
const TS_SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])\.{1,2}\/[^'"\n]*\.ts\1/

export interface BuildResult {
  /** False when dist/ was current and left alone. */
  built: boolean
  /** JavaScript files written. */
  files: number
  ms: number
}

function formatDiagnostics (diagnostics: readonly ts.Diagnostic[], root: string): string {
  return ts.formatDiagnostics(diagnostics, { getCanonicalFileName: f => f, getCurrentDirectory: () => root, getNewLine: () => '\n' })
}

/** Compile `root` per its tsconfig.build.json into `root`/dist, unless that is current. */
export function build (root = PROJECT_ROOT, opts: { force?: boolean } = {}): BuildResult {
  const started = performance.now()
  const dist = join(root, DIST_DIR)
  if (opts.force !== true && buildProblem(root, dist) == null) return { built: false, files: 0, ms: performance.now() - started }

  const parsed = ts.getParsedCommandLineOfConfigFile(join(root, CONFIG), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(formatDiagnostics([d], root))
    }
  })
  if (parsed == null) throw new Error(`cannot read ${CONFIG}`)
  if (parsed.errors.length > 0) throw new Error(formatDiagnostics(parsed.errors, root))
  const staging = `${dist}.building-${process.pid}`
  rmSync(staging, { recursive: true, force: true })
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: { ...parsed.options, outDir: staging } })
  const problems = [...program.getOptionsDiagnostics(), ...program.getSyntacticDiagnostics()]
  if (problems.length > 0) throw new Error(formatDiagnostics(problems, root))

  let files = 0
  const offenders: string[] = []
  const emitted = program.emit(undefined, (fileName, text) => {
    let out = text
    if (fileName.endsWith('.js')) {
      out = text.replace(WORKER_URL, '$1.js$3')
      if (TS_SPECIFIER.test(out)) offenders.push(relative(staging, fileName))
      files++
    }
    mkdirSync(dirname(fileName), { recursive: true })
    writeFileSync(fileName, out)
  })
  try {
    if (emitted.emitSkipped || emitted.diagnostics.length > 0) throw new Error(`emit failed\n${formatDiagnostics(emitted.diagnostics, root)}`)
    if (offenders.length > 0) throw new Error(`compiled files still import a .ts file: ${offenders.join(', ')}`)
    const inputs: Record<string, string> = {}
    const sources = [
      join(root, 'tsconfig.json'),
      join(root, CONFIG),
      ...program.getSourceFiles().filter(f => !f.isDeclarationFile && !f.fileName.includes('/node_modules/')).map(f => f.fileName)
    ]
    for (const file of sources.sort()) inputs[relative(root, file).split(sep).join('/')] = hashFile(file) as string
    const stamp: BuildStamp = { version: 1, inputs }
    writeFileSync(join(staging, STAMP_FILE), JSON.stringify(stamp, null, 1) + '\n')
    rmSync(dist, { recursive: true, force: true })
    renameSync(staging, dist)
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
  return { built: true, files, ms: performance.now() - started }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const { values } = parseArgs({ options: { force: { type: 'boolean' }, check: { type: 'boolean' } } })
  if (values.check === true) {
    const problem = buildProblem(PROJECT_ROOT)
    process.stdout.write(problem == null ? `${DIST_DIR}/ is current\n` : `${problem}; run npm run build\n`)
    process.exitCode = problem == null ? 0 : 1
  } else {
    const result = build(PROJECT_ROOT, { force: values.force === true })
    process.stdout.write(result.built ? `built ${DIST_DIR}/: ${result.files} files in ${(result.ms / 1000).toFixed(1)} s\n` : `${DIST_DIR}/ is current\n`)
    // The web console and auditor's page (scripts/build-web.ts): esbuild, well under a second.
    // Loaded only where the web sources are (a copy of the compiler alone builds without them).
    if (existsSync(join(PROJECT_ROOT, 'web'))) {
      const { buildWeb } = await import('./build-web.ts')
      const web = await buildWeb(PROJECT_ROOT)
      process.stdout.write(`built ${DIST_DIR}/web/: ${web.files.length} files in ${(web.ms / 1000).toFixed(1)} s\n`)
    }
  }
}
